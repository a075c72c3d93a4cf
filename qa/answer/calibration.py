"""What the answer judge reads and how its scores become a choice and a probability.

Torch-free on purpose: code that does not judge (``qa index`` on an unchanged corpus, the
API's schema) imports this, not the model in ``qa/answer/judge.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# What a candidate sentence is judged on: the judge's logit and span score, then retrieval's
# own signals (MiniLM cosine with the question, IDF-weighted share of the question's terms,
# 1 / passage rank).
SIGNALS = ("logit", "span", "cosine", "coverage", "rank")


@dataclass(frozen=True)
class Calibration:
    """How the signals choose a sentence and become a probability, fitted on held-out
    SQuAD articles by bench/calibrate_judge.py (see the card).

    ``select``: weights of SIGNALS whose sum ranks the sentences; ``support``: a logistic
    model (``bias`` and weights of SIGNALS) giving the probability that the chosen sentence
    answers; ``threshold``: the probability below which qa abstains.
    """

    select: dict[str, float]
    support: dict[str, float]
    threshold: float
    risk_curve: tuple[tuple[float, int, int, float], ...] = ()  # (threshold, answered, wrong, bound) on val
    shape_curves: tuple[tuple[str, tuple[tuple[float, int, int, float], ...]], ...] = ()  # the same, per shape

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> Calibration:
        curve = _curve(card.get("risk", {}).get("curve", []))
        shapes = tuple((shape, _curve(fit.get("curve", []))) for shape, fit in sorted(card.get("shapes", {}).items()))
        return cls(dict(card.get("select", {"logit": 1.0})), dict(card.get("support", {"logit": 1.0})),
                   float(card.get("threshold", 0.5)), curve, shapes)

    def shape_thresholds(self, max_wrong_rate: float) -> dict[str, float]:
        """Each question shape's threshold fitted on its own held-out questions (bench/fit_shapes.py),
        at the same risk as ``threshold_for``; shapes without a curve are left out."""
        return {shape: _lowest(curve, max_wrong_rate) for shape, curve in self.shape_curves if curve}

    def threshold_for(self, max_wrong_rate: float) -> float:
        """The lowest threshold whose upper bound of wrong answers among answered (on val) is
        within ``max_wrong_rate``; the card's threshold where it records no curve."""
        if not self.risk_curve:
            return self.threshold
        return _lowest(self.risk_curve, max_wrong_rate)

    def score(self, signals: np.ndarray) -> np.ndarray:
        """Selection score of each row of ``signals`` (n x len(SIGNALS))."""
        return signals @ np.array([self.select.get(n, 0.0) for n in SIGNALS])

    def probability(self, signals: np.ndarray) -> np.ndarray:
        """Probability that each row's sentence answers the question."""
        z = signals @ np.array([self.support.get(n, 0.0) for n in SIGNALS]) + self.support.get("bias", 0.0)
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-z))


def _curve(rows: list[list[float]]) -> tuple[tuple[float, int, int, float], ...]:
    return tuple((float(t), int(n), int(w), float(b)) for t, n, w, b in rows)


def _lowest(curve: tuple[tuple[float, int, int, float], ...], max_wrong_rate: float) -> float:
    """The lowest threshold of a risk curve whose bound is within ``max_wrong_rate`` (else its highest)."""
    return next((t for t, _, _, bound in curve if bound <= max_wrong_rate), curve[-1][0])


@dataclass(frozen=True)
class Excerpt:
    """What the judge reads besides the question: a title and sentences, in order."""

    title: str
    sentences: tuple[str, ...]
