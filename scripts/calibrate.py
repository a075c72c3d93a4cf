"""Fit the extractive answerer's signal weights and abstention threshold on QA sets.

For every question the retrieved passages' sentences are scored once; the weights that pick
a sentence holding a gold answer most often (averaged over the sets, each set counting the
same) win, then the support weights and threshold that best separate answerable from
unanswerable questions. Negatives are the sets' unanswerable questions plus, with
--cross, each set's questions asked of the other sets' corpora (they cannot be answered there).
Prints each signal's gain (the drop when it is switched off) and writes qa/calibration.json.
(A softmax selection model and a logistic support model fitted on 3,000 SQuAD questions
outside the sample were tried in place of this grid: both did worse on the article and on
SQuAD-48, see the README.)

  python scripts/calibrate.py --set article:corpus:../shared/eval/article-dev.jsonl \
      --set squad:results/squad48/corpus:results/squad48/qa.jsonl --cross 40 --write
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from pathlib import Path

import numpy as np

from qa.answering import SELECT_FEATURES, SUPPORT_FEATURES, Calibration, ExtractiveAnswerer, LinearModel
from qa.config import Settings
from qa.embedding import SentenceTransformerEmbedder
from qa.evaluation import load_qa, norm
from qa.pipeline import Pipeline

OUT = Path(__file__).resolve().parents[1] / "qa" / "calibration.json"
SELECT_GRID = {
    "cosine": [0.5, 1.0, 1.5, 2.0, 3.0],
    "coverage": [0.25, 0.5, 1.0, 1.5],
    "context": [0.0, 0.3, 0.6, 1.0, 1.5],
    "type_match": [0.0, 0.25, 0.5],
    "rank": [0.0, 0.15, 0.3],
}
SUPPORT_GRID = {
    "best_coverage": [0.4, 0.6, 0.8, 1.0, 1.25, 1.5],
    "cosine": [0.2, 0.4, 0.6, 0.8, 1.0],
    "type_ok": [0.0, 0.15, 0.3],
    "missing_entity": [0.0, -0.15, -0.3, -0.5, -0.75, -1.0],
    "focus": [0.0, 0.15, 0.3, 0.5],
}


assert tuple(SUPPORT_GRID) == SUPPORT_FEATURES


def features(pipeline: Pipeline, question: str, answers: list[str], k: int) -> dict:
    hits = pipeline.retrieve(question, k)
    answerer = pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    q = answerer.read(question)
    cands = answerer.candidates(q, hits)
    n = len(SELECT_FEATURES)
    return {
        "x": np.array([c.features for c in cands]).reshape(-1, n),
        "support": np.array([answerer.support_features(q, c) for c in cands]).reshape(-1, len(SUPPORT_FEATURES)),
        "gold": np.array([any(norm(a) in norm(c.text) for a in answers) for c in cands], dtype=bool),
    }


def select(items: list[dict], w: LinearModel) -> list[int]:
    vec = w.vector(SELECT_FEATURES)
    return [int(np.argmax(it["x"] @ vec)) if len(it["x"]) else -1 for it in items]


def selection_accuracy(sets: dict[str, list[dict]], w: LinearModel) -> float:
    accs = []
    for items in sets.values():
        pos = [it for it in items if it["answerable"]]
        picks = select(pos, w)
        accs.append(np.mean([p >= 0 and it["gold"][p] for it, p in zip(pos, picks)]))
    return float(np.mean(accs))


def support_table(items: list[dict], w: LinearModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: support features of the picked sentence, whether the pick holds a gold
    answer, and the question's group (answerable, unanswerable, cross)."""
    feats, good, groups = [], [], []
    for it, pick in zip(items, select(items, w)):
        if pick < 0:
            feats.append([0.0, -1.0, 0.0, 1.0, -1.0])
            good.append(False)
        else:
            feats.append(list(it["support"][pick]))
            good.append(bool(it["gold"][pick]))
        groups.append(it["group"])
    return np.array(feats), np.array(good), np.array(groups)


