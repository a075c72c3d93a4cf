"""`make bench-scale`: qa at growing index sizes, embedded Chroma, on this machine.

For each size: a corpus of SQuAD v1.1 paragraphs (one document per paragraph; past the 2,067
paragraphs of the dev set they are replicated with variation: another title and the
sentences of a paragraph rotated) is indexed from scratch; printed per size: chunks, ingest
chunks/s, index size on disk, peak RSS, start-up (open the index + first answer), retrieve and
ask p50/p95 over SQuAD questions. One JSON line per size; results/scale.json.

  python bench/scale.py --data ../shared/data/squad-v1.1 --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def paragraphs(data: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(title, text) of every paragraph, and every question."""
    out, questions = [], []
    for path in sorted(data.glob("*.json")):
        for art in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for n, p in enumerate(art["paragraphs"]):
                out.append((f"{art['title'].replace('_', ' ')} {n}", p["context"].strip()))
                questions.extend(q["question"] for q in p["qas"])
    return out, questions


def write_corpus(folder: Path, items: list[tuple[str, str]], chunks: int) -> None:
    """About ``chunks`` chunks' worth of paragraphs (a SQuAD paragraph makes ~2.8 chunks)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    need, copy = int(chunks / 2.8) + 1, 0
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


def measure(size: int, data: Path, work: Path) -> dict:
    items, questions = paragraphs(data)
    corpus, index = work / f"corpus-{size}", work / f"index-{size}"
    write_corpus(corpus, items, size)
    shutil.rmtree(index, ignore_errors=True)
    # each phase in a fresh process, so peak RSS and start-up are those of a real run
    ingest = run_phase("ingest", corpus, index, [])
    serve = run_phase("serve", corpus, index, questions[:: max(1, len(questions) // 100)][:100])
    disk = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    return {"target_chunks": size, **ingest, **serve, "index_mb": round(disk / 1e6, 1)}


def run_phase(phase: str, corpus: Path, index: Path, questions: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--phase", phase, "--corpus", str(corpus), "--index", str(index),
                           "--questions", json.dumps(questions)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def phase(name: str, corpus: Path, index: Path, questions: list[str]) -> dict:
    from qa.config import Settings
    from qa.pipeline import Pipeline

    settings = Settings(corpus_dir=corpus, index_dir=index)
    t0 = time.perf_counter()
    pipeline = Pipeline.from_settings(settings)
    if name == "ingest":
        report = pipeline.index()
        pipeline.close()
        return {"chunks": report.chunks_total, "documents": report.documents_total,
                "ingest_s": round(report.seconds, 1), "chunks_per_s": round(report.chunks_written / report.seconds, 1),
                "ingest_peak_rss_mb": peak_rss_mb()}
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "squad-v1.1")
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-scale"))
    ap.add_argument("--phase", choices=["ingest", "serve"])
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--index", type=Path)
    ap.add_argument("--questions", default="[]")
    a = ap.parse_args()
    if a.phase:
        print(json.dumps(phase(a.phase, a.corpus, a.index, json.loads(a.questions))))
        return
    results = []
    for size in (int(s) for s in a.sizes.split(",")):
        results.append(measure(size, a.data, a.work))
        print(json.dumps(results[-1]), flush=True)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "scale.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
