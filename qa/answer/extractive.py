"""Extractive answering: the trained judge picks the sentence that answers, or we abstain."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.answer.calibration import SIGNALS, Passage
from qa.answer.rewrite import standalone_question
from qa.schema import Document, Hit
from qa.text import STOPWORDS, terms, weighted_coverage

if TYPE_CHECKING:
    from qa.answer.judge import Judge

ABSTAIN_TEXT = "I couldn't find this in the source documents."

# Text that addresses a model rather than a reader: prompt injection, never evidence.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:previous|prior|above|earlier|all|any|your)\b"
    r"[^.!?]{0,30}\b(?:instructions?|prompts?|directions?|rules|guidelines|context)\b"
    r"|\byou\s+are\s+now\b|\bsystem\s+prompt\b|\bnew\s+instructions?\s*:"
    r"|\b(?:as\s+an?\s+)?(?:ai|language\s+model|assistant|chatbot)\s*,?\s+(?:you\s+)?(?:must|should)\b",
    re.IGNORECASE,
)
# Who a document may address when it means a model reading it: an assistant, an AI, a chatbot ...
_READER = r"(?:ai|a\.i\.|llm|llms|language\s+models?|assistants?|chatbots?|bots?|models?|agents?|copilot)"
# Text addressed to such a reader, wherever in the sentence: by name ("Assistant, the analyst
# is ..."; "..., dear AI, ..."), as a note to it, or by telling it how to answer.
ADDRESSED = re.compile(
    rf"(?:^|[.!?;:,(\[—–-]\s*|\s[—–-]\s*)(?:(?:dear|hey|hello|attention|note\s+(?:to|for))\s+)?"
    rf"(?:ai\s+)?(?:ai|a\.i\.|llm|language\s+model|assistant|chatbot|copilot)\s*[,:!]"
    rf"|\b(?:note|message|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai\s+)?{_READER}\b"
    rf"|\bif\s+you\s+are\s+(?:an?\s+)?(?:ai\s+)?{_READER}\b"
    rf"|\b(?:ai\s+)?{_READER}\s+(?:reading|summari[sz]ing|processing|answering)\s+(?:this|these|the)\b"
    rf"|\b(?:tell|inform|assure)\s+(?:the\s+)?(?:user|reader|asker)s?\b"
    rf"|\b(?:when|if)\s+(?:you\s+are\s+)?asked\b[^.!?]{{0,80}}\b(?:answer|say|reply|respond|state)\b"
    rf"|\b(?:always|only)\s+(?:answer|reply|respond|say)\b",
    re.IGNORECASE,
)
QUESTION_END = re.compile(r"\?[\"'”’)\]]*\s*$")
SENTENCE_END = re.compile(r"[.!?…:;\"'”’)\]]\s*$")
MINOR_WORDS = frozenset("a an and as at but by for from in of on or the to vs with".split())
# Figures and names a sentence states: what two answers to one question can differ in.
CLAIM = re.compile(r"\d[\d,.]*\d|\d|(?<![.!?]\s)(?<!^)\b[A-Z][\w’'&-]*")
CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+[—–]\s+")


def looks_like_instruction(sentence: str) -> bool:
    """Whether a sentence of a document is an instruction to an AI (prompt injection) or
    addressed to one, wherever in the sentence: never evidence."""
    return bool(INSTRUCTION.search(sentence) or ADDRESSED.search(sentence))


def is_question(sentence: str) -> bool:
    """Whether a sentence asks rather than states (a question is never an answer)."""
    return bool(QUESTION_END.search(sentence))


def claims(sentence: str, question: str) -> set[str]:
    """The figures and names a sentence states that the question does not already hold."""
    asked = {w.lower().rstrip("’'s") for w in re.findall(r"[\w’'&-]+", question)}
    found = {m.group(0).lower().replace(",", "").rstrip(".’'s") for m in CLAIM.finditer(sentence)}
    return {c for c in found if c and c not in asked and c not in STOPWORDS}


def names(question: str) -> set[str]:
    """The names a question asks about (capitalised words but its first), lower-cased and
    without a possessive: "How much did Alibaba's shares fall?" -> {"alibaba"}."""
    words = re.findall(r"[\w’'&-]+", question)[1:]
    return {re.sub(r"[’']s$", "", w).lower() for w in words if w[:1].isupper() and w.lower() not in STOPWORDS}


def figures(claimed: set[str]) -> set[str]:
    return {c for c in claimed if c[:1].isdigit()}


def is_heading(sentence: str) -> bool:
    """Whether a "sentence" is a heading: short, no closing punctuation, its words
    capitalised as in a title ("What Bloomberg Intelligence Says"). It names a topic and
    answers nothing."""
    words = [w for w in re.findall(r"[^\W\d_][\w’'&-]*", sentence)]
    if not words or len(words) > 12 or SENTENCE_END.search(sentence):
        return False
    return all(w[0].isupper() for w in words if w.lower() not in MINOR_WORDS)


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

    def signal(self, name: str) -> float:
        return self.signals[SIGNALS.index(name)]


@dataclass(frozen=True)
class Draft:
    """An answerer's output before citations are verified.

    ``conflict``: the best sentences of two documents answer differently; the text says
    so and both are cited. ``phrase``: the words inside the first cited span that answer,
    (doc_id, start, end), where the answerer can tell.
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


