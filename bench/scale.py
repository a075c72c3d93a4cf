"""`make bench-scale`: qa at growing index sizes, embedded Chroma and a Chroma server.

For each size: a corpus of SQuAD v1.1 paragraphs (one document per paragraph; past the 2,067
paragraphs of the dev set they are replicated with variation: another title and the
sentences of a paragraph rotated) is indexed from scratch into embedded Chroma; then the same
index is served twice, each time in a fresh process: embedded, and through `chroma run` on
127.0.0.1 over the same folder. Up to ``--server-ingest-upto`` chunks the corpus is also
indexed through a Chroma server from scratch. Printed per size and backend: chunks, ingest
chunks/s, index size on disk, peak RSS (qa, and the Chroma server), start-up (open the index
+ first answer), retrieve and ask p50/p95 over 100 SQuAD questions. results/scale.json, and
the plot docs/scaling.png.

  python -m bench.scale --data ../shared/data/squad-v1.1 --sizes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMA = Path(sys.executable).parent / "chroma"
CHUNKS_PER_PARAGRAPH = 2.9  # measured: 290 SQuAD paragraphs make 874 chunks (the first 358 made 1,234)


def paragraphs(data: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(title, text) of every paragraph, and every question."""
    out: list[tuple[str, str]] = []
    questions: list[str] = []
    for path in sorted(data.glob("*.json")):
        for art in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for n, p in enumerate(art["paragraphs"]):
                out.append((f"{art['title'].replace('_', ' ')} {n}", p["context"].strip()))
                questions.extend(q["question"] for q in p["qas"])
    return out, questions


def write_corpus(folder: Path, items: list[tuple[str, str]], chunks: int) -> None:
    """About ``chunks`` chunks' worth of paragraphs."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    need, copy = int(chunks / CHUNKS_PER_PARAGRAPH) + 1, 0
    written = 0
    while written < need:
        for title, text in items:
            if written >= need:
                break
            if copy:
                parts = text.split(". ")
                text = ". ".join(parts[copy % len(parts):] + parts[: copy % len(parts)])
                title = f"{title} (copy {copy})"
            (folder / f"p{written:06d}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
            written += 1
        copy += 1


INGEST_KEYS = ("chunks", "documents", "ingest_s", "chunks_per_s", "ingest_peak_rss_mb", "embedding")


def measure(size: int, data: Path, work: Path, server_ingest_upto: int, before: list[dict] | None = None) -> list[dict]:
    """The rows of one size; with ``before`` (rows of an earlier run), the indexes it built
    are served again and its ingest figures kept (after a change that only affects serving)."""
    items, questions = paragraphs(data)
    asked = questions[:: max(1, len(questions) // 100)][:100]
    corpus, index = work / f"corpus-{size}", work / f"index-{size}"
    earlier = {r["backend"]: {k: r[k] for k in INGEST_KEYS if k in r}
               for r in before or [] if r["target_chunks"] == size}
    if before is None:
        write_corpus(corpus, items, size)
        shutil.rmtree(index, ignore_errors=True)
    # each phase in a fresh process, so peak RSS and start-up are those of a real run
    ingest = earlier["embedded"] if before is not None else run_phase("ingest", corpus, index, [])
    disk = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    rows = [{"target_chunks": size, "backend": "embedded", **ingest, **run_phase("serve", corpus, index, asked),
             "index_mb": round(disk / 1e6, 1)}]
    with chroma_server(index) as (port, server_rss):
        serve = run_phase("serve", corpus, index, asked, port)
        rows.append({"target_chunks": size, "backend": "server", "chunks": ingest["chunks"],
                     "documents": ingest["documents"], **serve, "index_mb": round(disk / 1e6, 1),
                     "chroma_server_peak_rss_mb": server_rss()})
    if size <= server_ingest_upto:  # the whole path through a server: ingest too
        fresh = work / f"server-index-{size}"
        if before is None:
            shutil.rmtree(fresh, ignore_errors=True)
        with chroma_server(fresh) as (port, server_rss):
            ingest = (earlier["server (ingest too)"] if before is not None
                      else run_phase("ingest", corpus, fresh, [], port))
            serve = run_phase("serve", corpus, fresh, asked, port)
            rows.append({"target_chunks": size, "backend": "server (ingest too)", **ingest, **serve,
                         "chroma_server_peak_rss_mb": server_rss()})
    return rows


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[tuple[int, Callable[[], float]]]:
    """`chroma run` on 127.0.0.1 over ``path`` (loopback only: servers <= 1.5.9 allow remote code);
    yields its port and a function giving its peak RSS in MB."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)  # nosec B310
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError("the Chroma server did not start") from None
                time.sleep(0.3)

        def peak_rss() -> int:
            status = Path(f"/proc/{process.pid}/status").read_text()
            return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) // 1024

        yield port, peak_rss
    finally:
        process.terminate()
        process.wait(30)


