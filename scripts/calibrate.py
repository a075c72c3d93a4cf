"""Fit the extractive answerer's signal weights and abstention threshold on QA sets.

For every question the retrieved passages' sentences are scored once; the weights that pick
a sentence holding a gold answer most often (averaged over the sets, each set counting the
same) win, then the support weights and threshold that best separate answerable from
unanswerable questions. Negatives are the sets' unanswerable questions plus, with
--cross, each set's questions asked of the other sets' corpora (they cannot be answered there).
Prints each signal's gain (the drop when it is switched off) and writes qa/calibration.json.

  python scripts/calibrate.py --set article:corpus:../shared/eval/article-dev.jsonl \
      --set squad:results/squad48/corpus:results/squad48/qa.jsonl --cross 60
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from qa.answering import ExtractiveAnswerer, Weights, answer_type
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


def features(pipeline: Pipeline, question: str, answers: list[str], k: int) -> dict:
    hits = pipeline.retrieve(question, k)
    answerer = pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    cands = answerer.candidates(question, hits)
    typed_q = answer_type(question) is not None
    rows = [[c.cosine, c.coverage, c.context_coverage, float(c.type_match), 1.0 / c.hit_rank,
             float(c.missing_entity), float(c.focus_match)] for c in cands]
    gold = [any(norm(a) in norm(c.text) for a in answers) for c in cands]
    return {"x": np.array(rows).reshape(-1, 7), "gold": np.array(gold, dtype=bool), "typed": typed_q}


def select(items: list[dict], w: Weights) -> list[int]:
    vec = np.array([w.cosine, w.coverage, w.context, w.type_match, w.rank, 0.0, 0.0])
    return [int(np.argmax(it["x"] @ vec)) if len(it["x"]) else -1 for it in items]


def selection_accuracy(sets: dict[str, list[dict]], w: Weights) -> float:
    accs = []
    for items in sets.values():
        pos = [it for it in items if it["answerable"]]
        picks = select(pos, w)
        accs.append(np.mean([p >= 0 and it["gold"][p] for it, p in zip(pos, picks)]))
    return float(np.mean(accs))


def support_table(items: list[dict], w: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: support features of the picked sentence, whether the pick holds a gold
    answer, and the question's group (answerable, unanswerable, cross)."""
    feats, good, groups = [], [], []
    for it, pick in zip(items, select(items, w)):
        if pick < 0:
            feats.append([0.0, -1.0, 0.0, -1.0, -1.0])
            good.append(False)
        else:
            cos, cov, ctx, typed, _, missing, focus = it["x"][pick]
            feats.append([max(cov, 0.9 * ctx), cos, typed if it["typed"] else 1.0, -missing, focus])
            good.append(bool(it["gold"][pick]))
        groups.append(it["group"])
    return np.array(feats), np.array(good), np.array(groups)


def support_vector(w: Weights) -> np.ndarray:
    return np.array([w.support_coverage, w.support_cosine, w.support_type, w.support_missing, w.support_focus])


def answer_accuracy(tables: dict[str, tuple], w: Weights, thresholds: np.ndarray) -> np.ndarray:
    """Per threshold: the mean of each set's answer accuracy (its own questions, as score.py
    counts them: answerable answered with a gold sentence, unanswerable abstained) and of the
    abstention rate on all cross-corpus questions (off-topic questions must be refused too)."""
    parts = []
    cross = []
    for feats, good, groups in tables.values():
        sup = feats @ support_vector(w)
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

    best_w, best_acc = Weights(), -1.0
    for combo in itertools.product(*SELECT_GRID.values()):
        w = replace(Weights(), **dict(zip(SELECT_GRID, combo)))
        acc = selection_accuracy(sets, w)
        if acc > best_acc + 1e-9:
            best_w, best_acc = w, acc
    print(f"selection accuracy {best_acc:.3f} with {asdict(best_w)}")
    for signal in SELECT_GRID:
        off = selection_accuracy(sets, replace(best_w, **{signal: 0.0}))
        print(f"  without {signal:<10} {off:.3f}  (gain {best_acc - off:+.3f})")

    tables = {name: support_table(items, best_w) for name, items in sets.items()}
    thresholds = np.round(np.arange(0.0, 1.6, 0.01), 2)
    best_t, best_score, best_w2 = 0.0, -1.0, best_w
    grid = itertools.product([0.4, 0.6, 0.8, 1.0, 1.25, 1.5], [0.2, 0.4, 0.6, 0.8, 1.0], [0.0, 0.15, 0.3],
                             [0.0, 0.15, 0.3, 0.5, 0.75, 1.0], [0.0, 0.15, 0.3, 0.5])
    for sc, sv, st, sm, sf in grid:
        w = replace(best_w, support_coverage=sc, support_cosine=sv, support_type=st, support_missing=sm,
                    support_focus=sf)
        scores = answer_accuracy(tables, w, thresholds)
        i = int(np.argmax(scores))
        if scores[i] > best_score + 1e-9:
            best_w2, best_t, best_score = w, float(thresholds[i]), float(scores[i])
    print(f"answer accuracy (mean of the sets and the cross questions) {best_score:.3f} "
          f"at threshold {best_t:.2f} with support weights "
          f"coverage {best_w2.support_coverage}, cosine {best_w2.support_cosine}, type {best_w2.support_type}, "
          f"missing entity {best_w2.support_missing}, focus {best_w2.support_focus}")
    for name, table in tables.items():
        print(f"  {name}: {answer_accuracy({name: table}, best_w2, np.array([best_t]))[0]:.3f}")
    for signal in ("support_coverage", "support_cosine", "support_type", "support_missing", "support_focus"):
        off = float(answer_accuracy(tables, replace(best_w2, **{signal: 0.0}), thresholds).max())
        print(f"  without {signal:<16} {off:.3f}  (gain {best_score - off:+.3f})")
    print("threshold sweep at the chosen weights (accuracy per set, own questions | cross):")
    for t in np.round(np.arange(best_t - 0.2, best_t + 0.11, 0.02), 2):
        cells = []
        for name, (feats, good, groups) in tables.items():
            sup = feats @ support_vector(best_w2)
            right = np.where(groups == "answerable", (sup >= t) & good, sup < t)
            cells.append(f"{name} {right[groups != 'cross'].mean():.3f} | {right[groups == 'cross'].mean():.3f}")
        print(f"  {t:.2f}  " + "   ".join(cells))
    print("per group at the chosen weights and threshold:")
    for name, (feats, good, groups) in tables.items():
        sup = feats @ support_vector(best_w2)
        for group in np.unique(groups):
            mask = groups == group
            right = (sup >= best_t) & good if group == "answerable" else sup < best_t
            print(f"  {name:<10} {group:<13} {right[mask].mean():.3f}  (n={mask.sum()})")
    if a.write:
        OUT.write_text(json.dumps({"weights": asdict(best_w2), "threshold": round(best_t, 3),
                                   "sets": [s[0] for s in specs], "cross": a.cross}, indent=1) + "\n")
        print(f"wrote {OUT}")
    for pipe in pipelines.values():
        pipe.close()


if __name__ == "__main__":
    main()