class Answerer(Protocol):
    """Turns a question and retrieved passages into a draft answer."""

    name: str
    model: str

    def answer(self, question: str, hits: list[Hit]) -> Draft: ...

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]: ...

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """The question as it reads on its own, given the earlier turns."""
        ...


class ExtractiveAnswerer:
    """Answers with the sentence of the retrieved passages that the trained judge (with
    retrieval's signals, as calibrated) finds most likely to answer, cut to its best clauses
    if long; abstains when that probability is below ``threshold``; says so when two
    documents answer differently.

    Every sentence is judged in its passage, so context counts, but a question, a heading
    or an instruction to an AI found in a document is never chosen.
    """

    name = "extractive"

    def __init__(self, judge: Judge, document: Callable[[str], Document | None],
                 embed_query: Callable[[str], np.ndarray],
                 sentence_vectors: Callable[[str, Sequence[tuple[int, int]]], np.ndarray],
                 idf: Callable[[str], float], threshold: float | None, max_words: int) -> None:
        self.judge = judge
        self.calibration = judge.calibration
        self.document = document
        self.embed_query = embed_query
        self.sentence_vectors = sentence_vectors
        self.idf = idf
        self.threshold = self.calibration.threshold if threshold is None else threshold
        self.max_words = max_words
        self.model = judge.model_id

    def candidates(self, question: str, hits: Sequence[Hit]) -> list[Candidate]:
        """Every answerable sentence of the passages, best first (a sentence in two
        overlapping passages counts once, at its best)."""
        read = [(rank, h) for rank, h in enumerate(hits, start=1) if h.chunk.sentences]
        docs = {h.chunk.doc_id: self.document(h.chunk.doc_id) for _, h in read}
        read = [(rank, h) for rank, h in read if docs[h.chunk.doc_id] is not None]
        texts = [tuple(docs[h.chunk.doc_id].text[s:e] for s, e in h.chunk.sentences)  # type: ignore[union-attr]
                 for _, h in read]
        judged = self.judge.judge(question, [Passage(h.chunk.title, t) for (_, h), t in zip(read, texts)])
        vector = self.embed_query(question)
        asked = terms(question)
        found: dict[tuple[str, int], Candidate] = {}
        for (rank, hit), sentences, scores in zip(read, texts, judged):
            cosines = self.sentence_vectors(hit.chunk.doc_id, hit.chunk.sentences) @ vector
            for (s, e), text, (logit, span), cos in zip(hit.chunk.sentences, sentences, scores, cosines):
                key = (hit.chunk.doc_id, s)
                if (is_question(text) or is_heading(text) or text.strip() == hit.chunk.title
                        or looks_like_instruction(text)):  # a document's own headline is a heading too
                    continue
                if key in found and found[key].signal("logit") >= logit:
                    continue  # the same sentence in an overlapping passage, judged better there
                coverage = weighted_coverage(asked, set(terms(text)), self.idf)
                found[key] = Candidate(hit.chunk.doc_id, hit.chunk.title, s, e, text, rank,
                                       (float(logit), float(span), float(cos), coverage, 1.0 / rank))
        if not found:
            return []
        ranked = list(found.values())
        signals = np.array([c.signals for c in ranked])
        scores, probabilities = self.calibration.score(signals), self.calibration.probability(signals)
        ranked = [replace(c, score=float(sc), probability=float(p))
                  for c, sc, p in zip(ranked, scores, probabilities)]
        return sorted(ranked, key=lambda c: (-c.score, c.hit_rank, c.start))

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        ranked = self.candidates(question, hits)
        if not ranked or ranked[0].probability < self.threshold:
            return Draft(ABSTAIN_TEXT, True, (), ranked[0].probability if ranked else 0.0, tuple(ranked),
                         threshold=self.threshold)
        best = ranked[0]
        rival = self.rival(question, ranked)
        if rival is not None:
            text = f"The sources disagree: {best.title} says “{best.text}”, {rival.title} says “{rival.text}”"
            spans = ((best.doc_id, best.start, best.end), (rival.doc_id, rival.start, rival.end))
            return Draft(text, False, spans, best.probability, tuple(ranked), conflict=True, threshold=self.threshold)
        start, end = self.trim(question, best)
        doc = self.document(best.doc_id)
        assert doc is not None
        found = self.judge.phrase(question, best.title, doc.text[start:end])
        phrase = None if found is None else (best.doc_id, start + found[0], start + found[1])
        return Draft(doc.text[start:end], False, ((best.doc_id, start, end),), best.probability, tuple(ranked),
                     phrase=phrase, threshold=self.threshold)

    def rival(self, question: str, ranked: Sequence[Candidate]) -> Candidate | None:
        """The best answering sentence of another document that answers the same question
        about the same subject with another value: the sources disagree. Same subject: it
        names every name of the question that the best sentence names; another value: both
        state figures and none in common, or (neither stating one) both state names and none
        in common. The subject may be named elsewhere in the other document ("the internet
        company co-founded by ..."), but a document that never names it is about something else."""
        best = ranked[0]
        mine = claims(best.text, question)
        subject = {n for n in names(question) if n in best.text.lower()}
        for other in ranked[1:]:
            if other.probability < self.threshold or other.doc_id == best.doc_id:
                continue
            doc = self.document(other.doc_id)
            told = other.text.lower() if doc is None else doc.text.lower()
            if not all(n in told for n in subject):
                continue
            theirs = claims(other.text, question)
            my_figures, their_figures = figures(mine), figures(theirs)
            if my_figures or their_figures:
                if my_figures and their_figures and not my_figures & their_figures:
                    return other
            elif mine and theirs and not mine & theirs:
                return other
        return None

    def trim(self, question: str, best: Candidate) -> tuple[int, int]:
        """Cut a sentence longer than ``max_words`` to the run of clauses (split at , ; : —)
        within the budget that the judge finds most likely to answer; a clause longer than
        that is cut by words."""
        if len(best.text.split()) <= self.max_words:
            return best.start, best.end
        bounds = [0, *(m.end() for m in CLAUSE_BREAK.finditer(best.text)), len(best.text)]
        windows: list[tuple[int, int]] = []
        for i in range(len(bounds) - 1):
            j = i + 1
            while j + 1 < len(bounds) and len(best.text[bounds[i] : bounds[j + 1]].split()) <= self.max_words:
                j += 1
            if not windows or windows[-1][1] != bounds[j]:
                windows.append((bounds[i], bounds[j]))
        pieces = [Passage(best.title, (best.text[a:b].strip(" ,;:—–"),)) for a, b in windows]
        scores = [float(x[0, 0]) for x in self.judge.judge(question, pieces)]
        lo, hi = windows[scores.index(max(scores))]
        piece = best.text[lo:hi]
        lo += len(piece) - len(piece.lstrip())
        hi = lo + len(best.text[lo:hi].rstrip(" ,;:—–"))
        if len(best.text[lo:hi].split()) > self.max_words:  # one clause too long: cut it by words
            lo, hi = self.cut(question, best.title, best.text, lo, hi)
        return best.start + lo, best.start + hi

    def cut(self, question: str, title: str, text: str, lo: int, hi: int) -> tuple[int, int]:
        """``max_words`` words of ``text[lo:hi]`` around the words the judge's span head finds
        answering (they start a third of the way in)."""
        words = [(lo + m.start(), lo + m.end()) for m in re.finditer(r"\S+", text[lo:hi])]
        found = self.judge.phrase(question, title, text[lo:hi])
        at = 0 if found is None else next((i for i, (_, e) in enumerate(words) if e > lo + found[0]), 0)
        first = max(0, min(at - self.max_words // 3, len(words) - self.max_words))
        return words[first][0], words[first + self.max_words - 1][1]

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """The rules of ``qa.answer.rewrite`` (names and subjects of the earlier turns)."""
        return standalone_question(question, history)

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]:
        draft = self.answer(question, hits)
        yield from re.findall(r"\S+\s*", draft.text)
        yield draft
