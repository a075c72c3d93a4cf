"""Validation of the judge during and after training: how well the best sentence of an answer
passage outscores the best of each kind of passage that does not answer (bench/train_judge.py)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import torch

from bench.training_examples import UNKNOWN, Example
from qa.answer.judge import Encoded, SentenceJudge, collate, span_scores


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


@torch.inference_mode()
def validate(model: SentenceJudge, examples: list[Example], encoded: list[Encoded]) -> dict:
    """For the sentence logit and the span score: selection accuracy on answer passages, and
    AUC of the best sentence's score, answer passages against each kind that does not answer."""
    model.eval()
    best: dict[str, dict[str, list[float]]] = {"logit": defaultdict(list), "span": defaultdict(list)}
    chosen_right: dict[str, list[bool]] = {"logit": [], "span": []}
    for i in range(0, len(examples), 32):
        ex, enc = examples[i : i + 32], encoded[i : i + 32]
        n = max(len(e.sentences) for e in ex)
        device = next(model.parameters()).device
        tensors = {k: v.to(device) for k, v in collate(enc, n).items()}
        logits, start, end = model(**tensors)
        spans = span_scores(start, end, tensors["sentence_mask"])
        signals = {"logit": logits.float().cpu().numpy(), "span": spans.float().cpu().numpy()}
        present = tensors["sentence_mask"].sum(-1).cpu().numpy() > 0
        for row, e in enumerate(ex):
            if not e.labels:
                continue
            for name, values in signals.items():
                scores = np.where(present[row, : len(e.labels)], values[row, : len(e.labels)], -np.inf)
                judged = scores if e.kind == "positive" else np.where(np.array(e.labels) != UNKNOWN, scores, -np.inf)
                if np.isfinite(judged).any():
                    best[name][e.kind].append(float(judged.max()))
                if e.kind == "positive":
                    chosen_right[name].append(e.labels[int(scores.argmax())] == 1)
    model.train()
    out: dict = {"examples": len(examples)}
    for name, by_kind in best.items():
        prefix = "" if name == "logit" else "span_"
        out[f"{prefix}selection_acc"] = round(float(np.mean(chosen_right[name])), 4)
        for kind in sorted(by_kind):
            if kind != "positive":
                out[f"{prefix}auc_{kind}"] = round(auc(by_kind["positive"], by_kind[kind]), 4)
        negatives = [x for k, xs in by_kind.items() if k != "positive" for x in xs]
        out[f"{prefix}auc_all"] = round(auc(by_kind["positive"], negatives), 4)
    return out


def score(metrics: dict) -> float:
    """What a checkpoint is chosen by: the mean of the AUC of the best sentence against
    human-written unanswerable questions (of every kind that does not answer, without them) and
    the right sentence's share on answer passages."""
    return (metrics.get("auc_human_unanswerable", metrics["auc_all"]) + metrics["selection_acc"]) / 2
