"""An answerer's Draft -> the Answer that leaves the process: its citations verified against
the documents (a part whose span fails is dropped with it), a draft left without one turned
into an abstention, the answering phrase kept only inside the first verified citation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

from qa.answer.citations import verify_citations, verify_phrase
from qa.answer.types import ABSTAIN_TEXT, Draft, joined
from qa.core.schema import Abstention, Answer, Citation, Document, Hit


def verified_parts(draft: Draft, document: Callable[[str], Document | None]) -> tuple[tuple[Citation, ...],
                                                                                       tuple[str, ...]]:
    """The draft's spans that match their source, each with its part's text (its quote where
    the draft gives none), in order, a span cited once."""
    citations: list[Citation] = []
    parts: list[str] = []
    seen: set[tuple[str, int, int]] = set()
    for i, span in enumerate(draft.spans):
        if span in seen:
            continue
        seen.add(span)
        found = verify_citations([span], document)
        if found:
            citations.append(found[0])
            parts.append(draft.parts[i] if draft.parts and i < len(draft.parts) else found[0].quote)
    return tuple(citations), tuple(parts)


def finalize(draft: Draft, question: str, standalone: str, hits: Sequence[Hit], answerer: str, model: str,
             document: Callable[[str], Document | None], timings_ms: dict[str, float]) -> Answer:
    """The Answer of ``draft`` for ``question`` (asked as ``standalone``) over ``hits``."""
    citations, parts = verified_parts(draft, document)
    abstained = draft.abstained or not citations
    phrase = verify_phrase(draft.phrase, citations, document)
    why = None
    if abstained:
        closest_span = draft.closest or next(((c.doc_id, c.start, c.end) for c in draft.candidates[:1]), None)
        closest = next(iter(verify_citations([closest_span] if closest_span else [], document)), None)
        reason = ("citation_unverified" if not draft.abstained else draft.reason if draft.reason
                  else "judge_refused" if draft.candidates or hits else "nothing_retrieved")
        why = Abstention(reason, round(draft.confidence, 4), draft.threshold, closest)
    text = draft.text
    if draft.parts and not abstained and len(parts) != len(draft.parts):
        text = joined(parts, draft.layout)  # a part whose citation failed is not shown either
    return Answer(
        answer_id=uuid.uuid4().hex,
        question=question,
        standalone_question=standalone,
        answer=ABSTAIN_TEXT if abstained and not draft.abstained else text,
        abstained=abstained,
        citations=citations if not abstained else (),
        hits=tuple(replace(h, vectors=None) for h in hits),  # kept answers need no vectors
        answerer=answerer,
        model=model,
        confidence=round(draft.confidence, 4),
        timings_ms=timings_ms,
        unsupported=draft.unsupported,
        conflict=draft.conflict and not abstained,
        phrase=None if abstained else phrase,
        abstention=why,
        shape=draft.shape,
        layout=draft.layout if not abstained else "sentence",
        parts=parts if not abstained else (),
    )