def answer_accuracy(tables: dict[str, tuple], w: LinearModel, thresholds: np.ndarray) -> np.ndarray:
    """Per threshold: the mean of each set's answer accuracy (its own questions, as score.py
    counts them: answerable answered with a gold sentence, unanswerable abstained) and of the
    abstention rate on all cross-corpus questions (off-topic questions must be refused too)."""
    parts = []
    cross = []
    for feats, good, groups in tables.values():
        sup = feats @ w.vector(SUPPORT_FEATURES)
        answered = sup[None, :] >= thresholds[:, None]
        right = np.where(groups == "answerable", answered & good, ~answered)
        own = groups != "cross"
        parts.append(right[:, own].mean(axis=1))
        cross.append(right[:, ~own])
    if any(c.shape[1] for c in cross):
        parts.append(np.concatenate(cross, axis=1).mean(axis=1))
    return np.mean(parts, axis=0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", action="append", required=True, help="name:corpus_dir:qa_file")
    ap.add_argument("--cross", type=int, default=0, help="questions per set asked of other corpora")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--write", action="store_true", help=f"write {OUT}")
    a = ap.parse_args()
    embedder = SentenceTransformerEmbedder(Settings().model_path())
    specs = [s.split(":") for s in a.set]
    pipelines = {}
    for name, corpus, _ in specs:
        settings = Settings(index_dir=Path(f".qa/calibrate-{name}"), corpus_dir=Path(corpus))
        pipe = Pipeline.from_settings(settings, embedder)
        pipe.index()
        pipelines[name] = pipe
    sets: dict[str, list[dict]] = {}
    rng = random.Random(7)
    for name, _, qa_file in specs:
        items = []
        rows = load_qa(Path(qa_file))
        for row in rows:
            it = features(pipelines[name], row["question"], row["answers"], a.k)
            items.append({**it, "answerable": row["answerable"],
                          "group": "answerable" if row["answerable"] else "unanswerable"})
        for other in pipelines:
            if other != name and a.cross:
                for row in rng.sample(rows, min(a.cross, len(rows))):
                    it = features(pipelines[other], row["question"], row["answers"], a.k)
                    items.append({**it, "answerable": False, "group": "cross"})
        sets[name] = items
        print(f"{name}: {sum(i['answerable'] for i in items)} answerable, "
              f"{sum(not i['answerable'] for i in items)} unanswerable", flush=True)

    best_w, best_acc = LinearModel({}), -1.0
    for combo in itertools.product(*SELECT_GRID.values()):
        w = LinearModel(dict(zip(SELECT_GRID, combo)))
        acc = selection_accuracy(sets, w)
        if acc > best_acc + 1e-9:
            best_w, best_acc = w, acc
    print(f"selection accuracy {best_acc:.3f} with {best_w.weights}")
    for signal in SELECT_GRID:
        off = selection_accuracy(sets, LinearModel({**best_w.weights, signal: 0.0}))
        print(f"  without {signal:<14} {off:.3f}  (gain {best_acc - off:+.3f})")

    tables = {name: support_table(items, best_w) for name, items in sets.items()}
    thresholds = np.round(np.arange(0.0, 1.6, 0.01), 2)
    best_t, best_score, best_s = 0.0, -1.0, LinearModel({})
    for combo in itertools.product(*SUPPORT_GRID.values()):
        w = LinearModel(dict(zip(SUPPORT_GRID, combo)))
        # judged over a window of +-0.03 around each threshold: a threshold in the middle of a
        # plateau survives new questions better than one on its edge
        scores = np.convolve(answer_accuracy(tables, w, thresholds), np.ones(7) / 7, mode="same")
        i = int(np.argmax(scores))
        if scores[i] > best_score + 1e-9:
            best_s, best_t, best_score = w, float(thresholds[i]), float(scores[i])
    best_score = float(answer_accuracy(tables, best_s, np.array([best_t]))[0])
    print(f"answer accuracy (mean of the sets and the cross questions) {best_score:.3f} "
          f"at threshold {best_t:.2f} with support weights {best_s.weights}")
    for name, table in tables.items():
        print(f"  {name}: {answer_accuracy({name: table}, best_s, np.array([best_t]))[0]:.3f}")
    for signal in SUPPORT_GRID:
        off = float(answer_accuracy(tables, LinearModel({**best_s.weights, signal: 0.0}), thresholds).max())
        print(f"  without {signal:<14} {off:.3f}  (gain {best_score - off:+.3f})")
    print("threshold sweep at the chosen weights (accuracy per set, own questions | cross):")
    for t in np.round(np.arange(best_t - 0.2, best_t + 0.11, 0.02), 2):
        cells = []
        for name, (feats, good, groups) in tables.items():
            sup = feats @ best_s.vector(SUPPORT_FEATURES)
            right = np.where(groups == "answerable", (sup >= t) & good, sup < t)
            cells.append(f"{name} {right[groups != 'cross'].mean():.3f} | {right[groups == 'cross'].mean():.3f}")
        print(f"  {t:.2f}  " + "   ".join(cells))
    print("per group at the chosen weights and threshold:")
    for name, (feats, good, groups) in tables.items():
        sup = feats @ best_s.vector(SUPPORT_FEATURES)
        for group in np.unique(groups):
            mask = groups == group
            right = (sup >= best_t) & good if group == "answerable" else sup < best_t
            print(f"  {name:<10} {group:<13} {right[mask].mean():.3f}  (n={mask.sum()})")
    if a.write:
        data = Calibration(best_w, best_s, round(best_t, 3)).to_json()
        data.update(sets=[s[0] for s in specs], cross=a.cross)
        OUT.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {OUT}")
    for pipe in pipelines.values():
        pipe.close()


if __name__ == "__main__":
    main()
