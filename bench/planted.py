"""The article beside planted documents that state false "facts" about its subject.

Builds 20 documents from the article's own sentences with their figures changed and their
names swapped for names the article never mentions (seeded), indexes them beside the
article, asks the dev questions and counts what the answers rest on: the article alone,
a planted document alone (a planted claim repeated as fact), both with "the sources
disagree", or nothing (abstained); and whether any answer is a question sentence.
(``getattr(answer, "conflict")``: the script also runs against older qa versions.)

  python -m bench.planted --shared ../shared [--documents 20]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
from collections import Counter
from pathlib import Path

from qa.core.config import Settings
from qa.core.text import split_sentences
from qa.corpus.ingest import load_document
from qa.edges.evaluation import evaluate, load_qa
from qa.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "alibaba-ai-infrastructure.txt"
FAKE_NAMES = ["Elon Musk", "Samsung", "Oracle", "Jeff Bezos", "Goldman Sachs", "Shanghai", "Lisa Su",
              "Baidu", "Morgan Stanley", "Zhang Yong", "Tencent", "Intel", "Osaka", "Reuters"]
NAME = re.compile(r"(?<=[a-z,;]\s)[A-Z][\w’'&-]*(?:\s[A-Z][\w’'&-]*){0,2}")
FIGURE = re.compile(r"\d+(?:[.,]\d+)?")


def falsify(sentence: str, rng: random.Random) -> str:
    """The sentence with every figure changed and its names (not the first word) swapped."""
    changed = FIGURE.sub(lambda m: str(round(float(m.group(0).replace(",", "")) * rng.choice([2, 3, 5]) + 1)),
                         sentence)
    return NAME.sub(lambda m: rng.choice(FAKE_NAMES), changed)


def planted_corpus(folder: Path, n: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    doc = load_document(ARTICLE, ARTICLE.parent)
    sentences = [doc.text[s:e] for s, e in split_sentences(doc.text)]
    factual = [s for s in sentences if FIGURE.search(s) or NAME.search(s)]
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    (corpus / ARTICLE.name).write_text(ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    for i in range(n):
        body = " ".join(falsify(s, rng) for s in rng.sample(factual, 3))
        (corpus / f"planted-{i:02d}.txt").write_text(f"Alibaba notes {i}\n\n{body}\n", encoding="utf-8")
    return corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--documents", type=int, default=20)
    a = ap.parse_args()
    dev = a.shared / "eval" / "article-dev.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        corpus = planted_corpus(Path(tmp), a.documents)
        pipeline = Pipeline.from_settings(Settings(index_dir=Path(tmp) / "index", corpus_dir=corpus))
        pipeline.index()
        rests_on: Counter[str] = Counter()
        for row in load_qa(dev):
            answer = pipeline.ask(row["question"])
            docs = {c.doc_id for c in answer.citations}
            kind = ("abstained" if answer.abstained else "disagree (both cited)" if getattr(answer, "conflict", False)
                    else "article only" if docs == {ARTICLE.name} else "planted only" if ARTICLE.name not in docs
                    else "article and planted")
            rests_on[f"{'answerable' if row['answerable'] else 'unanswerable'}: {kind}"] += 1
            if answer.answer.rstrip().endswith("?"):
                rests_on["answer is a question sentence"] += 1
        summary = evaluate(pipeline, dev, ARTICLE, k=pipeline.settings.k)["summary"]
        pipeline.close()
    print(json.dumps(dict(sorted(rests_on.items())), indent=1))
    print(json.dumps({k: summary[k] for k in ("answer_acc", "answerable_acc", "unanswerable_acc")}))


if __name__ == "__main__":
    main()
