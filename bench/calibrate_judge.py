"""Fit how the judge's logit and retrieval's signals choose a sentence and abstain, on the
"val" articles only.

qa itself (retrieval, judge) runs on the val articles' questions asked of SQuAD-48 and on
simulated unanswerable ones (a name, number or role swapped; the own article missing from
the corpus). For each set of signals (the judge's logit alone, or with MiniLM cosine, term
coverage, passage rank) it fits:

- ``select``: weights that rank the candidate sentences (pairwise logistic regression:
  the right sentence against each wrong one of the same question);
- ``support``: logistic regression from the chosen sentence's signals to "the answer is
  right": the probability qa reports as ``confidence``;
- ``threshold``: by a stated risk: the lowest probability at which the share of wrong
  answers among answered val questions (answerable ones and SQuAD 2.0's human-written
  unanswerable ones) stays at most ``--max-wrong-rate`` by its one-sided 95 % Clopper-Pearson
  upper bound, not by its point estimate. The card keeps the whole curve (threshold,
  answered, wrong, bound), so QA_MAX_WRONG_RATE can choose another target at load.

A signal is kept only if it adds: the sets are compared by two-fold cross-validation over
the val articles (mean of answerable accuracy and refusal of each unanswerable kind at the
best threshold), and the smallest set within 0.005 of the best wins. Never reads the test
articles nor the article dev set. With --write, stores the result in the judge's card.

  python -m bench.calibrate_judge --data ../shared/data/squad-v1.1 --write
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.heldout import corpus_for, question_sets
from bench.run_eval import open_pipeline
from qa.answer.calibration import Calibration
from qa.answer.extractive import ExtractiveAnswerer
from qa.answer.judge import CARD, JUDGE_DIR, SIGNALS, calibrated_backend
from qa.core.config import Settings
from qa.edges.evaluation import load_qa, norm
from qa.pipeline import make_embedder

SUBSETS = [("logit",), ("span",), ("logit", "span"), ("logit", "cosine"), ("span", "cosine"), ("logit", "coverage"),
           ("logit", "span", "cosine"), ("logit", "cosine", "coverage"), ("logit", "span", "cosine", "coverage"),
           SIGNALS]  # smallest first: the first within 0.005 of the best is kept
# Fitting on synonym-paraphrased questions too (as answerable) was tried and not kept: for judge v4
# it dropped term coverage from the signals and answered fewer held-out questions right (README).
NOT_FITTED = {"val-paraphrased"}
Question = tuple[str, str, np.ndarray, np.ndarray]  # kind, article, signals (n x len(SIGNALS)), right (n)


def collect(data: Path, k: int, limit: int | None = None) -> list[Question]:
    """Every val question's candidate sentences: their signals and whether each is right."""
    embedder = make_embedder(Settings())
    sets = {n: p for n, p in question_sets(data, embedder).items() if n.startswith("val-") and n not in NOT_FITTED}
    out: list[Question] = []
    for corpus in sorted({corpus_for(n) for n in sets}):
        pipeline = open_pipeline(corpus, embedder)
        answerer = pipeline.answerer.base  # type: ignore[attr-defined]
        assert isinstance(answerer, ExtractiveAnswerer)
        for name in (n for n in sets if corpus_for(n) == corpus):
            rows = load_qa(sets[name])[:limit]
            for r in rows:
                found = answerer.candidates(r["question"], pipeline.retrieve(r["question"], k))
                right = [any(norm(a) in norm(c.text) for a in r["answers"]) for c in found]
                signals = np.array([c.signals for c in found]).reshape(-1, len(SIGNALS))
                out.append((name.removeprefix("val-"), r["document"], signals, np.array(right, dtype=bool)))
            print(f"{name}: {len(rows)} questions", flush=True)
        pipeline.close()
    return out


