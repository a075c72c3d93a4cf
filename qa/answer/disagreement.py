"""When sources disagree: a sentence of another document that answers the question with another
value than the chosen one (a person, a firm, a place, a date, a figure, a role), or that copies
the chosen sentence with a name or figure changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.answer.checks import claims, figures, names
from qa.answer.types import Candidate, Evidence, vector_of
from qa.core.text import terms

Phrase = Callable[[str, str, str], "tuple[int, int] | None"]  # question, title, sentence -> the answering span
RIVAL_SHARE = 0.5  # of the threshold: the probability from which another document's sentence may disagree


def copied(a: str, b: str) -> float:
    """The share of the shorter sentence's terms that the other holds (1.0: one copies the other)."""
    mine, theirs = set(terms(a)), set(terms(b))
    return len(mine & theirs) / min(len(mine), len(theirs)) if mine and theirs else 0.0


def rival(question: str, ranked: Sequence[Candidate], evidence: Evidence, phrase: Phrase, threshold: float,
          restated: float) -> Candidate | None:
    """A sentence of another document that answers the question with another value than the
    best sentence: the sources disagree, whatever the kind of value (a person, a firm, a
    place, a date, a figure, a role).

    - A sentence that restates the best one (MiniLM cosine, or the share of the shorter
      one's terms the other holds, at least ``restated``) and states
      other figures or names than it does, each holding one the other lacks, disagrees
      whether or not the judge finds that it answers: a copy of a sentence with one name or
      figure changed is a disagreement, not a confirmation.
    - Else a sentence that answers (at least ``RIVAL_SHARE`` of the threshold: a source
      that disagrees is shown even where the judge is less sure of it) about the same
      subject (its document names every name of the question the best sentence names)
      disagrees when both state figures and none in common, or when the words that answer
      in each (the judge's span head) share no term (where it finds none: when both state
      names and none in common)."""
    best = ranked[0]
    subject = {n for n in names(question) if n in best.text.lower()}
    mine_vector = vector_of(best, evidence)
    stated = claims(best.text, "")
    mine_phrase: set[str] | None = None
    for other in ranked[1:]:
        if other.doc_id == best.doc_id:
            continue
        theirs_vector = vector_of(other, evidence)
        if float(theirs_vector @ mine_vector) >= restated or copied(best.text, other.text) >= restated:
            theirs_stated = claims(other.text, "")
            if stated - theirs_stated and theirs_stated - stated:
                return other
            continue
        if other.probability < threshold * RIVAL_SHARE:
            continue
        doc = evidence.document(other.doc_id)
        told = other.text.lower() if doc is None else doc.text.lower()
        if not all(n in told for n in subject):
            continue
        mine, theirs = claims(best.text, question), claims(other.text, question)
        if figures(mine) and figures(theirs):
            if not figures(mine) & figures(theirs):
                return other
            continue
        mine_phrase = answering_terms(phrase, question, best) if mine_phrase is None else mine_phrase
        their_phrase = answering_terms(phrase, question, other)
        if mine_phrase and their_phrase:
            if not mine_phrase & their_phrase:
                return other
        elif mine and theirs and not mine & theirs:  # no answering words found: the names they state
            return other
    return None

def answering_terms(phrase: Phrase, question: str, candidate: Candidate) -> set[str]:
    """The terms of the words in a sentence that answer the question (the judge's span head)
    that the question does not hold."""
    found = phrase(question, candidate.title, candidate.text)
    if found is None:
        return set()
    return set(terms(candidate.text[found[0] : found[1]])) - set(terms(question))
