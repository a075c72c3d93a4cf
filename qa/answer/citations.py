"""Spans of source documents -> Citations, verified before they leave the process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from qa.core.schema import Citation, Document
from qa.core.text import page_of

log = logging.getLogger(__name__)


def verify_citations(
    spans: Iterable[tuple[str, int, int]], document: Callable[[str], Document | None]
) -> tuple[Citation, ...]:
    """Turn ``(doc_id, start, end)`` spans into Citations whose quote is the source text.

    A span that names an unknown document, falls outside its text or is empty is dropped
    (and logged): a citation that does not match the source is never emitted.

    Args:
        spans: candidate spans, in the order they should be cited.
        document: looks a document up by id.

    Returns:
        The verified citations, duplicates removed.
    """
    out: list[Citation] = []
    seen: set[tuple[str, int, int]] = set()
    for doc_id, start, end in spans:
        if (doc_id, start, end) in seen:
            continue
        seen.add((doc_id, start, end))
        doc = document(doc_id)
        if doc is None or not (0 <= start < end <= len(doc.text)):
            log.error("dropped citation outside its source: %s [%s, %s)", doc_id, start, end)
            continue
        quote = doc.text[start:end]
        if not quote.strip():
            continue
        citation = Citation(doc_id, doc.title, start, end, quote, page_of(doc.pages, start))
        assert doc.text[citation.start : citation.end] == citation.quote
        out.append(citation)
    return tuple(out)


def verify_phrase(
    span: tuple[str, int, int] | None, citations: tuple[Citation, ...], document: Callable[[str], Document | None]
) -> Citation | None:
    """The answering phrase as a verified Citation, if it lies inside the first citation."""
    if span is None or not citations:
        return None
    found = verify_citations([span], document)
    first = citations[0]
    if found and found[0].doc_id == first.doc_id and first.start <= found[0].start and found[0].end <= first.end:
        return found[0]
    return None
