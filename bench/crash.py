"""Crash safety: SIGKILL `qa index` at random moments while it ingests SQuAD-48, with corpus
files edited and deleted between kills; after each kill, count what a restart finds
half-written (it unlists those) and time a restart to the first answer; at the end, one
complete run, then check the index against the files: no document missing, stale or partial.

  python -m bench.crash [--kills 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qa.core.schema import Document
from qa.corpus.ingest import load_corpus
from qa.index.chroma.store import embedded_store
from qa.index.journal import Journal
from qa.index.lexical import LexicalIndex
from qa.index.retrieval import RetrievalConfig
from qa.pipeline import JOURNAL_FILE, LEXICAL_FILE

ROOT = Path(__file__).resolve().parents[1]
QA = str(Path(sys.executable).with_name("qa"))
SQUAD = ROOT / "results" / "squad48" / "corpus"


def inspect(index: Path) -> tuple[dict[str, str], list[str], list[str], dict[str, str]]:
    """(listed doc -> sha256, documents half-written (every document's chunks counted), those of
    them the indexer's journal does not name, the lexical index's doc -> sha256), read as stored."""
    store = embedded_store(index, "qa", signature="inspect")  # another signature: read as is
    lexical = LexicalIndex(index / LEXICAL_FILE, RetrievalConfig.fitted().bm25_k1, RetrievalConfig.fitted().bm25_b)
    journal = Journal(index / JOURNAL_FILE)
    try:
        broken = store.incomplete_documents()
        return store.manifest(), broken, sorted(set(broken) - set(journal.pending())), lexical.manifest()
    finally:
        journal.close()
        lexical.close()
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if not SQUAD.is_dir():
        raise SystemExit(f"{SQUAD} is missing: run `make results/squad48/qa.jsonl` first")
    rng = random.Random(a.seed)
    tmp = Path(tempfile.mkdtemp(prefix="qa-crash-"))
    corpus, index = tmp / "corpus", tmp / "index"
    shutil.copytree(SQUAD, corpus)
    env = {**os.environ, "QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index)}
    half_written, not_journalled, restarts = [], [], []
    for kill in range(1, a.kills + 1):
        run = subprocess.Popen([QA, "index"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(4, 30))
        finished = run.poll() is not None
        run.send_signal(signal.SIGKILL)
        run.wait()
        listed, broken, unnamed, _ = inspect(index)
        half_written.append(len(broken))
        not_journalled.append(len(unnamed))
        if kill % 5 == 0:
            t0 = time.perf_counter()
            done = subprocess.run([QA, "ask", "What is the Rhine?"], env=env, capture_output=True, text=True)
            restarts.append(round(time.perf_counter() - t0, 1))
            assert done.returncode in (0, 3), done.stderr
        files = sorted(corpus.glob("*.txt"))
        edited, deleted = rng.choice(files), rng.choice(files)
        with edited.open("a", encoding="utf-8") as f:
            f.write(f"\nAn added sentence number {kill} changes this document.\n")
        if deleted != edited and len(files) > 40:
            deleted.unlink()
        print(f"kill {kill}: after {'the end' if finished else 'part'} of a run; {len(listed)} listed, "
              f"{len(broken)} half-written found", flush=True)
    done = subprocess.run([QA, "index"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    listed, broken, _, lexical = inspect(index)
    hashes = {d.doc_id: d.sha256 for d in load_corpus(corpus) if isinstance(d, Document)}
    missing = sorted(set(hashes) - set(listed))
    stale = sorted(d for d in hashes if d in listed and listed[d] != hashes[d])
    extra = sorted(set(listed) - set(hashes))
    print(json.dumps({"kills": a.kills, "half_written_found_after_kills": half_written,
                      "half_written_not_in_the_journal": not_journalled,
                      "restart_to_first_answer_s": restarts, "final": {
                          "documents": len(hashes), "missing": missing, "stale": stale, "deleted_still_listed": extra,
                          "partial": broken,
                          "lexical_index_differs": sorted(set(lexical.items()) ^ set(listed.items()))}},
                     indent=1))
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
