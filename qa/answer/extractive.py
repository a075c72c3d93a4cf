"""Extractive answering: the trained judge picks the sentence that answers, or we abstain."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.answer.asked import CONTEXT, asks_other
from qa.answer.calibration import Excerpt
from qa.answer.checks import (
    can_state_the_figure,
    is_heading,
    is_question,
    looks_like_instruction,
)
from qa.answer.disagreement import rival
from qa.answer.rewrite import standalone_question
from qa.answer.trim import ClauseTrimmer
from qa.answer.types import ABSTAIN_TEXT, Candidate, Draft, Evidence
from qa.core.schema import Document, Hit
from qa.core.text import terms, weighted_coverage
from qa.core.trust import document_addresses_ai

if TYPE_CHECKING:
    from qa.answer.judge import Judge



class ExtractiveAnswerer:
    """Answers with the sentence of the retrieved passages that the trained judge (with
    retrieval's signals, as calibrated) finds most likely to answer, cut to its best clauses
    if long; abstains when that probability is below ``threshold``; says so when two
    documents answer differently.

    Every sentence is judged in its passage, so context counts, but a question, a heading
    or an instruction to an AI found in a document is never chosen, nor any sentence of a
    document that addresses an AI reader.

    The judge runs once over all the passages (one batch: every sentence's logit and span
    score); then once on the chosen sentence alone, for the answer phrase (its span head reads
    the sentence as the question's only evidence, as trained on answer sentences); and, only
    for a sentence over ``max_words``, once over its clause windows and once more on a clause
    still too long. On the article dev set that is 1.19 + 0.57 passes per question
    (docs/benchmarks.md): the phrase pass cannot join the first, since it reads the sentence
    the first one chose.
    """

    name = "extractive"

    def __init__(self, judge: Judge, evidence: Evidence, threshold: float, max_words: int, restated: float) -> None:
        self.judge = judge
        self.calibration = judge.calibration
        self.evidence = evidence
        self.threshold = threshold  # the root decides it (QA_ABSTAIN_THRESHOLD or QA_MAX_WRONG_RATE)
        self.trimmer = ClauseTrimmer(judge, max_words)
        self.restated = restated  # cosine from which a sentence restates another (rival)
        self.model = judge.model_id

    def candidates(self, question: str, hits: Sequence[Hit]) -> list[Candidate]:
        """Every answerable sentence of the passages, best first (a sentence in two
        overlapping passages counts once, at its best)."""
        read = [(rank, h) for rank, h in enumerate(hits, start=1) if h.chunk.sentences]
        docs = {h.chunk.doc_id: self.evidence.document(h.chunk.doc_id) for _, h in read}
        read = [(rank, h) for rank, h in read if (doc := docs[h.chunk.doc_id]) is not None and self.trusted(doc)]
        texts = [tuple(docs[h.chunk.doc_id].text[s:e] for s, e in h.chunk.sentences)  # type: ignore[union-attr]
                 for _, h in read]
        judged = self.judge.judge(question, [Excerpt(h.chunk.title, t) for (_, h), t in zip(read, texts)])
        found: dict[tuple[str, int], Candidate] = {}
        for (rank, hit), sentences, scores in zip(read, texts, judged):
            vectors, cosines, coverages = self.measured(question, hit, sentences)
            for (s, e), text, (logit, span), cos, coverage, vector in zip(
                    hit.chunk.sentences, sentences, scores, cosines, coverages, vectors):
                key = (hit.chunk.doc_id, s)
                if (is_question(text) or is_heading(text) or text.strip() == hit.chunk.title
                        or looks_like_instruction(text)  # a document's own headline is a heading too
                        or not can_state_the_figure(question, text)):
                    continue
                if key in found and found[key].signal("logit") >= logit:
                    continue  # the same sentence in an overlapping passage, judged better there
                found[key] = Candidate(hit.chunk.doc_id, hit.chunk.title, s, e, text, rank,
                                       (float(logit), float(span), float(cos), coverage, 1.0 / rank), vector=vector)
        if not found:
            return []
        ranked = list(found.values())
        signals = np.array([c.signals for c in ranked])
        scores, probabilities = self.calibration.score(signals), self.calibration.probability(signals)
        ranked = [replace(c, score=float(sc), probability=float(p))
                  for c, sc, p in zip(ranked, scores, probabilities)]
        return sorted(ranked, key=lambda c: (-c.score, c.hit_rank, c.start))

    def measured(self, question: str, hit: Hit, sentences: Sequence[str]) -> tuple[Any, Sequence[float],
                                                                                 Sequence[float]]:
        """A hit's sentence vectors, cosines with the question and term coverages: as retrieval
        measured them while ranking it, or, for a hit made elsewhere, read through Evidence."""
        if hit.vectors is not None and len(hit.cosines) == len(hit.coverages) == len(sentences):
            return hit.vectors, hit.cosines, hit.coverages
        vectors = self.evidence.sentence_vectors(hit.chunk.doc_id, hit.chunk.sentences)
        asked = terms(question)
        return (vectors, vectors @ self.evidence.embed_query(question),
                [weighted_coverage(asked, set(terms(t)), self.evidence.idf) for t in sentences])

    def trusted(self, doc: Document) -> bool:
        """A document that addresses no AI reader (checks.addresses_ai), remembered by its content."""
        return not document_addresses_ai(doc)

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        ranked = self.candidates(question, hits)
        if not ranked or ranked[0].probability < self.threshold:
            return Draft(ABSTAIN_TEXT, True, (), ranked[0].probability if ranked else 0.0, tuple(ranked),
                         threshold=self.threshold, reason="judge_refused" if ranked else None)
        best = next((c for c in ranked if c.probability >= self.threshold and self.states_what_is_asked(question, c)),
                    None)
        if best is None:  # the sentences that answer speak of another role, quantity or entity
            return Draft(ABSTAIN_TEXT, True, (), ranked[0].probability, tuple(ranked), threshold=self.threshold,
                         reason="asks_other")
        ranked = [best, *(c for c in ranked if c is not best)]
        rival = self.rival(question, ranked)
        if rival is not None:
            text = f"The sources disagree: {best.title} says “{best.text}”, {rival.title} says “{rival.text}”"
            spans = ((best.doc_id, best.start, best.end), (rival.doc_id, rival.start, rival.end))
            return Draft(text, False, spans, best.probability, tuple(ranked), conflict=True, threshold=self.threshold)
        start, end = self.trimmer.trim(question, best)
        doc = self.evidence.document(best.doc_id)
        assert doc is not None
        found = self.judge.phrase(question, best.title, doc.text[start:end])
        phrase = None if found is None else (best.doc_id, start + found[0], start + found[1])
        return Draft(doc.text[start:end], False, ((best.doc_id, start, end),), best.probability, tuple(ranked),
                     phrase=phrase, threshold=self.threshold)

    def states_what_is_asked(self, question: str, candidate: Candidate) -> bool:
        """Whether the sentence states the role, quantity and entities the question asks of
        (qa/answer/asked.py), with its document's title and the text before it as context."""
        doc = self.evidence.document(candidate.doc_id)
        context = "" if doc is None else f"{doc.title} {doc.text[max(0, candidate.start - CONTEXT) : candidate.start]}"
        return asks_other(question, candidate.text, context) is None

    def rival(self, question: str, ranked: Sequence[Candidate]) -> Candidate | None:
        """A sentence of another document that answers with another value (qa/answer/disagreement.py)."""
        return rival(question, ranked, self.evidence, self.judge.phrase, self.threshold, self.restated)

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """The rules of ``qa.answer.rewrite`` (names and subjects of the earlier turns)."""
        return standalone_question(question, history)

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]:
        draft = self.answer(question, hits)
        yield from re.findall(r"\S+\s*", draft.text)
        yield draft
