"""Shaped answers from the real server: a question asked of one document, an unknown document
refused with a 404, the shape and parts of an answer, and a document's summary in its entry."""

from __future__ import annotations

import pytest

from tests.servers import Server
from tests.support import ARTICLE

pytestmark = pytest.mark.integration
DOC = ARTICLE.name
TEXT = ARTICLE.read_text(encoding="utf-8")


def test_a_question_asked_of_one_document(article_server: Server) -> None:
    status, body = article_server.post("/api/ask", {"question": "Who contributed to the reporting?",
                                                    "documents": [DOC]})
    assert status == 200 and body["shape"] == "source" and "Mark Anderson" in body["answer"]
    assert all(TEXT[c["start"] : c["end"]] == c["quote"] for c in body["citations"])


def test_an_unknown_document_is_a_404(article_server: Server) -> None:
    status, body = article_server.post("/api/ask", {"question": "Summarize it.", "documents": ["nope.txt"]})
    assert status == 404 and body["error"]["type"] == "not_found" and "nope.txt" in body["error"]["message"]


def test_a_summary_is_a_paragraph_of_cited_sentences(article_server: Server) -> None:
    status, body = article_server.post("/api/ask", {"question": "Summarize the article."})
    assert status == 200 and body["shape"] == "overview" and body["layout"] == "paragraph"
    assert len(body["parts"]) == len(body["citations"]) >= 2
    assert body["answer"] == " ".join(body["parts"]) and 40 <= len(body["answer"].split()) <= 120
    assert all(TEXT[c["start"] : c["end"]] == c["quote"] for c in body["citations"])


def test_a_document_entry_carries_its_summary(article_server: Server) -> None:
    status, body = article_server.get(f"/api/documents/{DOC}")
    assert status == 200 and body["summary"]["citations"]
    assert all(TEXT[c["start"] : c["end"]] == c["quote"] for c in body["summary"]["citations"])
