"""Fit the threshold of each composed question shape (statement, list, reasons, reaction,
comparison, definition, yes/no) on a chat-style set of our own (bench/data/chat-fit.jsonl: news
stories of cnn-dev.jsonl that the held-out set bench/data/chat-heldout.jsonl does not use; never
the held-out set, the article or its chat set) and, with --squad, on the unanswerable questions of
that shape of the judge's "val" SQuAD articles (SQuAD 2.0's human-written ones asked of SQuAD-48,
and every val question asked of the training articles alone, its own article absent). Each
question is composed with no threshold; the first sentence chosen gives the probability. A chat
answer is right as score.py counts it (every answer group present, within max_words); an
unanswerable question answered is wrong. The SQuAD questions of a shape weigh, together, as much
as its chat questions (NEGATIVE_SHARE: a question of the shape is as likely unanswerable as not).
The card keeps, per shape, the curve (threshold, answered, wrong, wrong share, weighted); qa
answers a shape from the lowest threshold whose share is within QA_MAX_WRONG_RATE (the chat set is
too small for the 95 % bound the factoid threshold uses). Shapes the chat set has no question of
answer from the factoid threshold.

Fitting on SQuAD's val questions of these shapes alone (answerable ones included) was tried and
not kept: their answers are single words of Wikipedia paragraphs, not what people ask a chatbot
about an article, and their curves put every shape at 0.73-0.95.

  python -m bench.fit_shapes --chat bench/data/chat-fit.jsonl --news ../shared/data/news/cnn-dev.jsonl \
      --squad ../shared/data/squad-v1.1 --write
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from bench.heldout import FULL, TRAIN_ONLY, judge_split, write_corpus
from bench.run_eval import ROOT, open_pipeline
from bench.squad import load_articles, unanswerable_questions
from qa.answer.judge import CARD, JUDGE_DIR
from qa.answer.selection import Selector
from qa.answer.shaped import ShapedAnswerer
from qa.answer.shapes import shape_of
from qa.core.config import Settings
from qa.edges.evaluation import load_qa, norm
from qa.pipeline import Pipeline, make_embedder

COMPOSED = ("statement", "list", "reasons", "reaction", "comparison", "definition", "yesno")
NEGATIVE_SHARE = 1.0  # unanswerable : answerable weight: a question of a shape as likely unanswerable as not
THRESHOLDS = [round(t, 2) for t in np.arange(0.0, 0.96, 0.01)]


def curve(outcomes: list[tuple[float, bool]], negatives: list[tuple[float, bool]] = (),  # type: ignore[assignment]
          weight: float = 1.0) -> list[list[float]]:
    """[threshold, answered, wrong, wrong share of answered] at each threshold (from 0), each of
    ``negatives`` (unanswerable questions answered) counting ``weight``."""
    rows = []
    for t in THRESHOLDS:
        answered = [right for p, right in outcomes if p >= t]
        extra = weight * sum(p >= t for p, _ in negatives)
        wrong = sum(not r for r in answered) + extra
        total = len(answered) + extra
        rows.append([t, round(total, 2), round(wrong, 2), round(wrong / total, 4) if total else 0.0])
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


def squad_negatives(data: Path, k: int) -> tuple[dict[str, list[tuple[float, bool]]], Counter[str]]:
    """(probability, False) of the composed shapes' unanswerable SQuAD questions of the judge's val
    articles that a composer answers: SQuAD 2.0's human-written ones asked of SQuAD-48, and every val
    question asked of the training articles alone (its own article absent); and how many of each
    shape were asked."""
    articles = load_articles(data)
    by_name = {x.name: x for x in articles}
    parts = judge_split(articles)
    write_corpus(FULL, articles)
    write_corpus(TRAIN_ONLY, [by_name[n] for n in parts["train"]])
    human = unanswerable_questions(data.parent / "squad-v2.0" / "dev-v2.0.json", by_name)
    asked = {FULL: [q.text for n in parts["val"] for q in human.get(n, [])],
             TRAIN_ONLY: [q.text for n in parts["val"] for q in by_name[n].questions]}
    embedder = make_embedder(Settings())
    out: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    counted: Counter[str] = Counter()
    for corpus, questions in asked.items():
        pipeline = open_pipeline(corpus, embedder)
        selector = unthresholded(pipeline)
        for text in questions:
            shape = shape_of(text)
            if shape.kind in COMPOSED:
                counted[shape.kind] += 1
                draft = selector.compose(text, shape, selector.candidates(text, pipeline.retrieve(text, k)))
                if draft is not None and not draft.abstained:
                    out[shape.kind].append((draft.confidence, False))
        pipeline.close()
    return out, counted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chat", type=Path, required=True, help="the chat-style set to fit on")
    ap.add_argument("--news", type=Path, required=True, help="the news stories (cnn-dev.jsonl) it is asked of")
    ap.add_argument("--squad", type=Path, help="the SQuAD v1.1 dev folder: its val articles' unanswerable "
                    "questions of each shape count as wrong answers where answered")
    ap.add_argument("--k", type=int, default=Settings().k)
    ap.add_argument("--write", action="store_true", help="store the curves in the judge's card")
    a = ap.parse_args()
    outcomes = chat_outcomes(a.chat, a.news, a.k)
    negatives, asked = squad_negatives(a.squad, a.k) if a.squad else ({}, Counter())
    fitted = {}
    for kind in COMPOSED:
        own, wrong = outcomes.get(kind, []), negatives.get(kind, [])
        if own:
            # the unanswerable ones weigh as much as the chat questions together (NEGATIVE_SHARE)
            weight = NEGATIVE_SHARE * len(own) / asked[kind] if asked[kind] else 0.0
            fitted[kind] = {"questions": len(own), "right_at_no_threshold": sum(r for _, r in own),
                            "squad_unanswerable_asked": asked[kind],
                            "squad_unanswerable_answered_at_no_threshold": len(wrong),
                            "negative_weight": round(weight, 4),
                            "fitted_on": a.chat.name + (" + SQuAD val unanswerable" if a.squad else ""),
                            "curve": curve(own, wrong, weight)}
        print(f"{kind}: {len(own)} questions ({sum(r for _, r in own)} right at no threshold), "
              f"{len(wrong)} SQuAD val unanswerable ones answered at no threshold", flush=True)
    if a.write:
        path = JUDGE_DIR / CARD
        card = json.loads(path.read_text(encoding="utf-8"))
        card["shapes"] = fitted
        path.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
