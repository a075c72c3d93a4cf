"""Stand-ins for fast unit tests: a deterministic embedder (hashed bag of words,
L2-normalised), a keyword judge, and the answer stage's Evidence over a dict of documents."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from qa.answer.calibration import Calibration
from qa.core.schema import Document
from qa.core.text import terms


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


class FakeEvidence:
    """The answer stage's Evidence over a dict of documents: question and sentence vectors by
    ``embed`` (zeros unless given: no sentence restates another), every term equally rare."""

    def __init__(self, documents: dict[str, Document], embed: Callable[[list[str]], np.ndarray] | None = None,
                 dimension: int = 4) -> None:
        self.documents = documents
        self.embed = embed or (lambda texts: np.zeros((len(texts), dimension)))

    def document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def sentence_vectors(self, doc_id: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        return self.embed([self.documents[doc_id].text[s:e] for s, e in spans])

    def idf(self, term: str) -> float:
        return 1.0
