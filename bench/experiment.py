"""Try settings variants on QA sets in process; prints one line of metrics per variant.

Index settings (chunk_size, chunk_overlap) rebuild the index; the others (settings, or retrieval's
fitted constants of qa/models/ranking.json: bm25_weight, rrf_k ...) only re-wire retrieval and
answering on the same index, so they are cheap to sweep.

  python -m bench.experiment --set article:corpus:../shared/eval/article-dev.jsonl \
      --set squad:results/squad48/corpus:results/squad48/qa.jsonl \
      --vary chunk_size=450,600 --vary bm25_weight=1,1.5 --retrieve-only
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
from pathlib import Path

from qa.core.config import Settings
from qa.edges.evaluation import evaluate
from qa.index.retrieval import RetrievalConfig
from qa.pipeline import Pipeline, make_embedder

INDEX_SETTINGS = {"chunk_size", "chunk_overlap"}
RANKING = {f.name for f in dataclasses.fields(RetrievalConfig)}


def parse(value: str) -> object:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", action="append", required=True, help="name:corpus_dir:qa_file")
    ap.add_argument("--vary", action="append", default=[], help="setting=v1,v2,...")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--retrieve-only", action="store_true")
    a = ap.parse_args()
    grid = {name: [parse(x) for x in vals.split(",")] for name, vals in (v.split("=") for v in a.vary)}
    index_keys = [n for n in grid if n in INDEX_SETTINGS]
    other_keys = [n for n in grid if n not in INDEX_SETTINGS]
    embedder = make_embedder(Settings())
    for spec in a.set:
        set_name, corpus, qa_file = spec.split(":")
        for index_combo in itertools.product(*(grid[n] for n in index_keys)):
            index_overrides = dict(zip(index_keys, index_combo))
            # indexes are kept per corpus and chunking, so a rerun only re-scores
            tag = "-".join(f"{k}{v}" for k, v in index_overrides.items()) or "default"
            index_dir = Path(".qa") / "experiments" / f"{set_name}-{tag}"
            base = Settings(index_dir=index_dir, corpus_dir=Path(corpus), **index_overrides)
            pipe = Pipeline.from_settings(base, embedder)
            store = pipe.store
            report = pipe.index()
            print(f"# {set_name} {index_overrides}: {report.chunks_written} chunks written in {report.seconds} s",
                  flush=True)
            for combo in itertools.product(*(grid[n] for n in other_keys)):
                overrides = dict(zip(other_keys, combo))
                fitted = {k: v for k, v in overrides.items() if k in RANKING}
                settings = base.model_copy(update={k: v for k, v in overrides.items() if k not in RANKING})
                variant = Pipeline(settings, embedder, store, dataclasses.replace(RetrievalConfig.fitted(), **fitted))
                res = evaluate(variant, Path(qa_file), Path(corpus), a.k, a.retrieve_only)
                print(set_name, {**index_overrides, **overrides}, json.dumps(res["summary"]), flush=True)
            store.close()


if __name__ == "__main__":
    main()
