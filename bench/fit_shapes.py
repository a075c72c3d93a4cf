"""Fit the threshold of each composed question shape (statement, list, reasons, reaction,
comparison, definition, yes/no) on the judge's "val" SQuAD articles only, the way the factoid
threshold is fitted (bench/calibrate_judge.py): every val question of that shape (SQuAD v1.1,
answerable) and every human-written unanswerable one of it (SQuAD 2.0) is asked of SQuAD-48;
the composer runs with no threshold, and the first sentence it chooses gives the probability.
An answer is right when its text holds an answer of the question. The card keeps, per shape, the
risk curve (threshold, answered, wrong, 95 % upper bound of the wrong share); qa answers a shape
from the lowest threshold whose bound is within QA_MAX_WRONG_RATE. A shape with fewer than
MIN_QUESTIONS questions shares the curve of all composed shapes together. Never reads the test
articles, the article or any chat set.

  python -m bench.fit_shapes --data ../shared/data/squad-v1.1 --write
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np

from bench.calibrate_judge import upper_bound
from bench.heldout import FULL, judge_split, write_corpus
from bench.run_eval import open_pipeline
from bench.squad import load_articles, unanswerable_questions
from qa.answer.judge import CARD, JUDGE_DIR
from qa.answer.selection import Selector
from qa.answer.shaped import ShapedAnswerer
from qa.answer.shapes import shape_of
from qa.config import Settings
from qa.evaluation import norm
from qa.pipeline import make_embedder

COMPOSED = ("statement", "list", "reasons", "reaction", "comparison", "definition", "yesno")
MIN_QUESTIONS = 40
THRESHOLDS = [round(t, 2) for t in np.arange(0.01, 0.96, 0.01)]


def curve(outcomes: list[tuple[float, bool]]) -> list[list[float]]:
    """[threshold, answered, wrong, upper bound of wrong/answered] at each threshold."""
    rows = []
    for t in THRESHOLDS:
        answered = [right for p, right in outcomes if p >= t]
        wrong = sum(not r for r in answered)
        rows.append([t, len(answered), wrong, round(upper_bound(wrong, len(answered)), 4)])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="the SQuAD v1.1 dev folder (squad-v2.0 beside it)")
    ap.add_argument("--k", type=int, default=Settings().k)
    ap.add_argument("--write", action="store_true", help="store the curves in the judge's card")
    a = ap.parse_args()
    from pathlib import Path

    data = Path(a.data)
    articles = load_articles(data)
    by_name = {x.name: x for x in articles}
    val = judge_split(articles)["val"]
    write_corpus(FULL, articles)
    human = unanswerable_questions(data.parent / "squad-v2.0" / "dev-v2.0.json", by_name)
    asked = [(q.text, q.answers) for n in val for q in by_name[n].questions]
    asked += [(q.text, ()) for n in val for q in human.get(n, [])]
    pipeline = open_pipeline(FULL, make_embedder(Settings()))
    answerer = pipeline.answerer
    assert isinstance(answerer, ShapedAnswerer) and isinstance(answerer.selector, Selector)
    selector = Selector(answerer.selector.candidates, answerer.selector.evidence, {"factoid": 0.0},
                        answerer.selector.restated)
    outcomes: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for text, answers in asked:
        shape = shape_of(text)
        if shape.kind not in COMPOSED:
            continue
        draft = selector.compose(shape, selector.candidates(text, pipeline.retrieve(text, a.k)))
        if draft is None or draft.abstained:
            continue  # answered as a factoid, or refused whatever the threshold
        right = any(norm(x) in norm(draft.text) for x in answers)
        outcomes[shape.kind].append((draft.confidence, right))
    pipeline.close()
    pooled = [o for shape in COMPOSED for o in outcomes[shape]]
    fitted = {}
    for shape in COMPOSED:
        own = outcomes[shape]
        rows = own if len(own) >= MIN_QUESTIONS else pooled
        fitted[shape] = {"questions": len(own), "answerable": sum(r for _, r in own),
                         "curve_of": shape if rows is own else "all composed shapes", "curve": curve(rows)}
        print(f"{shape}: {len(own)} questions ({sum(r for _, r in own)} answered right at no threshold); "
              f"curve of {fitted[shape]['curve_of']}", flush=True)
    if a.write:
        path = JUDGE_DIR / CARD
        card = json.loads(path.read_text(encoding="utf-8"))
        card["shapes"] = fitted
        path.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
