"""Extractive answering: the Answerer protocol, sentence signals, selection and abstention."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from .lexical import STOPWORDS, answer_terms, weighted_coverage, words
from .schema import Document, Hit

ABSTAIN_TEXT = "I couldn't find this in the source documents."

NUMBER_WORDS = """
    one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion dozen dozens half quarter percent
""".split()
MONTHS = """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
""".split()
NUMBER = re.compile(r"\d[\d,.]*\d|\d|\b(?:" + "|".join(NUMBER_WORDS) + r")\b|%|\$", re.IGNORECASE)
DATE = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b|\b(?:" + "|".join(MONTHS) + r")\b"
    r"|\b(?:century|decade|yesterday|today|tomorrow|week|month|year)s?\b",
    re.IGNORECASE,
)
# "in the harbour", "on its website": where a place can be named without a capital
PLACE = re.compile(
    r"\b(?:in|at|on|near|from|inside|outside|across|throughout|within)\s+"
    r"(?:the\s+|its\s+|their\s+|his\s+|her\s+|a\s+|an\s+)?((?:[A-Za-z][\w-]*\s+)?[A-Za-z][\w-]*)"
)
CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z0-9&.’'-]*")

ANSWER_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("number", re.compile(
        r"\bhow\s+(?:much|many|far|long|large|big|high|old|fast|often|tall|wide|deep)\b"
        r"|\bwhat\s+(?:percentage|percent|amount|number|share|portion|size|period|price|cost)\b"
        r"|\bover\s+what\s+period\b"
        r"|^\W*what\s+(?:is|was|are|were|will\s+be)\b.*\b(?:price|cost|profit|revenue|income|sales"
        r"|value|worth|amount|number|total|population|percentage|rate|budget|salary|size|length"
        r"|height|weight|age|temperature|speed|score|capacity|margin|earnings)\b", re.IGNORECASE)),
    ("date", re.compile(
        r"^\W*when\b|\b(?:what|which)\s+(?:year|date|day|month|time|century|decade|season)\b"
        r"|\bin\s+what\s+year\b", re.IGNORECASE)),
    ("entity", re.compile(
        r"^\W*(?:who|whom|whose)\b|\b(?:which|what)\s+(?:person|analyst|company|firm|people|man"
        r"|woman|group|organi[sz]ation|team|country|city|state|nation|brand|agency|university"
        r"|player|artist|author|band|president|leader|executive|ceo)\b", re.IGNORECASE)),
    ("place", re.compile(r"^\W*where\b|\bin\s+which\s+(?:city|country|state|place)\b", re.IGNORECASE)),
]


# Text that addresses a model rather than a reader: prompt injection, never evidence.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:previous|prior|above|earlier|all|any|your)\b"
    r"[^.!?]{0,30}\b(?:instructions?|prompts?|directions?|rules|guidelines|context)\b"
    r"|\byou\s+are\s+now\b|\bsystem\s+prompt\b|\bnew\s+instructions?\s*:"
    r"|\b(?:as\s+an?\s+)?(?:ai|language\s+model|assistant|chatbot)\s*,?\s+(?:you\s+)?(?:must|should)\b",
    re.IGNORECASE,
)


def looks_like_instruction(sentence: str) -> bool:
    """Whether a sentence of a document is an instruction to an AI (prompt injection)."""
    return bool(INSTRUCTION.search(sentence))


def answer_type(question: str) -> str | None:
    """The kind of thing the question asks for: number, date, entity, place, or None."""
    for name, pattern in ANSWER_TYPES:
        if pattern.search(question):
            return name
    return None


def has_answer_type(kind: str | None, sentence: str, question: str) -> bool:
    """Whether ``sentence`` holds something of ``kind`` that the question does not already hold."""
    if kind is None:
        return False
    asked = set(words(question))
    if kind == "number":
        found = [m.group(0) for m in NUMBER.finditer(sentence)]
    elif kind == "date":
        found = [m.group(0) for m in DATE.finditer(sentence)]
    elif kind == "place":
        found = CAPITALIZED.findall(sentence) + PLACE.findall(sentence)
    else:
        found = CAPITALIZED.findall(sentence)
    return any(set(words(f)) - asked for f in found if words(f)) or (
        kind == "number" and any(f in "$%" for f in found)
    )


# what each sentence is scored on, and what the best one's support is judged on
SELECT_FEATURES = ("cosine", "coverage", "context", "type_match", "rank", "focus")
SUPPORT_FEATURES = ("best_coverage", "cosine", "type_ok", "missing_entity", "focus")


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, its signals (``SELECT_FEATURES``) and its score."""

    doc_id: str
    start: int
    end: int
    text: str
    hit_rank: int
    features: tuple[float, ...]
    missing_entity: float
    score: float = 0.0

    def feature(self, name: str) -> float:
        return self.features[SELECT_FEATURES.index(name)]


@dataclass(frozen=True)
class Draft:
    """An answerer's output before citations are verified."""

    text: str
    abstained: bool
    spans: tuple[tuple[str, int, int], ...]
    confidence: float
    candidates: tuple[Candidate, ...] = ()
    unsupported: tuple[str, ...] = ()


