"""An answerer's Draft -> the Answer that leaves the process: its citations verified against
the documents, a draft left without one turned into an abstention, the answering phrase kept
only inside the first verified citation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from qa.answer.citations import verify_citations, verify_phrase
from qa.answer.types import ABSTAIN_TEXT, Draft
from qa.schema import Abstention, Answer, Document, Hit


def finalize(draft: Draft, question: str, standalone: str, hits: Sequence[Hit], answerer: str, model: str,
             document: Callable[[str], Document | None], timings_ms: dict[str, float]) -> Answer:
    """The Answer of ``draft`` for ``question`` (asked as ``standalone``) over ``hits``."""
    citations = verify_citations(draft.spans, document)
    abstained = draft.abstained or not citations
    phrase = verify_phrase(draft.phrase, citations, document)
    why = None
    if abstained:
        closest = next(iter(verify_citations([(c.doc_id, c.start, c.end) for c in draft.candidates[:1]], document)),
                       None)
        reason = ("citation_unverified" if not draft.abstained else "judge_refused" if draft.candidates or hits
                  else "nothing_retrieved")
        why = Abstention(reason, round(draft.confidence, 4), draft.threshold, closest)
    return Answer(
        answer_id=uuid.uuid4().hex,
        question=question,
        standalone_question=standalone,
        answer=ABSTAIN_TEXT if abstained and not draft.abstained else draft.text,
        abstained=abstained,
        citations=citations if not abstained else (),
        hits=tuple(hits),
        answerer=answerer,
        model=model,
        confidence=round(draft.confidence, 4),
        timings_ms=timings_ms,
        unsupported=draft.unsupported,
        conflict=draft.conflict and not abstained,
        phrase=None if abstained else phrase,
        abstention=why,
    )
