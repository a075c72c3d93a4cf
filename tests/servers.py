"""Start the real qa server (real model, real Chroma) on a free loopback port for tests."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import ROOT, free_port, make_corpus

QA = str(Path(sys.executable).with_name("qa"))
CHROMA = str(Path(sys.executable).with_name("chroma"))


def run_qa(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([QA, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})})


class Server:
    def __init__(self, base: str, process: subprocess.Popen, corpus: Path, index: Path) -> None:
        self.base, self.process, self.corpus, self.index = base, process, corpus, index

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
                timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        """One raw HTTP request as a client would send it (headers exactly as given, Host too)."""
        host, port = self.base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


def start_server(corpus: Path, index: Path, extra_env: dict[str, str] | None = None) -> Server:
    env = {"QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index), **(extra_env or {})}
    port = free_port()
    # its output goes to a file: a pipe nobody reads fills up (64 KB: a thousand request lines)
    # and then blocks the server on its next log line
    log = index.parent / f"server-{port}.log"
    with open(log, "w", encoding="utf-8") as out:
        # one process indexes, then serves (as `make run` does): the models load once
        process = subprocess.Popen([QA, "serve", "--refresh", "--port", str(port)], cwd=ROOT, env={**os.environ, **env},
                                   stdout=out, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 240
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(encoding='utf-8')[-5000:]}")
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                if json.loads(r.read())["ready"]:
                    return Server(base, process, corpus, index)
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("server did not become ready in 240 s")


def stop_server(server: Server) -> None:
    stop_process(server.process)


@contextmanager
def article_served(root: Path, env: dict[str, str] | None = None, extra: dict[str, str] | None = None
                   ) -> Iterator[Server]:
    """A real server over a corpus of the article (and ``extra`` {file name: text}) under ``root``,
    with ``env`` settings; stopped after."""
    server = start_server(make_corpus(root, extra), root / "index", env)
    try:
        yield server
    finally:
        stop_server(server)


def start_chroma(path: Path) -> tuple[subprocess.Popen, int]:
    """`chroma run` over ``path`` on a free port, on loopback only (Chroma servers up to 1.5.9
    allow unauthenticated code execution); returns the process and its port once it answers."""
    port = free_port()
    process = subprocess.Popen([CHROMA, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the Chroma server did not start in 60 s")


def stop_process(process: subprocess.Popen) -> None:
    """Stop it, and close the pipes it wrote to (an open pipe is a ResourceWarning, an error here)."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
