"""Try settings variants on one or more QA sets in process: prints one line per variant.

  python scripts/experiment.py --set article:corpus:../shared/eval/article-dev.jsonl \
      --set squad:results/squad48/corpus:results/squad48/qa.jsonl \
      --vary chunk_size=300,450,600 --retrieve-only
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path

from qa.config import Settings
from qa.embedding import SentenceTransformerEmbedder
from qa.evaluation import evaluate
from qa.pipeline import Pipeline


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", action="append", required=True, help="name:corpus_dir:qa_file")
    ap.add_argument("--vary", action="append", default=[], help="setting=v1,v2,...")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--retrieve-only", action="store_true")
    ap.add_argument("--dense-only", action="store_true")
    a = ap.parse_args()
    names, values = [], []
    for v in a.vary:
        name, vals = v.split("=")
        names.append(name)
        values.append([json.loads(x) if x[0].isdigit() or x in ("true", "false") else x
                       for x in vals.split(",")])
    embedder = SentenceTransformerEmbedder(Settings().model_path())
    for combo in itertools.product(*values) if values else [()]:
        overrides = dict(zip(names, combo))
        for spec in a.set:
            set_name, corpus, qa_file = spec.split(":")
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings(index_dir=Path(tmp), corpus_dir=Path(corpus), **overrides)
                pipe = Pipeline(settings, embedder, _store(settings, embedder))
                pipe.index()
                res = evaluate(pipe, Path(qa_file), Path(corpus), a.k, a.retrieve_only,
                               hybrid=not a.dense_only)
                pipe.close()
            s = res["summary"]
            print(set_name, overrides, json.dumps(s), flush=True)


def _store(settings: Settings, embedder: SentenceTransformerEmbedder):  # type: ignore[no-untyped-def]
    from qa.store import ChromaStore

    return ChromaStore.embedded(settings.index_dir, settings.collection, embedder.model_id)


if __name__ == "__main__":
    main()
