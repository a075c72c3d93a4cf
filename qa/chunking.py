"""Document -> Chunks with verified [start, end) offsets into the original text."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .schema import Chunk, Document

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


def chunk_document(document: Document, chunk_size: int = 450, chunk_overlap: int = 120) -> list[Chunk]:
    """Split a document's content into passages small enough to cite precisely.

    Args:
        document: the document; only its ``segments`` are chunked.
        chunk_size: target size in characters (LangChain's RecursiveCharacterTextSplitter).
        chunk_overlap: characters shared by neighbouring chunks of one block.

    Returns:
        Chunks in document order, each with ``document.text[start:end] == chunk.text``.

    Raises:
        OffsetError: a chunk's offsets do not reproduce its text.
    """
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    seen: set[tuple[int, int]] = set()
    for block_start, block_end in blocks(document, chunk_size):
        block = document.text[block_start:block_end]
        pieces = [block] if len(block) <= chunk_size else splitter.split_text(block)
        cursor = 0
        for piece in pieces:
            local = block.find(piece, cursor)
            if local < 0:
                local = block.find(piece)
            if local < 0:
                raise OffsetError(f"{document.doc_id}: chunk not found in its block: {piece[:60]!r}")
            cursor = local + 1
            start, end = block_start + local, block_start + local + len(piece)
            if (start, end) in seen:
                continue
            seen.add((start, end))
            chunks.append(
                Chunk(chunk_id(document.doc_id, start, end), document.doc_id, document.title,
                      start, end, piece)
            )
    verify_offsets(document, chunks)
    return chunks


def verify_offsets(document: Document, chunks: list[Chunk]) -> None:
    """Assert every chunk is exactly the original text at its offsets.

    Raises:
        OffsetError: naming the first chunk that is not.
    """
    for c in chunks:
        if document.text[c.start : c.end] != c.text:
            raise OffsetError(f"{c.chunk_id}: offsets do not reproduce the chunk text")
