"""The overview shape: what the documents in scope say, from the summaries made when each was
indexed (qa/index/summaries.py); one document as a paragraph, several as one line each (its
lede), best first."""

from __future__ import annotations

from collections.abc import Sequence

from qa.answer.types import ABSTAIN_TEXT, Draft, Evidence, joined
from qa.core.schema import Document, Hit

MAX_DOCUMENTS = 5  # lines of an overview of several documents


def in_scope(hits: Sequence[Hit], evidence: Evidence, title: str = "") -> list[Document]:
    """The documents the passages come from, best first (each once); where ``title`` names one
    of them (a title the question quotes), that one alone."""
    out: list[Document] = []
    for doc_id in dict.fromkeys(h.chunk.doc_id for h in hits):
        doc = evidence.document(doc_id)
        if doc is not None:
            out.append(doc)
    named = [d for d in out if title and d.title.casefold() == title.casefold()]
    return named or out


def compose_overview(hits: Sequence[Hit], evidence: Evidence, title: str = "") -> Draft:
    """The summary of the one document in scope (or the one ``title`` names), or the lede of
    each of several."""
    documents = [d for d in in_scope(hits, evidence, title) if d.summary][:MAX_DOCUMENTS]
    if not documents:
        return Draft(ABSTAIN_TEXT, True, (), 0.0, shape="overview",
                     reason="nothing_retrieved" if not hits else "no_summary")
    if len(documents) == 1:
        doc = documents[0]
        spans = tuple((doc.doc_id, s, e) for s, e in doc.summary)
        parts = tuple(doc.text[s:e] for s, e in doc.summary)
        return Draft(joined(parts, "paragraph"), False, spans, 1.0, shape="overview", layout="paragraph",
                     parts=parts)
    spans = tuple((d.doc_id, *d.summary[0]) for d in documents)
    parts = tuple(f"{d.title}: {d.text[slice(*d.summary[0])]}" for d in documents)
    return Draft(joined(parts, "list"), False, spans, 1.0, shape="overview", layout="list", parts=parts)
