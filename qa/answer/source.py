"""The source shape: who wrote, published or contributed to a document, and when, from the
credit lines ingestion read (qa/corpus/ingest.py), each value cited where its line says it."""

from __future__ import annotations

from collections.abc import Sequence

from qa.answer.overview import in_scope
from qa.answer.types import ABSTAIN_TEXT, Draft, Evidence, joined
from qa.core.news import CREDITS, content_segments
from qa.core.schema import Document, Hit
from qa.core.text import split_sentences

LABELS = {"authors": "Written by", "source": "Published by", "contributors": "With assistance from",
          "date": "Dated"}
# what stands in for a credit the document does not state: who else it credits
INSTEAD = {"authors": ("source", "contributors"), "source": ("authors",), "contributors": ("authors",),
           "date": ()}


def credit_span(document: Document, key: str) -> tuple[int, int] | None:
    """Where the text states its ``key`` credit: the value inside its line (or sentence)."""
    pattern = CREDITS[key]
    # a line of its own, or, in a story that comes as one paragraph, a sentence of its own
    for s, e in [*content_segments(document.text), *split_sentences(document.text)]:
        if (m := pattern.match(document.text[s:e])) is not None:
            group = "value" if m.groupdict().get("value") else "by"
            start, end = s + m.start(group), s + m.end(group)
            while end > start and document.text[end - 1] in " .":
                end -= 1
            return start, end
    return None


def compose_source(asks: tuple[str, ...], hits: Sequence[Hit], evidence: Evidence, title: str = "") -> Draft:
    """The credits ``asks`` names (or, where the document states none of them, the others it
    states) of the best document in scope (or the one ``title`` names)."""
    documents = in_scope(hits, evidence, title)
    if not documents:
        return Draft(ABSTAIN_TEXT, True, (), 0.0, shape="source", reason="nothing_retrieved")
    doc = documents[0]
    found = {key: span for key in LABELS if (span := credit_span(doc, key)) is not None}
    keys = [k for k in asks if k in found] or [k for a in asks for k in INSTEAD.get(a, ()) if k in found]
    if not keys:
        return Draft(ABSTAIN_TEXT, True, (), 0.0, shape="source", reason="no_credits")
    keys = list(dict.fromkeys(keys))
    spans = tuple((doc.doc_id, *found[k]) for k in keys)
    parts = tuple(f"{LABELS[k]}: {doc.text[slice(*found[k])]}" for k in keys)
    layout = "list" if len(parts) > 1 else "sentence"
    return Draft(joined(parts, layout), False, spans, 1.0, shape="source", layout=layout, parts=parts)
