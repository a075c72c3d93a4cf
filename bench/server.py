"""The real server for benchmarks: `qa serve --refresh` on a corpus folder with its own index,
on loopback, returned once it says it is ready."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QA = str(Path(sys.executable).with_name("qa"))


@contextmanager
def serving(corpus: Path, index: Path, port: int, wait_s: float = 180) -> Iterator[subprocess.Popen]:
    """The server process, ready; stopped on leaving."""
    env = {**os.environ, "QA_INDEX_DIR": str(index), "QA_CORPUS_DIR": str(corpus)}
    server = subprocess.Popen([QA, "serve", "--refresh", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + wait_s
        while not ready(port):
            if time.time() > deadline:
                raise SystemExit(f"the server on port {port} was not ready in {wait_s:.0f} s")
            time.sleep(0.5)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def ready(port: int) -> bool:
    try:
        return bool(httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json().get("ready"))
    except httpx.HTTPError:
        return False
