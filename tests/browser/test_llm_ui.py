"""With an LLM plugged in, the web page never shows a sentence the grounding gate withdraws (issue 39):
a scripted OpenAI-protocol server that always answers one unsupported sentence, behind the real qa
server, asked from real headless Chromium. Every text the chat panel shows while the answer streams
is recorded by a MutationObserver; not a piece of the sentence is among them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_ui import ask
from tests.integration.test_llm_streams import UNSUPPORTED
from tests.scripted_llm import ScriptedLLM
from tests.servers import Server, article_served

pytestmark = pytest.mark.browser

RECORD_EVERY_TEXT = """() => {
    window.qaSeen = [];
    const chat = document.querySelector('#qa-chat');
    new MutationObserver(() => window.qaSeen.push(chat.innerText))
        .observe(chat, {childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def llm_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with ScriptedLLM(lambda messages: UNSUPPORTED) as llm, article_served(tmp_path_factory.mktemp("llm-ui"), {
            "QA_LLM": "openai", "QA_LLM_BASE_URL": llm.base_url, "QA_LLM_MODEL": "scripted-1"}) as server:
        yield server


def test_the_page_shows_only_the_refusal_never_the_withdrawn_sentence(browser, llm_ui: Server,  # type: ignore[no-untyped-def]
                                                                      tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(llm_ui.base + "/")
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        page.evaluate(RECORD_EVERY_TEXT)
        ask(page, "Who succeeded Jack Ma as chairman?")
        seen = page.evaluate("window.qaSeen")
        assert seen, "the observer saw the chat change"  # it did watch the answer arrive
        for fragment in ("successors", "Joe Tsai and Wu are", "since 2019"):
            assert not [text for text in seen if fragment in text], fragment
        assert "Not found in the source" in page.locator("#qa-chat .bot").last.inner_text()
    finally:
        context.close()
