"""Composers that answer with several sentences of the passages, all extractive and each cited:
what a named speaker said, several items (a list), reasons, a reaction, a comparison, a
definition, yes or no. Each reads the judge's candidates (qa/answer/extractive.py) and keeps
those above its shape's threshold, without repeats (maximal marginal relevance)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from qa.answer.attribution import sections, speaks_for
from qa.answer.shapes import Shape
from qa.answer.types import ABSTAIN_TEXT, Candidate, Draft, Evidence, joined, vector_of
from qa.core.text import split_sentences, terms

MAX_ITEMS = 5  # sentences of a list
MAX_WORDS = 120  # words of a composed answer: a list stops adding items before it passes them
MAX_STATEMENT = 2  # sentences of a statement
TAG_WORDS = 12  # at most this long, a sentence after a quotation may say only who spoke
QUOTE_WINDOW = 800  # characters before such a sentence that may hold its quotation
LIKENESS = 0.5  # maximal marginal relevance: weight of a candidate's likeness to those already chosen
CAUSE = re.compile(r"\b(?:because|due\s+to|owing\s+to|thanks\s+to|as\s+a\s+result|in\s+part|reasons?|caused"
                   r"|leads?\s+to|led\s+to|since|so\s+that|driven\s+by|stems?\s+from|explains?|that['’]s\s+why"
                   r"|result(?:ed|s)?\s+(?:of|from)|why)\b", re.IGNORECASE)
REACTED = re.compile(r"\b(?:shares?|stocks?|markets?|investors?|prices?|rose|rise|rises|fell|fall|falls|slid|slide"
                     r"|slides|jumped|jump|dropped|drop|gained|gain|lost|surged|soared|plunged|plummeted|tumbled"
                     r"|climbed|sank|rallied|react(?:ed|ion)?|respond(?:ed)?|response|welcomed?|applaud(?:ed)?"
                     r"|praised?|criticized?|criticised?|condemned?|protest(?:ed)?|backlash|outrage)\b",
                     re.IGNORECASE)


class Selector:
    """Picks the sentences a composed answer rests on from the judge's ``candidates`` (a
    question, passages -> ranked Candidates); ``thresholds``: the probability each shape answers
    from; ``restated``: the cosine from which two sentences say the same."""

    def __init__(self, candidates: Callable[..., list[Candidate]], evidence: Evidence,
                 thresholds: Mapping[str, float], restated: float,
                 states: Callable[[str, Candidate], bool] = lambda question, candidate: True) -> None:
        self.candidates = candidates
        self.states = states  # whether a sentence states the role, quantity, entities asked of (qa/answer/asked.py)
        self.evidence = evidence
        self.thresholds = thresholds
        self.restated = restated

    def compose(self, question: str, shape: Shape, ranked: Sequence[Candidate]) -> Draft | None:
        """The draft of ``shape`` from the ranked candidates, or None to answer it as a factoid.
        Only a sentence that states what the question asks of (its role, quantity and names:
        ``states``) may be chosen; a statement's speaker is checked by attribution instead."""
        t = self.thresholds.get(shape.kind, self.thresholds["factoid"])
        if shape.kind != "statement":
            stating = [c for c in ranked if self.states(question, c)]
            if not stating:
                return self.draft(shape, [], ranked, t, reason="asks_other" if ranked else "judge_refused")
            ranked = stating
        if shape.kind == "statement":
            return self.statement(shape, ranked, t)
        if shape.kind == "comparison":
            return self.comparison(shape, ranked, t)
        if shape.kind == "definition":
            return self.definition(shape, ranked, t)
        if shape.kind == "reasons":
            return self.reasons(shape, ranked, t)
        if shape.kind == "reaction":
            marked = [c for c in ranked if REACTED.search(c.text)]
            return self.draft(shape, self.diverse(marked or list(ranked), t, 2), ranked, t)
        if shape.kind == "list":
            return self.draft(shape, self.diverse(ranked, t, MAX_ITEMS), ranked, t, layout="list")
        return self.draft(shape, self.diverse(ranked, t, 1), ranked, t)  # yes/no: the sentence that says

    def draft(self, shape: Shape, chosen: Sequence[Candidate], ranked: Sequence[Candidate], threshold: float,
              layout: str = "paragraph", reason: str = "judge_refused") -> Draft:
        """The chosen sentences as a draft, in the order chosen (an abstention when none is)."""
        best = ranked[0].probability if ranked else 0.0
        if not chosen:
            closest = (ranked[0].doc_id, ranked[0].start, ranked[0].end) if ranked else None
            return Draft(ABSTAIN_TEXT, True, (), best, tuple(ranked), threshold=threshold, shape=shape.kind,
                         reason=reason, closest=closest)
        layout = layout if len(chosen) > 1 else "sentence"
        parts = tuple(c.text for c in chosen)
        return Draft(joined(parts, layout), False, tuple((c.doc_id, c.start, c.end) for c in chosen),
                     chosen[0].probability, tuple(ranked), threshold=threshold, shape=shape.kind, layout=layout,
                     parts=parts)

    def diverse(self, ranked: Sequence[Candidate], threshold: float, most: int) -> list[Candidate]:
        """Up to ``most`` candidates at or above ``threshold``, each new (maximal marginal
        relevance on their vectors; one that restates a chosen one is left out), together within
        ``MAX_WORDS`` words after the first."""
        pool = [c for c in ranked if c.probability >= threshold]
        if len(pool) <= 1 or most == 1:
            return pool[:most]
        vectors = np.stack([vector_of(c, self.evidence) for c in pool])
        chosen = [0]
        words = len(pool[0].text.split())
        while len(chosen) < most:
            likeness = (vectors @ vectors[chosen].T).max(axis=1)
            best, best_score = None, -np.inf
            for i, c in enumerate(pool):
                if i in chosen or likeness[i] >= self.restated or words + len(c.text.split()) > MAX_WORDS:
                    continue
                score = (1 - LIKENESS) * c.probability - LIKENESS * likeness[i]
                if score > best_score:
                    best, best_score = i, score
            if best is None:
                break
            chosen.append(best)
            words += len(pool[best].text.split())
        return [pool[i] for i in chosen]

    def statement(self, shape: Shape, ranked: Sequence[Candidate], threshold: float) -> Draft | None:
        """What the named speaker said: sentences whose source is the speaker (a verb of speech,
        a heading or attribution line naming them), best first."""
        signed: dict[str, list[tuple[int, int, str]]] = {}
        spoken = []
        for c in ranked:
            doc = self.evidence.document(c.doc_id)
            if doc is None:
                continue
            if c.doc_id not in signed:
                signed[c.doc_id] = sections(doc)
            if speaks_for(shape.subject, doc, (c.start, c.end), signed[c.doc_id]):
                spoken.append(c)
        if not spoken:
            return self.draft(shape, [], ranked, threshold, reason="no_speaker") if shape.strict else None
        chosen = self.diverse(spoken, threshold, MAX_STATEMENT)
        return self.draft(shape, [q for c in chosen for q in quoted(self.evidence, c)], ranked, threshold)

    def reasons(self, shape: Shape, ranked: Sequence[Candidate], threshold: float) -> Draft:
        """The best answering sentence and, where it gives no cause itself, the sentence just after
        it that does ("That's in part because ..."); else the best one that gives a cause."""
        answering = [c for c in ranked if c.probability >= threshold]
        if not answering:
            return self.draft(shape, [], ranked, threshold)
        best = answering[0]
        if CAUSE.search(best.text):
            return self.draft(shape, [best], ranked, threshold)
        following = self.following(best)
        if following is not None:
            return self.draft(shape, [best, following], ranked, threshold)
        caused = [c for c in answering if CAUSE.search(c.text)]
        return self.draft(shape, [best, *caused[:1]], ranked, threshold)

    def following(self, best: Candidate, sentences: int = 2) -> Candidate | None:
        """The first of the ``sentences`` after ``best`` in its document that gives a cause."""
        doc = self.evidence.document(best.doc_id)
        if doc is None:
            return None
        for s, e in split_sentences(doc.text[best.end : best.end + 800], best.end)[:sentences]:
            text = doc.text[s:e]
            if CAUSE.search(text):
                return replace(best, start=s, end=e, text=text)
        return None

    def comparison(self, shape: Shape, ranked: Sequence[Candidate], threshold: float) -> Draft | None:
        """One sentence for each side compared, the best that names it (one that names it and not
        the other side first); None (a factoid) unless both sides have one."""
        if len(shape.sides) != 2:
            return None
        named = [_names(side) or set(terms(side)) for side in shape.sides]
        chosen: list[Candidate] = []
        for mine, theirs in (named, named[::-1]):
            fits = [c for c in ranked if c not in chosen and c.probability >= threshold and mine <= set(terms(c.text))]
            found = next((c for c in fits if not theirs <= set(terms(c.text))), fits[0] if fits else None)
            if found is None:
                return None
            chosen.append(found)
        return self.draft(shape, chosen, ranked, threshold, layout="list")

    def definition(self, shape: Shape, ranked: Sequence[Candidate], threshold: float) -> Draft | None:
        """The best sentence that names the term, one that defines it ("X is ...", "X, a ...")
        first; None (a factoid) when none names it."""
        term = set(terms(shape.subject))
        named = [c for c in ranked if term and term <= set(terms(c.text))]
        if not named:
            return None
        defines = re.compile(rf"\b{re.escape(shape.subject)}\b(?:\s*,\s*(?:a|an|the)\b|\s+(?:is|are|was|were|means"
                             rf"|refers\s+to|stands\s+for)\b)", re.IGNORECASE)
        defining = [c for c in named if defines.search(c.text)]
        return self.draft(shape, self.diverse(defining or named, threshold, 1), ranked, threshold)


def quoted(evidence: Evidence, tag: Candidate) -> list[Candidate]:
    """A sentence that only says who spoke ("Duke's president told the crowd."), right after a
    quotation the sentence splitter set apart, with that quotation before it; else itself."""
    doc = evidence.document(tag.doc_id)
    before = "" if doc is None else doc.text[max(0, tag.start - QUOTE_WINDOW) : tag.start].rstrip()
    if doc is None or len(tag.text.split()) > TAG_WORDS or not before.endswith(('"', "”", "'\"")):
        return [tag]
    spans = split_sentences(before, tag.start - QUOTE_WINDOW if tag.start > QUOTE_WINDOW else 0)
    if not spans:
        return [tag]
    s, e = spans[-1]
    return [replace(tag, start=s, end=e, text=doc.text[s:e]), tag]


def _names(phrase: str) -> set[str]:
    """The terms of a phrase's capitalised words ("Alibaba's spending" -> {"alibaba"})."""
    return {t for w in phrase.split() if w[:1].isupper() for t in terms(w)}
