"""Sentence spans with exact offsets into a document's original text."""

from __future__ import annotations

import re

import pysbd

_segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
_STARTS_MID_SENTENCE = re.compile(r"^\W*[a-z]|^[’'](?:s|re|ve|ll|d)\b")


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``, shifted by ``offset``, whitespace trimmed.

    pysbd does the splitting; a piece that starts in lower case or with a possessive
    ("Nvidia Corp.’s ...", "Holding Ltd. pledged ...") is joined back to the one before it.
    """
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _segmenter.segment(text):
        start = text.find(piece.sent, cursor) if text[piece.start : piece.end] != piece.sent else piece.start
        if start < 0:
            continue
        end = start + len(piece.sent)
        cursor = end
        body = text[start:end]
        start += len(body) - len(body.lstrip())
        end -= len(body) - len(body.rstrip())
        if end <= start:
            continue
        if spans and _STARTS_MID_SENTENCE.match(text[start:end]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [(s + offset, e + offset) for s, e in spans]
