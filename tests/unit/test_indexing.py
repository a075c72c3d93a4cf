"""Incremental, idempotent indexing over real Chroma (hashed embedder for speed)."""

from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import CorpusError, IndexLocked
from qa.pipeline import Pipeline
from qa.store import ChromaStore
from tests.fakes import HashEmbedder


class OtherEmbedder(HashEmbedder):
    model_id = "hash-embedder:2"


def open_pipeline(tmp_path: Path, corpus: Path, embedder=None) -> Pipeline:
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    return Pipeline.from_settings(settings, embedder or HashEmbedder())


def test_second_run_writes_nothing(tmp_path: Path, corpus: Path) -> None:
    p = open_pipeline(tmp_path, corpus)
    first = p.index()
    assert (first.added, first.chunks_written) == (1, first.chunks_total)
    second = p.index()
    assert (second.added, second.updated, second.unchanged, second.chunks_written) == (0, 0, 1, 0)
    p.close()


def test_changed_document_replaces_its_chunks_and_removed_one_is_deleted(tmp_path: Path, corpus: Path) -> None:
    (corpus / "b.txt").write_text("Zebras graze on the savanna near the river.\n", encoding="utf-8")
    p = open_pipeline(tmp_path, corpus)
    p.index()
    (corpus / "b.txt").write_text("Penguins swim in the cold southern ocean.\n", encoding="utf-8")
    report = p.index()
    assert (report.updated, report.unchanged) == (1, 1)
    texts = [c.text for c in p.store.chunks()]
    assert any("Penguins" in t for t in texts) and not any("Zebras" in t for t in texts)
    (corpus / "b.txt").unlink()
    report = p.index()
    assert report.removed == 1 and report.documents_total == 1
    assert not any(c.doc_id == "b.txt" for c in p.store.chunks())
    assert p.retrieve("penguins ocean", 3)[0].chunk.doc_id != "b.txt"
    p.close()


def test_the_index_survives_a_restart(tmp_path: Path, corpus: Path) -> None:
    p = open_pipeline(tmp_path, corpus)
    chunks = p.index().chunks_total
    p.close()
    p = open_pipeline(tmp_path, corpus)
    assert p.health()["chunks"] == chunks
    assert p.index().chunks_written == 0
    p.close()


def test_a_new_embedding_model_re_embeds_everything(tmp_path: Path, corpus: Path) -> None:
    p = open_pipeline(tmp_path, corpus)
    total = p.index().chunks_total
    p.close()
    p = open_pipeline(tmp_path, corpus, OtherEmbedder())
    assert p.store.model_changed
    report = p.index()
    assert report.chunks_written == total and report.added == 1
    p.close()


def test_new_chunk_settings_rebuild_the_index(tmp_path: Path, corpus: Path) -> None:
    p = open_pipeline(tmp_path, corpus)
    p.index()
    p.close()
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, chunk_size=300, chunk_overlap=60)
    p = Pipeline.from_settings(settings, HashEmbedder())
    assert p.store.model_changed
    report = p.index()
    assert report.added == 1 and report.chunks_written == report.chunks_total
    p.close()


def test_a_second_process_cannot_open_the_same_index(tmp_path: Path, corpus: Path) -> None:
    p = open_pipeline(tmp_path, corpus)
    with pytest.raises(IndexLocked, match="in use by another qa process"):
        ChromaStore.embedded(tmp_path / "index", "qa", p.store.signature)
    p.close()


def test_a_corpus_with_nothing_readable_is_an_error_and_the_index_is_kept(tmp_path: Path, corpus: Path) -> None:
    p = open_pipeline(tmp_path, corpus)
    p.index()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CorpusError, match="bad.txt"):
        p.index(empty)
    assert p.health()["documents"] == 1
    p.close()
