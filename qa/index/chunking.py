"""Document -> Chunks with verified [start, end) offsets into the original text."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from qa.core.schema import Chunk, Document
from qa.core.text import split_sentences

SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ": ", ", ", " ", ""]


class OffsetError(AssertionError):
    """A chunk's text differs from the original text at its offsets (a bug, never data)."""


def chunk_id(doc_id: str, start: int, end: int) -> str:
    """Deterministic id: the same span of the same document always gets the same id."""
    return f"{doc_id}#{start}-{end}"


def blocks(document: Document, chunk_size: int) -> list[tuple[int, int]]:
    """Join short neighbouring segments (headings, one-line paragraphs) into blocks.

    Segments are joined only across whitespace, never across a boilerplate line.
    """
    merged: list[tuple[int, int]] = []
    for start, end in document.segments:
        if merged:
            prev_start, prev_end = merged[-1]
            gap_is_space = not document.text[prev_end:start].strip()
            if (
                gap_is_space
                and prev_end - prev_start < chunk_size // 3
                and end - prev_start <= chunk_size * 6 // 5
            ):
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    return merged


def chunk_document(document: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Split a document's content into passages small enough to cite precisely.

    Passages are runs of whole sentences (pysbd) packed up to ``chunk_size`` characters
    within a paragraph; the next passage starts with as many of the previous passage's
    last sentences as fit in ``chunk_overlap``, so a sentence is never cut off from its
    neighbour. A sentence longer than ``chunk_size`` is split by LangChain's
    RecursiveCharacterTextSplitter.

    Args:
        document: the document; only its ``segments`` are chunked.
        chunk_size: target size in characters.
        chunk_overlap: characters of sentences shared by neighbouring passages.

    Returns:
        Chunks in document order, each with ``document.text[start:end] == chunk.text``.

    Raises:
        OffsetError: a chunk's offsets do not reproduce its text.
    """
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    windows: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {}
    for block_start, block_end in blocks(document, chunk_size):
        units: list[tuple[int, int]] = []
        for s, e in split_sentences(document.text[block_start:block_end], block_start):
            if e - s <= chunk_size:
                units.append((s, e))
            else:
                units.extend(_split_long(document.text, s, e, splitter))
        for i, j in pack(units, chunk_size, chunk_overlap):
            windows.setdefault((units[i][0], units[j - 1][1]), tuple(units[i:j]))
    chunks = [
        Chunk(chunk_id(document.doc_id, s, e), document.doc_id, document.title, s, e,
              document.text[s:e], sentences)
        for (s, e), sentences in windows.items()
    ]
    verify_offsets(document, chunks)
    return chunks


def pack(units: list[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive (start, end) units into windows of at most ``size`` characters.

    Each window after the first begins with the trailing units of the one before that fit
    in ``overlap`` characters (never all of them, so windows always advance).

    Returns:
        ``(i, j)`` pairs: a window holds ``units[i:j]``.
    """
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units) and units[j][1] - units[i][0] <= size:
            j += 1
        windows.append((i, j))
        if j >= len(units):
            break
        back = j
        while back - 1 > i and units[j - 1][1] - units[back - 1][0] <= overlap:
            back -= 1
        i = back
    return windows


def _split_long(
    text: str, start: int, end: int, splitter: RecursiveCharacterTextSplitter
) -> list[tuple[int, int]]:
    """Offsets of the pieces LangChain's splitter cuts a too-long sentence into."""
    out, cursor, sentence = [], 0, text[start:end]
    for piece in splitter.split_text(sentence):
        local = sentence.find(piece, cursor)
        if local < 0:
            raise OffsetError(f"splitter piece not found in its sentence: {piece[:60]!r}")
        cursor = local + 1
        out.append((start + local, start + local + len(piece)))
    return out


def verify_offsets(document: Document, chunks: list[Chunk]) -> None:
    """Assert every chunk is exactly the original text at its offsets.

    Raises:
        OffsetError: naming the first chunk that is not.
    """
    for c in chunks:
        if document.text[c.start : c.end] != c.text:
            raise OffsetError(f"{c.chunk_id}: offsets do not reproduce the chunk text")
        if any(not (c.start <= s < e <= c.end) for s, e in c.sentences):
            raise OffsetError(f"{c.chunk_id}: a sentence span lies outside the chunk")