def run_phase(phase: str, corpus: Path, index: Path, questions: list[str], chroma_port: int | None = None) -> dict:
    env = {**os.environ}
    if chroma_port:
        env.update(QA_CHROMA_HOST="127.0.0.1", QA_CHROMA_PORT=str(chroma_port))
    done = subprocess.run([sys.executable, __file__, "--phase", phase, "--corpus", str(corpus), "--index", str(index),
                           "--questions", json.dumps(questions)], capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"phase {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def phase(name: str, corpus: Path, index: Path, questions: list[str]) -> dict:
    from qa.core.config import Settings
    from qa.pipeline import Pipeline

    settings = Settings(corpus_dir=corpus, index_dir=index)
    t0 = time.perf_counter()
    pipeline = Pipeline.from_settings(settings)
    if name == "ingest":
        report = pipeline.index()
        pipeline.close()
        return {"chunks": report.chunks_total, "documents": report.documents_total,
                "ingest_s": round(report.seconds, 1), "chunks_per_s": round(report.chunks_written / report.seconds, 1),
                "ingest_peak_rss_mb": peak_rss_mb(), "embedding": settings.embedding_backend}
    first = pipeline.ask(questions[0])
    startup = time.perf_counter() - t0
    retrieve_ms, ask_ms = [], []
    for q in questions:
        t = time.perf_counter()
        pipeline.retrieve(q)
        retrieve_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        pipeline.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)
    pipeline.close()
    assert first.answer_id
    return {"startup_to_first_answer_s": round(startup, 1), "retrieve_p50_ms": pct(retrieve_ms, 50),
            "retrieve_p95_ms": pct(retrieve_ms, 95), "ask_p50_ms": pct(ask_ms, 50), "ask_p95_ms": pct(ask_ms, 95),
            "serve_peak_rss_mb": peak_rss_mb(), "questions": len(questions)}


def pct(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 1)


def peak_rss_mb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def plot(results: list[dict], path: Path) -> None:
    """Latency, start-up, ingest rate and peak RSS against chunks, one line per backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("retrieve_p50_ms", "retrieve p50 (ms)", 60), ("ask_p50_ms", "ask p50 (ms)", 400),
              ("startup_to_first_answer_s", "start-up to first answer (s)", 30),
              ("chunks_per_s", "ingest (chunks/s)", 30), ("serve_peak_rss_mb", "peak RSS serving (MB)", None)]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.6))
    colours = {b: f"C{i}" for i, b in enumerate(dict.fromkeys(r["backend"] for r in results))}
    for ax, (key, label, floor) in zip(axes, panels):
        for backend, colour in colours.items():
            rows = [r for r in results if r["backend"] == backend and key in r]
            if rows:
                ax.plot([r["chunks"] for r in rows], [r[key] for r in rows], marker="o", label=backend, color=colour)
            if key == "serve_peak_rss_mb" and backend == "server":  # the Chroma server's own memory
                ax.plot([r["chunks"] for r in rows], [r["chroma_server_peak_rss_mb"] for r in rows], marker="x",
                        linestyle=":", color=colour, label="Chroma server process")
        if floor:
            ax.axhline(floor, color="grey", linestyle="--", linewidth=1, label="issue's bound")
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    axes[-1].legend(fontsize=8)
    fig.suptitle("qa at scale (make bench-scale, 2 CPU cores)", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "squad-v1.1")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--server-ingest-upto", type=int, default=10000,
                    help="also index through a Chroma server from scratch up to this many chunks")
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-scale"))
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "scale.json")
    ap.add_argument("--plot", default=str(ROOT / "docs" / "scaling.png"), help="'' for none")
    ap.add_argument("--serve-again", action="store_true",
                    help="serve the indexes of the last run (--out) again, keeping its ingest figures")
    ap.add_argument("--phase", choices=["ingest", "serve"])
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--index", type=Path)
    ap.add_argument("--questions", default="[]")
    a = ap.parse_args()
    if a.phase:
        print(json.dumps(phase(a.phase, a.corpus, a.index, json.loads(a.questions))))
        return
    before = json.loads(a.out.read_text()) if a.serve_again else None
    sizes = [int(s) for s in a.sizes.split(",")]
    results = [r for r in before or [] if r["target_chunks"] not in sizes]  # other sizes kept as they were
    for size in sizes:
        for row in measure(size, a.data, a.work, a.server_ingest_upto, before):
            results.append(row)
            results.sort(key=lambda r: r["target_chunks"])
            print(json.dumps(row), flush=True)
            a.out.parent.mkdir(parents=True, exist_ok=True)
            a.out.write_text(json.dumps(results, indent=1))
    if a.plot:
        plot(results, Path(a.plot))


if __name__ == "__main__":
    main()
