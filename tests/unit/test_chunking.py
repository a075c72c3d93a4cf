import statistics
from pathlib import Path

import pytest

from qa.core.schema import Chunk, Document
from qa.corpus.ingest import load_document
from qa.index.chunking import OffsetError, chunk_document, verify_offsets
from tests.support import ARTICLE, CHUNKING


@pytest.fixture
def article() -> Document:
    return load_document(ARTICLE, ARTICLE.parent)


def test_every_chunk_is_the_original_text_at_its_offsets(article: Document) -> None:
    chunks = chunk_document(article, *CHUNKING)
    assert chunks
    for c in chunks:
        assert article.text[c.start : c.end] == c.text
        assert c.doc_id == article.doc_id


def test_chunks_are_small_enough_to_cite(article: Document) -> None:
    words = [len(c.text.split()) for c in chunk_document(article, *CHUNKING)]
    assert statistics.median(words) <= 100
    assert max(words) <= 180  # MiniLM reads about 180 words


def test_chunk_ids_are_stable_across_runs(article: Document) -> None:
    first = [c.chunk_id for c in chunk_document(article, *CHUNKING)]
    assert first == [c.chunk_id for c in chunk_document(article, *CHUNKING)]
    assert len(set(first)) == len(first)


def test_boilerplate_never_lands_in_a_chunk(article: Document) -> None:
    text = " ".join(c.text for c in chunk_document(article, *CHUNKING))
    assert "Most Read from Bloomberg" not in text
    assert "Story Continues" not in text


def test_long_paragraph_splits_with_overlap_and_exact_offsets(tmp_path: Path) -> None:
    sentences = " ".join(f"Sentence number {i} talks about topic {i} at some length here." for i in range(40))
    path = tmp_path / "long.txt"
    path.write_text("Title line\n\n" + sentences + "\n", encoding="utf-8")
    doc = load_document(path, tmp_path)
    chunks = chunk_document(doc, chunk_size=300, chunk_overlap=80)
    assert len(chunks) > 5
    assert all(len(c.text) <= 300 for c in chunks)
    assert any(a.end > b.start for a, b in zip(chunks, chunks[1:]))  # overlap


def test_verify_offsets_catches_a_wrong_chunk(article: Document) -> None:
    bad = Chunk("x", article.doc_id, article.title, 0, 10, "not it")
    with pytest.raises(OffsetError):
        verify_offsets(article, [bad])
