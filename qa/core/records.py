"""Our records as plain dicts, as they leave the process: the one serialiser of the core types
that the wire contract (``qa/edges/contract.py``) declares as models and the answer log writes
as feedback.jsonl lines."""

from __future__ import annotations

from typing import Any

from qa.core.schema import Answer, Citation, Feedback, Hit, Provenance


def passage_record(hit: Hit) -> dict[str, Any]:
    """A retrieved hit as it leaves the process (a ``Passage``)."""
    c = hit.chunk
    return {
        "text": c.text,
        "doc_id": c.doc_id,
        "title": c.title,
        "start": c.start,
        "end": c.end,
        "score": hit.score,
        "chunk_id": c.chunk_id,
        "dense_score": None if hit.dense_score is None else round(hit.dense_score, 4),
        "bm25_score": None if hit.bm25_score is None else round(hit.bm25_score, 4),
    }


def citation_record(citation: Citation) -> dict[str, Any]:
    return {"doc_id": citation.doc_id, "title": citation.title, "start": citation.start, "end": citation.end,
            "quote": citation.quote, "page": citation.page}


def answer_record(answer: Answer) -> dict[str, Any]:
    """An answer as it leaves the process (an ``AskResponse``)."""
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "conflict": answer.conflict,
        "citations": [citation_record(c) for c in answer.citations],
        "passages": [passage_record(h) for h in answer.hits],
        "standalone_question": answer.standalone_question,
        "answer_id": answer.answer_id,
        "answer_phrase": None if answer.phrase is None else citation_record(answer.phrase),
        "confidence": answer.confidence,
        "answerer": answer.answerer,
        "abstention": None if answer.abstention is None else {
            "reason": answer.abstention.reason, "probability": answer.abstention.probability,
            "threshold": answer.abstention.threshold,
            "closest": None if answer.abstention.closest is None else citation_record(answer.abstention.closest)},
        "shape": answer.shape,
        "layout": answer.layout,
        "parts": list(answer.parts),
        "timings_ms": answer.timings_ms,
    }


def feedback_record(feedback: Feedback) -> dict[str, Any]:
    return {"rating": feedback.rating, "comment": feedback.comment, "at": feedback.at}


def provenance_record(provenance: Provenance) -> dict[str, Any]:
    """An answer's provenance record as it leaves the process (also each line of
    feedback.jsonl): the answer as served, with the question, the answerer's and embedding
    model's ids, what a grounding gate removed, when, and the user's feedback if given."""
    answer = provenance.answer
    record = {**answer_record(answer), "question": answer.question, "model": answer.model,
              "embedding_model": provenance.embedding_model,
              "removed_by_grounding_gate": list(answer.unsupported), "created": provenance.created}
    if provenance.feedback is not None:
        record["feedback"] = feedback_record(provenance.feedback)
    return record
