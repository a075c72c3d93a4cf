"""The answer stage's types: what every answerer takes and gives (``Answerer``, ``Draft``,
``Candidate``), what it may read besides its passages (``Evidence``), and the text of an
abstention. An answerer imports these, never a sibling."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from qa.answer.calibration import SIGNALS
from qa.core.schema import Document, Hit

ABSTAIN_TEXT = "I couldn't find this in the source documents."


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, its ``SIGNALS``, its selection score and the
    probability that it answers the question."""

    doc_id: str
    title: str
    start: int
    end: int
    text: str
    hit_rank: int
    signals: tuple[float, ...]
    score: float = 0.0
    probability: float = 0.0
    vector: Any = field(default=None, compare=False, repr=False)  # its stored sentence vector (numpy)

    def signal(self, name: str) -> float:
        return self.signals[SIGNALS.index(name)]


@dataclass(frozen=True)
class Draft:
    """An answerer's output before citations are verified.

    ``conflict``: the best sentences of two documents answer differently; the text says
    so and both are cited. ``phrase``: the words inside the first cited span that answer,
    (doc_id, start, end), where the answerer can tell. A composed answer (a summary, a list)
    has one part per span, each cited; ``text`` is what the parts read as together.
    """

    text: str
    abstained: bool
    spans: tuple[tuple[str, int, int], ...]
    confidence: float
    candidates: tuple[Candidate, ...] = ()
    unsupported: tuple[str, ...] = ()
    conflict: bool = False
    phrase: tuple[str, int, int] | None = None
    threshold: float | None = None  # the probability it answers from (extractive answerer)
    shape: str = "factoid"  # the shape of answer the question asked for (qa/answer/shapes.py)
    layout: str = "sentence"  # sentence, paragraph or list: how the parts read together
    parts: tuple[str, ...] = ()  # the text shown for each span, in order (empty: the quotes themselves)
    reason: str | None = None  # why it abstained (qa.core.schema.Abstention); None: decided by finalize
    closest: tuple[str, int, int] | None = None  # the closest span found, for an abstention


class Answerer(Protocol):
    """Turns a question and retrieved passages into a draft answer."""

    name: str
    model: str

    def answer(self, question: str, hits: list[Hit]) -> Draft: ...

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]: ...

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """The question as it reads on its own, given the earlier turns."""
        ...


class Evidence(Protocol):
    """What an answerer reads besides the passages it is handed: the documents' text (offsets
    refer to it) and what retrieval knows of their words. qa/index/sources.py is the index's; the
    composition root builds it once; tests/fakes.py has one over a dict of documents."""

    def document(self, doc_id: str) -> Document | None:
        """An indexed document, or None when it is gone."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """The normalised vector of a question (as retrieval embeds queries)."""
        ...

    def sentence_vectors(self, doc_id: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """The stored normalised vectors of a document's sentences at these offsets."""
        ...

    def idf(self, term: str) -> float:
        """How rare a stemmed term is in the index."""
        ...


def vector_of(candidate: Candidate, evidence: Evidence) -> np.ndarray:
    """A candidate's sentence vector: the one retrieval handed on with its hit, else the stored one."""
    if candidate.vector is not None:
        return np.asarray(candidate.vector)
    return evidence.sentence_vectors(candidate.doc_id, [(candidate.start, candidate.end)])[0]


def joined(parts: Sequence[str], layout: str) -> str:
    """What a composed answer's parts read as together: a list one item a line, else a paragraph."""
    if layout == "list":
        return "\n".join(f"- {p}" for p in parts)
    return " ".join(parts)