def collected(path: Path | None, data: Path, k: int, limit: int | None) -> list[Question]:
    """``collect``'s questions, kept in ``path`` (JSON) when given: a refit (other signals, another
    risk) reads them back instead of running qa again. The file is the judge's and k's own."""
    if path and path.is_file():
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [(r["kind"], r["article"], np.array(r["signals"]).reshape(-1, len(SIGNALS)), np.array(r["right"], bool))
                for r in rows]
    questions = collect(data, k, limit)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([{"kind": kind, "article": article, "signals": x.tolist(), "right": right.tolist()}
                                    for kind, article, x, right in questions]), encoding="utf-8")
    return questions


def fit_select(questions: list[Question], cols: list[int]) -> np.ndarray:
    pairs: list[np.ndarray] = []
    for kind, _, x, right in questions:
        if kind == "answerable" and right.any() and (~right).any():
            best = x[right][np.argmax(x[right][:, 0])][cols]
            pairs.extend(best - x[i][cols] for i in np.flatnonzero(~right))
    if len(cols) == 1:
        return np.array([1.0])
    diffs = np.array(pairs)
    model = LogisticRegression(fit_intercept=False).fit(np.vstack([diffs, -diffs]),
                                                        np.r_[np.ones(len(diffs)), np.zeros(len(diffs))])
    return model.coef_[0]


