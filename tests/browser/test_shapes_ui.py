"""Shaped answers in real headless Chromium: a summary as a paragraph and a list as bullets, each
part with its citation marker; a question asked of one document."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.test_ui import ARTICLE_TEXT, ask

pytestmark = pytest.mark.browser


def test_a_summary_reads_as_a_paragraph_and_a_list_as_bullets_each_part_cited(page, ui_server, tmp_path: Path  # type: ignore[no-untyped-def]
                                                                              ) -> None:
    ask(page, "Summarize the article.")
    summary = page.locator("#qa-chat .bot").last
    assert "380 billion yuan" in summary.inner_text()
    assert summary.locator("a[href^='#qa-cite-']").count() >= 2  # one marker per sentence
    for mark in page.locator("#qa-sources mark").all():
        assert mark.inner_text() in ARTICLE_TEXT
    question = "Which companies are spending on AI data centers?"
    ask(page, question)
    listed = page.locator("#qa-chat .bot").last
    _, api = ui_server.post("/api/ask", {"question": question})  # the same answer, as the API gives it
    assert api["shape"] == "list"
    if api["layout"] == "list":  # as many bullets as parts, each with its marker
        assert listed.locator("li").count() == len(api["parts"]) >= 2
        assert listed.locator("li a[href^='#qa-cite-']").count() == len(api["parts"])
    else:
        assert listed.locator("a[href^='#qa-cite-']").count() == len(api["citations"]) >= 1
    # a test run never rewrites a tracked file: docs/shapes.png only when asked for (QA_SCREENSHOT_DIR=docs)
    page.screenshot(path=str(Path(os.environ.get("QA_SCREENSHOT_DIR", tmp_path)) / "shapes.png"))



def test_the_ask_panel_offers_one_document_or_all(page) -> None:  # type: ignore[no-untyped-def]
    scope = page.locator("#qa-scope input")
    assert scope.input_value() == "All documents"
