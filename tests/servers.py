"""Start the real qa server (real model, real Chroma) on a free loopback port for tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, free_port

QA = str(Path(sys.executable).with_name("qa"))


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

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


def start_server(corpus: Path, index: Path, extra_env: dict[str, str] | None = None) -> Server:
    env = {"QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index), **(extra_env or {})}
    done = run_qa("index", env=env)
    assert done.returncode == 0, done.stderr
    port = free_port()
    process = subprocess.Popen([QA, "serve", "--port", str(port)], cwd=ROOT,
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                if json.loads(r.read())["ready"]:
                    return Server(base, process, corpus, index)
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("server did not become ready in 120 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
