"""Server mode: the same pipeline over a real Chroma server (chromadb.HttpClient) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.core.config import Settings
from qa.pipeline import Pipeline
from tests.servers import start_chroma, stop_process

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_port(tmp_path: Path) -> Iterator[int]:
    process, port = start_chroma(tmp_path / "chroma")
    yield port
    stop_process(process)


def test_index_and_retrieve_over_a_chroma_server(corpus: Path, chroma_port: int, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(corpus_dir=corpus, chroma_host="127.0.0.1", chroma_port=chroma_port)
    pipeline = Pipeline.from_settings(settings, real_embedder)
    report = pipeline.index()
    assert report.added == 1 and report.chunks_total > 5
    assert pipeline.index().chunks_written == 0
    hits = pipeline.retrieve("Who co-founded Alibaba?", 3)
    doc = pipeline.get_document(hits[0].chunk.doc_id)
    assert all(doc.text[h.chunk.start : h.chunk.end] == h.chunk.text for h in hits)
    answer = pipeline.ask("Which Citigroup analyst commented on the investment?")
    assert all(doc.text[c.start : c.end] == c.quote for c in answer.citations)
    pipeline.close()
    # a second client (another process in real life) sees the same index
    again = Pipeline.from_settings(settings, real_embedder)
    assert again.health().chunks == report.chunks_total
    again.close()


def test_embedded_and_server_backends_give_the_same_answers_on_the_dev_set(
        tmp_path: Path, corpus: Path, chroma_port: int, real_embedder) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.support import DEV_QA

    questions = [json.loads(line)["question"] for line in DEV_QA.read_text(encoding="utf-8").splitlines() if line]
    answers = []
    for settings in (Settings(corpus_dir=corpus, index_dir=tmp_path / "embedded"),
                     Settings(corpus_dir=corpus, chroma_host="127.0.0.1", chroma_port=chroma_port)):
        pipeline = Pipeline.from_settings(settings, real_embedder)
        pipeline.index()
        answers.append([(a.answer, a.abstained, [(c.doc_id, c.start, c.end) for c in a.citations])
                        for a in map(pipeline.ask, questions)])
        pipeline.close()
    embedded, server = answers
    assert embedded == server