def chosen(questions: list[Question], cols: list[int], select: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The chosen sentence's signals per question, whether the answer is right, the kind."""
    xs, ys, kinds = [], [], []
    for kind, _, x, right in questions:
        if len(x) == 0:
            xs.append(np.full(len(cols), -30.0))
            ys.append(False)
        else:
            i = int(np.argmax(x[:, cols] @ select))
            xs.append(x[i][cols])
            ys.append(kind == "answerable" and bool(right[i]))
        kinds.append(kind)
    return np.array(xs), np.array(ys), kinds


def objective(prob: np.ndarray, right: np.ndarray, kinds: list[str], t: float) -> dict[str, float]:
    kind = np.array(kinds)
    answerable = float(np.mean((prob >= t)[kind == "answerable"] & right[kind == "answerable"]))
    refused = {k: float(np.mean(prob[kind == k] < t)) for k in sorted(set(kinds)) if k != "answerable"}
    mean_refused = float(np.mean(list(refused.values())))
    return {"answerable": answerable, **refused, "objective": 0.5 * answerable + 0.5 * mean_refused}


def fit(questions: list[Question], names: tuple[str, ...]) -> dict:
    cols = [SIGNALS.index(n) for n in names]
    select = fit_select(questions, cols)
    x, y, kinds = chosen(questions, cols, select)
    support = LogisticRegression(C=10.0).fit(x, y)
    prob = support.predict_proba(x)[:, 1]
    grid = np.round(np.arange(0.05, 0.951, 0.005), 3)
    scores = np.array([objective(prob, y, kinds, t)["objective"] for t in grid])
    threshold = float(np.median(grid[scores >= scores.max() - 0.005]))
    return {"select": dict(zip(names, map(float, select))),
            "support": {"bias": float(support.intercept_[0]), **dict(zip(names, map(float, support.coef_[0])))},
            "threshold": threshold}


RISK_KINDS = ("answerable", "human")  # the questions the wrong share is measured on
CONFIDENCE = 0.95


def upper_bound(wrong: int, answered: int, confidence: float = CONFIDENCE) -> float:
    """One-sided Clopper-Pearson upper bound of a binomial share (1 when nothing was answered)."""
    from scipy.stats import beta

    return 1.0 if answered == 0 or wrong >= answered else float(beta.ppf(confidence, wrong + 1, answered - wrong))


def risk_curve(questions: list[Question], model: dict) -> list[list[float]]:
    """[threshold, answered, wrong, upper bound of wrong/answered] on the RISK_KINDS questions."""
    prob, y, _ = probabilities([q for q in questions if q[0] in RISK_KINDS], model)
    out = []
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        answered = prob >= t
        n, wrong = int(answered.sum()), int((answered & ~y).sum())
        out.append([float(t), n, wrong, round(upper_bound(wrong, n), 4)])
    return out


def risk_threshold(curve: list[list[float]], max_wrong_rate: float) -> float:
    """The threshold qa takes for ``max_wrong_rate`` from this curve (Calibration.threshold_for)."""
    recorded = tuple((float(t), int(n), int(w), float(b)) for t, n, w, b in curve)
    return Calibration({}, {}, curve[-1][0], recorded).threshold_for(max_wrong_rate)


def probabilities(questions: list[Question], model: dict) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """What qa's Calibration (qa/answer/calibration.py) makes of each question's chosen sentence:
    its probability, whether it is right, the question's kind."""
    calibration = Calibration(model["select"], model["support"], model["threshold"])
    weights = np.array([calibration.select.get(n, 0.0) for n in SIGNALS])
    x, right, kinds = chosen(questions, list(range(len(SIGNALS))), weights)
    return calibration.probability(x), right, kinds


def evaluate(questions: list[Question], model: dict) -> dict[str, float]:
    prob, y, kinds = probabilities(questions, model)
    return objective(prob, y, kinds, model["threshold"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/squad-v1.1"))
    ap.add_argument("--k", type=int, default=Settings().k)
    ap.add_argument("--write", action="store_true", help="store the calibration in the judge's card")
    ap.add_argument("--limit", type=int, help="questions per set (a quick check; the card needs all)")
    ap.add_argument("--questions", type=Path,
                    help="keep the collected questions in this JSON file, or read them from it if it exists")
    ap.add_argument("--signals", help="fit this set of signals (e.g. logit,span,cosine) instead of choosing by CV")
    ap.add_argument("--max-wrong-rate", type=float, default=Settings().max_wrong_rate,
                    help="target share of wrong answers among answered (QA_MAX_WRONG_RATE)")
    a = ap.parse_args()
    questions = collected(a.questions, a.data, a.k, a.limit)
    articles = sorted({q[1] for q in questions})
    folds = [set(articles[0::2]), set(articles[1::2])]
    report = {}
    for names in SUBSETS:
        cv = []
        for fold in folds:
            model = fit([q for q in questions if q[1] not in fold], names)
            cv.append(evaluate([q for q in questions if q[1] in fold], model))
        report["+".join(names)] = {key: round(float(np.mean([c[key] for c in cv])), 4) for key in cv[0]}
        print(f"{'+'.join(names):<32} two-fold CV on val articles: {json.dumps(report['+'.join(names)])}", flush=True)
    best = max(r["objective"] for r in report.values())
    names = (tuple(a.signals.split(",")) if a.signals
             else next(n for n in SUBSETS if report["+".join(n)]["objective"] >= best - 0.005))
    model = fit(questions, names)
    curve = risk_curve(questions, model)
    model["threshold"] = risk_threshold(curve, a.max_wrong_rate)
    chosen_row = next(r for r in curve if r[0] == model["threshold"])
    print(f"risk: target {a.max_wrong_rate}, threshold {model['threshold']}: {chosen_row[1]} answered, "
          f"{chosen_row[2]} wrong, bound {chosen_row[3]}", flush=True)
    at = {k: round(v, 4) for k, v in evaluate(questions, model).items()}
    print(f"kept signals: {names}\n{json.dumps(model, indent=1)}\non all val questions: {json.dumps(at)}")
    if a.write:
        path = (Settings().judge_dir or JUDGE_DIR) / CARD
        card = json.loads(path.read_text(encoding="utf-8"))
        card.pop("platt", None)
        card.update(model, risk={"target": a.max_wrong_rate, "confidence": CONFIDENCE,
                                 "bound": "one-sided Clopper-Pearson", "on": list(RISK_KINDS),
                                 "threshold": model["threshold"], "curve": curve},
                    calibration={"on": "val articles", "k": a.k,
                                 "backend": Settings().judge_backend or calibrated_backend(card),
                                 "questions": {k: sum(q[0] == k for q in questions)
                                               for k in sorted({q[0] for q in questions})},
                                 "signals_cv": report, "kept": list(names), "at_threshold": at})
        path.write_text(json.dumps(card, indent=1) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
