"""Where the milliseconds of one ask go, in process on the article (the real model, judge and
Chroma): the 21 dev questions asked ``--rounds`` times after a warm-up, each stage timed by
wrapping the function that does it, and the process's CPU time per ask.

Stages: the query embedding (MiniLM), the dense search (Chroma), the lexical search (SQLite
FTS5 + BM25), the rest of retrieval (fusion, sentence-vector rerank, chunk reads), the
judge's passes over the passages, its answer-phrase pass, its clause-trim pass, and the
Python around them (ask total minus the stages).

  python -m bench.profile_ask --shared ../shared [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def timed(owner: Any, name: str, into: dict[str, list[float]], label: str) -> None:
    """Wrap ``owner.name`` so that each call's wall time is added to ``into[label]``."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into[label].append((time.perf_counter() - t0) * 1000)

    setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    a = ap.parse_args()
    import torch

    from qa.core.config import Settings
    from qa.pipeline import Pipeline

    if a.threads:
        torch.set_num_threads(a.threads)
    questions = [json.loads(line)["question"] for line in (a.shared / "eval" / "article-dev.jsonl").open()]
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Pipeline.from_settings(Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp)))
        pipeline.index()
        pipeline.prepare_answering()
        for q in questions:  # warm: caches and lazy loads
            pipeline.ask(q)
        stages: dict[str, list[float]] = defaultdict(list)
        retriever, answerer = pipeline.retriever, pipeline.answerer
        forget = retriever.embed_query.cache_clear  # each ask embeds its question, as a new question does
        timed(retriever, "embed_query", stages, "query embedding")
        timed(retriever.store, "query", stages, "dense search (Chroma)")
        timed(retriever.lexical, "search", stages, "lexical search (FTS5)")
        timed(pipeline, "retrieve", stages, "retrieval in all")
        judge = answerer.base.judge  # type: ignore[attr-defined]
        timed(judge, "judge", stages, "judge passes")
        timed(judge, "phrase", stages, "phrase passes")
        timed(answerer, "candidates", stages, "candidates in all")
        totals, cpu = [], []
        for _ in range(a.rounds):
            for q in questions:
                forget()
                c0, t0 = time.process_time(), time.perf_counter()
                pipeline.ask(q)
                totals.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        pipeline.close()
    n = len(totals)
    per_ask = {label: round(sum(v) / n, 2) for label, v in stages.items()}
    embedded = per_ask.get("query embedding", 0.0)
    dense, lexical = per_ask.get("dense search (Chroma)", 0.0), per_ask.get("lexical search (FTS5)", 0.0)
    per_ask["rest of retrieval (fusion, rerank, chunk reads)"] = round(
        per_ask.get("retrieval in all", 0.0) - embedded - dense - lexical, 2)
    per_ask["python around (ask total - retrieval - judge passes - phrase)"] = round(
        float(np.mean(totals)) - per_ask.get("retrieval in all", 0.0) - per_ask.get("judge passes", 0.0)
        - per_ask.get("phrase passes", 0.0), 2)
    result = {"asks": n, "ask_p50_ms": round(float(np.percentile(totals, 50)), 1),
              "ask_mean_ms": round(float(np.mean(totals)), 1), "cpu_ms_per_ask": round(float(np.mean(cpu)), 1),
              "torch_threads": torch.get_num_threads(),
              "judge_calls_per_ask": round(len(stages["judge passes"]) / n, 2),
              "phrase_calls_per_ask": round(len(stages["phrase passes"]) / n, 2),
              "mean_ms_per_ask": per_ask}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
