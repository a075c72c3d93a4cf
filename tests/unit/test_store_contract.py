"""The store seam (issue 38): what retrieval, the catalog, the indexer and the lexical sync need
of a store (qa/index/types.py VectorStore), checked on Chroma's embedded store and on the
in-memory store of tests/fakes.py alike. A new store passes these, and is wired in one line of
the composition root (qa/pipeline/__init__.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.core.schema import EmbeddedDocument
from qa.corpus.ingest import document_from_text
from qa.index.chroma.store import embedded_store
from qa.index.chunking import chunk_document
from qa.index.types import VectorStore, sentence_id
from tests.fakes import HashEmbedder, MemoryStore
from tests.support import CHUNKING

TEXTS = {
    "rivers.txt": "The Quillon river floods every spring. Its delta feeds three towns. Fishing boats leave at dawn.",
    "hills.txt": "The Varn hills are covered in heather. Shepherds move flocks there in June. Snow closes the pass.",
}
EMBEDDER = HashEmbedder()


def embedded(doc_id: str, text: str) -> EmbeddedDocument:
    document = document_from_text(doc_id, text, doc_id.removesuffix(".txt").title(), f"sha-{hash(text)}")
    chunks = chunk_document(document, *CHUNKING)
    spans = sorted({s for c in chunks for s in c.sentences})
    document = replace(document, summary=tuple(spans[:1]))
    return EmbeddedDocument(document, chunks, EMBEDDER.embed([c.text for c in chunks]), spans,
                            EMBEDDER.embed([text[s:e] for s, e in spans]))


@pytest.fixture(params=["chroma", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    made: VectorStore = (embedded_store(tmp_path / "index", "qa", "contract") if request.param == "chroma"
                         else MemoryStore())
    yield made
    made.close()


def filled(store: VectorStore) -> dict[str, EmbeddedDocument]:
    batch = {d: embedded(d, t) for d, t in TEXTS.items()}
    store.write_documents(list(batch.values()), set())
    return batch


def test_written_documents_are_listed_read_and_counted(store: VectorStore) -> None:
    batch = filled(store)
    assert store.manifest() == {d: e.document.sha256 for d, e in batch.items()}
    listed = store.documents()
    assert [d.doc_id for d in listed] == sorted(TEXTS)
    assert all(d.chunks == len(batch[d.doc_id].chunks) and d.size == len(TEXTS[d.doc_id]) for d in listed)
    assert all(c.quote == TEXTS[c.doc_id][c.start:c.end] for d in listed for c in d.summary)
    got = store.document("rivers.txt")
    assert got is not None and got.text == TEXTS["rivers.txt"] and got.title == "Rivers"
    assert store.document("nowhere.txt") is None
    chunks = sum(len(e.chunks) for e in batch.values())
    assert store.count() == (2, chunks) and store.document_count() == 2
    assert store.sentence_count() == sum(len(e.sentences) for e in batch.values())
    assert store.incomplete_documents() == [] and not store.stale


def test_chunks_are_read_whole_by_document_and_by_id(store: VectorStore) -> None:
    batch = filled(store)
    everything = {c.chunk_id: c for c in store.chunks()}
    assert set(everything) == {c.chunk_id for e in batch.values() for c in e.chunks}
    for chunk in everything.values():  # offsets verified at this hop too
        assert TEXTS[chunk.doc_id][chunk.start:chunk.end] == chunk.text and chunk.sentences
    assert {c.doc_id for c in store.chunks(["hills.txt"])} == {"hills.txt"}
    some = list(everything)[:1]
    assert list(store.chunks_by_id([*some, "missing"])) == some


def test_the_nearest_chunks_come_first_and_stay_in_scope(store: VectorStore) -> None:
    filled(store)
    vector = EMBEDDER.embed(["Shepherds move flocks in the hills"])[0]
    found = store.query(vector, 5)
    best = store.chunks_by_id([found[0][0]])[found[0][0]]
    assert best.doc_id == "hills.txt" and found == sorted(found, key=lambda x: -x[1])
    assert all(store.chunks_by_id([i])[i].doc_id == "rivers.txt"
               for i, _ in store.query(vector, 5, frozenset({"rivers.txt"})))
    assert store.query(vector, 5, frozenset()) == []


def test_sentence_vectors_are_stored_by_id(store: VectorStore) -> None:
    batch = filled(store)
    e = batch["rivers.txt"]
    ids = [sentence_id("rivers.txt", s, t) for s, t in e.sentences]
    got = store.sentence_vectors([*ids, "rivers.txt@0-1"])
    assert list(got) == ids
    assert all(np.allclose(got[i], v, atol=1e-6) for i, v in zip(ids, e.sentence_vectors))
    assert {i for i, _ in store.all_sentence_vectors()} >= set(ids)


def test_a_new_version_replaces_the_old_and_a_delete_leaves_nothing(store: VectorStore) -> None:
    filled(store)
    changed = embedded("rivers.txt", "The Quillon river froze this winter. Nobody fished.")
    store.write_documents([changed], {"rivers.txt"})
    assert {c.text for c in store.chunks(["rivers.txt"])} == {c.text for c in changed.chunks}
    assert store.manifest()["rivers.txt"] == changed.document.sha256
    store.delete_documents(["rivers.txt"])
    assert "rivers.txt" not in store.manifest() and list(store.chunks(["rivers.txt"])) == []
    assert not any(i.startswith("rivers.txt@") for i, _ in store.all_sentence_vectors())
    assert store.incomplete_documents() == [] and store.count()[0] == 1


def test_the_pipeline_runs_on_another_store(tmp_path: Path) -> None:
    """Swapping the store is one argument: indexing, listing and retrieval over the in-memory store."""
    from qa.core.config import Settings
    from qa.pipeline import Pipeline
    from tests.support import make_corpus

    corpus = make_corpus(tmp_path, TEXTS)
    pipeline = Pipeline(Settings(index_dir=tmp_path / "index", corpus_dir=corpus), EMBEDDER, MemoryStore())
    try:
        report = pipeline.index()
        assert report.chunks_written > 0 and {d.doc_id for d in pipeline.documents()} >= set(TEXTS)
        hits = pipeline.retrieve("When do shepherds move their flocks?", k=2, documents=["hills.txt"])
        assert hits and hits[0].chunk.doc_id == "hills.txt" and "June" in hits[0].chunk.text
    finally:
        pipeline.close()
