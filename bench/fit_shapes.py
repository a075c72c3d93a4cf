"""Fit the threshold of each composed question shape (statement, list, reasons, reaction,
comparison, definition, yes/no) on a chat-style set of our own (bench/data/chat-fit.jsonl: news
stories of cnn-dev.jsonl that the held-out set bench/data/chat-heldout.jsonl does not use; never
the held-out set, the article or its chat set): each question is asked of its own story, the
composer runs with no threshold, and the first sentence it chooses gives the probability. An
answer is right as score.py counts it (every answer group present, within max_words); an
unanswerable question answered is wrong. The card keeps, per shape, the curve (threshold,
answered, wrong, wrong share); qa answers a shape from the lowest threshold whose share is within
QA_MAX_WRONG_RATE (the set is too small for the 95 % bound the factoid threshold uses). Shapes
the set has no question of answer from the factoid threshold.

Fitting on SQuAD's val questions of these shapes was tried and not kept: their answers are
single words of Wikipedia paragraphs, not what people ask a chatbot about an article, and their
curves put every shape at 0.73-0.95 (statement 15 questions, list 82, reasons 65).

  python -m bench.fit_shapes --chat bench/data/chat-fit.jsonl --news ../shared/data/news/cnn-dev.jsonl --write
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.run_eval import ROOT, open_pipeline
from qa.answer.judge import CARD, JUDGE_DIR
from qa.answer.selection import Selector
from qa.answer.shaped import ShapedAnswerer
from qa.answer.shapes import shape_of
from qa.config import Settings
from qa.evaluation import load_qa, norm
from qa.pipeline import Pipeline, make_embedder

COMPOSED = ("statement", "list", "reasons", "reaction", "comparison", "definition", "yesno")
THRESHOLDS = [round(t, 2) for t in np.arange(0.0, 0.96, 0.01)]


def curve(outcomes: list[tuple[float, bool]]) -> list[list[float]]:
    """[threshold, answered, wrong, wrong share of answered] at each threshold (from 0)."""
    rows = []
    for t in THRESHOLDS:
        answered = [right for p, right in outcomes if p >= t]
        wrong = sum(not r for r in answered)
        rows.append([t, len(answered), wrong, round(wrong / len(answered), 4) if answered else 0.0])
    return rows


def news_corpus(news: Path, doc_ids: set[str], folder: Path) -> Path:
    """A corpus folder of the news stories (cnn-dev.jsonl lines) whose file names are ``doc_ids``."""
    folder.mkdir(parents=True, exist_ok=True)
    for line in news.read_text(encoding="utf-8").splitlines():
        story = json.loads(line)
        if f"{story['id']}.txt" in doc_ids:
            (folder / f"{story['id']}.txt").write_text(story["text"], encoding="utf-8")
    return folder


def right(row: dict, text: str) -> bool:
    """score.py's rule: every group of answers has one in the text, within max_words."""
    groups = row.get("answers_all") or [row["answers"]]
    return (bool(row["answers"]) and all(any(norm(x) in norm(text) for x in g) for g in groups)
            and len(text.split()) <= row.get("max_words", 10**6))


def chat_outcomes(qa: Path, news: Path, k: int) -> dict[str, list[tuple[float, bool]]]:
    """(probability, right) of the composed shapes' questions of a chat set, each asked of its own
    story (``scope``) in a corpus of the set's stories."""
    rows = load_qa(qa)
    corpus = news_corpus(news, {d for r in rows for d in r["scope"]}, ROOT / "results" / f"{qa.stem}" / "corpus")
    pipeline = open_pipeline(corpus, make_embedder(Settings()))
    selector = unthresholded(pipeline)
    out: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for r in rows:
        shape = shape_of(r["question"])
        if shape.kind not in COMPOSED:
            continue
        hits = pipeline.retrieve(r["question"], k, documents=r["scope"])
        draft = selector.compose(r["question"], shape, selector.candidates(r["question"], hits))
        if draft is not None and not draft.abstained:
            out[shape.kind].append((draft.confidence, right(r, draft.text)))
    pipeline.close()
    return out


def unthresholded(pipeline: Pipeline) -> Selector:
    """The pipeline's composers with no threshold: every shape answers from probability 0."""
    answerer = pipeline.answerer
    assert isinstance(answerer, ShapedAnswerer) and isinstance(answerer.selector, Selector)
    return Selector(answerer.selector.candidates, answerer.selector.evidence, {"factoid": 0.0},
                    answerer.selector.restated, answerer.selector.states)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chat", type=Path, required=True, help="the chat-style set to fit on")
    ap.add_argument("--news", type=Path, required=True, help="the news stories (cnn-dev.jsonl) it is asked of")
    ap.add_argument("--k", type=int, default=Settings().k)
    ap.add_argument("--write", action="store_true", help="store the curves in the judge's card")
    a = ap.parse_args()
    outcomes = chat_outcomes(a.chat, a.news, a.k)
    fitted = {}
    for kind in COMPOSED:
        own = outcomes.get(kind, [])
        if own:
            fitted[kind] = {"questions": len(own), "right_at_no_threshold": sum(r for _, r in own),
                            "fitted_on": a.chat.name, "curve": curve(own)}
        print(f"{kind}: {len(own)} questions ({sum(r for _, r in own)} right at no threshold)", flush=True)
    if a.write:
        path = JUDGE_DIR / CARD
        card = json.loads(path.read_text(encoding="utf-8"))
        card["shapes"] = fitted
        path.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
