"""A deterministic embedder for fast unit tests: hashed bag of words, L2-normalised."""

from __future__ import annotations

import hashlib

import numpy as np

from qa.answer.calibration import Calibration
from qa.text import terms


class HashEmbedder:
    model_id = "hash-embedder:1"
    dimension = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for t in terms(text) or ["<empty>"]:
                out[row, int(hashlib.md5(t.encode()).hexdigest(), 16) % self.dimension] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


class KeywordJudge:
    """A deterministic stand-in for the trained judge in unit tests of the answerer: a
    sentence's logit (and span score) grows with the share of the question's terms it holds
    (all of them: +5, none: -5); the calibration reads the logit alone."""

    model_id = "keyword-judge:1"
    calibration = Calibration({"logit": 1.0}, {"logit": 1.0}, 0.5)

    def phrase(self, question: str, title: str, sentence: str) -> tuple[int, int] | None:
        return None

    def judge(self, question: str, passages) -> list[np.ndarray]:
        asked = set(terms(question))
        return [np.array([[10 * len(asked & set(terms(s))) / max(len(asked), 1) - 5] * 2 for s in p.sentences])
                .reshape(-1, 2) for p in passages]