class Answerer(Protocol):
    """Turns a question and retrieved passages into a draft answer."""

    name: str
    model: str

    def answer(self, question: str, hits: list[Hit]) -> Draft: ...

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]: ...


@dataclass(frozen=True)
class LinearModel:
    """A weighted sum of named features."""

    weights: dict[str, float]

    def vector(self, names: Sequence[str]) -> np.ndarray:
        return np.array([self.weights.get(n, 0.0) for n in names])


@dataclass(frozen=True)
class Calibration:
    """How sentences are scored (``select``), how the best one's support is scored
    (``support``), and the support below which the answerer abstains."""

    select: LinearModel
    support: LinearModel
    threshold: float

    def to_json(self) -> dict:
        return {"select": self.select.weights, "support": self.support.weights, "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        return cls(LinearModel(data["select"]), LinearModel(data["support"]), float(data["threshold"]))


CALIBRATION = Path(__file__).with_name("calibration.json")
# Used only when qa/calibration.json is missing.
DEFAULT_CALIBRATION = Calibration(
    LinearModel({"cosine": 1.0, "coverage": 1.0, "context": 0.3, "type_match": 0.25, "rank": 0.15}),
    LinearModel({"best_coverage": 0.6, "cosine": 0.6, "type_ok": 0.15, "missing_entity": -0.3}),
    0.9,
)


def calibrated() -> Calibration:
    """The weights and threshold fitted by ``scripts/calibrate.py`` (defaults if absent)."""
    if not CALIBRATION.exists():
        return DEFAULT_CALIBRATION
    return Calibration.from_json(json.loads(CALIBRATION.read_text(encoding="utf-8")))


GENERIC_HEADS = set("""
    name names type types kind kinds sort form forms part parts number amount term terms word
    words title one ones way ways thing things example examples group percentage year years day
    days month months date dates time times century decade period percent
""".split())
FOCUS = re.compile(
    r"^\W*(?:what|which)\s+(?:is|was|are|were|will\s+be|has\s+been)\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:[\w-]+['’]s\s+)?(?P<what>[\w\s-]+?)(?=\s+(?:of|in|for|on|at|to|by|from|with|that|which"
    r"|who|when|last|this|next|during|after|before)\b|\?|$)"
    r"|\bhow\s+many\s+(?P<many>[\w-]+(?:\s+[\w-]+)?)"
    r"|^\W*(?:what|which)\s+(?P<noun>[\w-]+(?:\s+[\w-]+)?)\s+(?:does|did|do|is|was|are|were|has|have"
    r"|had|will|would|can|could|should)\b",
    re.IGNORECASE,
)


def question_focus(question: str) -> set[str]:
    """Terms of the thing a question asks about ("What was X's net profit ..." -> net, profit).

    Empty when the question has no such noun phrase or only a generic one ("the name of").
    """
    m = FOCUS.search(question)
    if not m:
        return set()
    phrase = m.group("what") or m.group("many") or m.group("noun") or ""
    found = [w for w in words(phrase) if w not in STOPWORDS]
    if not found or found[-1] in GENERIC_HEADS:
        return set()
    return set(answer_terms(" ".join(found)))


def question_entities(question: str) -> set[str]:
    """Terms of the names a question mentions (capitalised words after its first word)."""
    names = [w for w in re.findall(r"[A-Za-z0-9][\w&’'.-]*", question)[1:] if w[0].isupper()]
    return {t for name in names for t in answer_terms(name)}


@dataclass(frozen=True)
class Question:
    """What the answerer reads off a question once, before scoring sentences."""

    text: str
    vector: np.ndarray
    terms: tuple[str, ...]
    kind: str | None
    focus: frozenset[str]
    named: frozenset[str]  # names the corpus knows: an answer about one of them has to mention it


class ExtractiveAnswerer:
    """Picks the sentence of the retrieved passages that best answers the question.

    Each sentence gets signals (``SELECT_FEATURES``): MiniLM cosine with the question,
    IDF-weighted coverage of the question's terms by the sentence and by its neighbours,
    whether it holds the kind of thing asked for (a number for "how much", a name for "who"),
    whether its context names the asked-for noun, and its passage's rank. A linear score
    over them picks the sentence; a second linear score over the best one's signals
    (``SUPPORT_FEATURES``) is its support, and below ``threshold`` the answerer abstains.
    Both are fitted by ``scripts/calibrate.py``.
    """

    name = "extractive"

    def __init__(
        self,
        embed_query: Callable[[str], np.ndarray],
        sentence_vectors: Callable[[str, Sequence[tuple[int, int]]], np.ndarray],
        document: Callable[[str], Document | None],
        idf: Callable[[str], float],
        known: Callable[[str], bool],
        model: str,
        threshold: float | None = None,
        calibration: Calibration | None = None,
        max_words: int = 50,
    ) -> None:
        self.calibration = calibration or calibrated()
        self.embed_query = embed_query
        self.sentence_vectors = sentence_vectors
        self.document = document
        self.idf = idf
        self.known = known
        self.threshold = self.calibration.threshold if threshold is None else threshold
        self.max_words = max_words
        self.model = model
        self._select = self.calibration.select.vector(SELECT_FEATURES)
        self._support = self.calibration.support.vector(SUPPORT_FEATURES)

    def read(self, question: str) -> Question:
        named = frozenset(t for t in question_entities(question) if self.known(t))
        return Question(question, self.embed_query(question), tuple(answer_terms(question)),
                        answer_type(question), frozenset(question_focus(question)), named)

    def candidates(self, q: Question, hits: list[Hit]) -> list[Candidate]:
        """Every sentence of the retrieved passages, scored, best first.

        Sentence vectors were stored at index time; a sentence's context is the sentence
        with its neighbours in the passage.
        """
        found: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        for rank, hit in enumerate(hits, start=1):
            chunk = hit.chunk
            doc = self.document(chunk.doc_id)
            if doc is None or not chunk.sentences:
                continue
            cosines = self.sentence_vectors(chunk.doc_id, chunk.sentences) @ q.vector
            spans = chunk.sentences
            passage_terms = set(answer_terms(f"{chunk.title}\n{chunk.text}"))
            missing = len(q.named - passage_terms) / len(q.named) if q.named else 0.0
            for i, ((s, e), cos) in enumerate(zip(spans, cosines)):
                if (chunk.doc_id, s) in seen:
                    continue
                seen.add((chunk.doc_id, s))
                text = doc.text[s:e]
                if looks_like_instruction(text):
                    continue
                context = doc.text[spans[max(i - 1, 0)][0] : spans[min(i + 1, len(spans) - 1)][1]]
                context_terms = set(answer_terms(context))
                found.append(Candidate(chunk.doc_id, s, e, text, rank, (
                    float(cos),
                    weighted_coverage(q.terms, set(answer_terms(text)), self.idf),
                    weighted_coverage(q.terms, context_terms, self.idf),
                    float(has_answer_type(q.kind, text, q.text)),
                    1.0 / rank,
                    0.0 if not q.focus else (1.0 if q.focus & context_terms else -1.0),
                ), missing))
        if not found:
            return []
        scores = np.array([c.features for c in found]) @ self._select
        out = [replace(c, score=float(sc)) for c, sc in zip(found, scores)]
        out.sort(key=lambda c: -c.score)
        return out

    def support_features(self, q: Question, best: Candidate) -> np.ndarray:
        """``SUPPORT_FEATURES`` of the best sentence (a neighbour's coverage counts 90 %)."""
        f = best.feature
        return np.array([
            max(f("coverage"), 0.9 * f("context")), f("cosine"),
            f("type_match") if q.kind else 1.0, best.missing_entity, f("focus"),
        ])

    def support(self, q: Question, best: Candidate) -> float:
        """How well the best sentence supports an answer; below the threshold we abstain."""
        return float(self.support_features(q, best) @ self._support)

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        q = self.read(question)
        ranked = self.candidates(q, hits)
        if not ranked:
            return Draft(ABSTAIN_TEXT, True, (), 0.0)
        best = ranked[0]
        confidence = self.support(q, best)
        if confidence < self.threshold:
            return Draft(ABSTAIN_TEXT, True, (), confidence, tuple(ranked))
        start, end = self.trim(best, q)
        doc = self.document(best.doc_id)
        assert doc is not None
        return Draft(doc.text[start:end], False, ((best.doc_id, start, end),), confidence, tuple(ranked))

    def trim(self, best: Candidate, q: Question) -> tuple[int, int]:
        """Cut a sentence longer than ``max_words`` to its clauses that matter most.

        Clauses are split at , ; : — and the window of neighbouring clauses with the best
        question coverage (plus the asked-for answer type) within the word budget wins.
        """
        if len(best.text.split()) <= self.max_words:
            return best.start, best.end
        bounds = [0]
        for m in re.finditer(r"[,;:]\s+|\s+[—–]\s+", best.text):
            bounds.append(m.end())
        bounds.append(len(best.text))
        best_span, best_score = (0, len(best.text)), -1.0
        for i in range(len(bounds) - 1):
            for j in range(i + 1, len(bounds)):
                piece = best.text[bounds[i] : bounds[j]]
                if len(piece.split()) > self.max_words:
                    break
                score = weighted_coverage(q.terms, set(answer_terms(piece)), self.idf)
                score += 0.5 * has_answer_type(q.kind, piece, q.text) + 0.001 * len(piece.split())
                if score > best_score:
                    best_span, best_score = (bounds[i], bounds[j]), score
        lo, hi = best_span
        piece = best.text[lo:hi]
        lo += len(piece) - len(piece.lstrip())
        piece = best.text[lo:hi].rstrip(" ,;:—–")
        return best.start + lo, best.start + lo + len(piece)

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]:
        draft = self.answer(question, hits)
        yield from re.findall(r"\S+\s*", draft.text)
        yield draft
