"""The article beside planted documents that contradict it, ask it questions, or copy its
questions: on the real model, the real judge and real Chroma."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qa.core.config import Settings
from qa.pipeline import Pipeline
from tests.support import make_corpus

pytestmark = pytest.mark.integration

PLANTED = {
    "rumours.txt": "Alibaba Group was co-founded by Elon Musk, according to a rumour on a forum.\n",
    "faq.txt": "Frequently asked questions about Alibaba.\n\nWho co-founded Alibaba?\n\n"
               "How far did Alibaba's Hong Kong shares fall on Monday?\n",
}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("sources")
    p = Pipeline.from_settings(Settings(index_dir=root / "index", corpus_dir=make_corpus(root, PLANTED)))
    p.index()
    yield p
    p.close()


def test_a_contradicting_document_is_cited_beside_the_article(pipeline: Pipeline) -> None:
    answer = pipeline.ask("Who co-founded Alibaba?", k=6)
    assert not answer.abstained and answer.conflict
    assert "disagree" in answer.answer and "Jack Ma" in answer.answer and "Elon Musk" in answer.answer
    assert {c.doc_id for c in answer.citations} == {"alibaba-ai-infrastructure.txt", "rumours.txt"}
    for c in answer.citations:
        assert pipeline.get_document(c.doc_id).text[c.start : c.end] == c.quote


def test_a_question_in_a_document_is_never_the_answer(pipeline: Pipeline) -> None:
    answer = pipeline.ask("How far did Alibaba's Hong Kong shares fall on Monday?", k=6)
    assert "?" not in answer.answer
    assert not answer.abstained and "3%" in answer.answer
    assert all(c.doc_id != "faq.txt" for c in answer.citations)


def test_credit_lines_stay_citable_and_are_document_metadata(pipeline: Pipeline) -> None:
    doc = pipeline.get_document("alibaba-ai-infrastructure.txt")
    assert doc.metadata["contributors"] == "Mark Anderson and Vlad Savov"
    assert doc.metadata["source"] == "Bloomberg"
    hits = pipeline.retrieve("With assistance from Mark Anderson and Vlad Savov", 4)
    assert any("With assistance from Mark Anderson" in h.chunk.text for h in hits)
