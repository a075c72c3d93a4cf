"""The web UI in real headless Chromium: ask, follow up, abstain, and never run document HTML."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.payloads import XSS_PAYLOADS
from tests.support import ARTICLE

pytestmark = pytest.mark.browser

ARTICLE_TEXT = ARTICLE.read_text(encoding="utf-8")


def ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    # while an answer is still being finished the box shows Stop, and Enter does nothing
    page.locator("#qa-question").get_by_role("button", name="Ask").wait_for(state="visible", timeout=60_000)
    before = page.locator("#qa-chat .bot").count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    # done is this answer's own state, not the previous answer's panel: its final message,
    # set by the event's last update together with the sources (citation markers, an
    # abstention or an error: the streamed text has none of them)
    page.wait_for_function(
        """([n]) => {
            const bots = document.querySelectorAll('#qa-chat .bot');
            const last = bots[bots.length - 1];
            if (!(bots.length > n && last)) return false;
            return Boolean(last.querySelector('a[href^="#qa-cite-"]')
              || /Not found in the source|Error:/.test(last.innerText));
        }""",
        arg=[before],
        timeout=60_000,
    )
    # ... and the event is over: the box offers Ask again
    page.locator("#qa-question").get_by_role("button", name="Ask").wait_for(state="visible", timeout=60_000)


def settled(page) -> None:  # type: ignore[no-untyped-def]
    """Whatever a payload could have made has run: every image on the page has loaded or failed
    (onerror fired) and the page has rendered twice since (Gradio's event stream stays open, so
    the network is never idle)."""
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=30_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def last_answer(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("#qa-chat .bot").last.inner_text()


def test_answer_shows_a_correct_alias_and_a_verbatim_highlighted_citation(page, tmp_path: Path) -> None:
    ask(page, "How much has Alibaba pledged to invest in AI infrastructure?")
    answer = last_answer(page)
    assert "380 billion yuan" in answer and "[1]" in answer
    marks = page.locator("#qa-sources mark")
    assert marks.count() >= 1
    highlighted = marks.first.inner_text()
    assert "380 billion yuan" in highlighted
    assert highlighted in ARTICLE_TEXT
    # clicking the citation brings its span into view and marks it
    page.locator("#qa-sources [data-cite]").first.click()
    expect(marks.first).to_have_class(re.compile("qa-focus"))
    assert marks.first.is_visible()
    # ... and so does its [1] marker in the answer, scrolling the panel to it, not the page
    panel = "document.querySelector('#qa-sources')"
    page.evaluate(f"{panel}.scrollTop = {panel}.scrollHeight; window.scrollTo(0, 0)")
    marks.first.evaluate("m => m.classList.remove('qa-focus')")
    assert not page.evaluate(f"(() => {{ const p = {panel}.getBoundingClientRect(), "
                             "m = document.querySelector('#qa-cite-1').getBoundingClientRect(); "
                             "return m.top >= p.top && m.bottom <= p.bottom; })()")
    page.locator("#qa-chat a[href='#qa-cite-1']").last.click()
    expect(marks.first).to_have_class(re.compile("qa-focus"))
    page.wait_for_function(f"(() => {{ const p = {panel}.getBoundingClientRect(), "
                           "m = document.querySelector('#qa-cite-1').getBoundingClientRect(); "
                           "return m.top >= p.top && m.bottom <= p.bottom; })()")  # scrolled into the panel
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate(f"(() => {{ const p = {panel}.getBoundingClientRect(), "
                         "m = document.querySelector('#qa-cite-1').getBoundingClientRect(); "
                         "return m.top >= p.top && m.bottom <= p.bottom; })()")
    # a test run never rewrites a tracked file: docs/screenshot.png only when asked for
    shot = Path(os.environ.get("QA_SCREENSHOT_DIR", tmp_path)) / "screenshot.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert not page.dialogs and not page.external


def test_follow_up_is_answered_with_the_history(page) -> None:
    ask(page, "Who co-founded Alibaba?")
    assert "Jack Ma" in last_answer(page)
    ask(page, "How far did its Hong Kong shares fall on Monday?")
    answer = last_answer(page)
    assert "3%" in answer
    assert "Searched for: How far did Alibaba's Hong Kong shares fall on Monday?" in answer


def test_unanswerable_question_shows_an_abstention_and_closest_passages(page) -> None:
    ask(page, "Who won the 1998 football World Cup?")
    assert "Not found in the source" in last_answer(page)
    assert "Closest sentence:" in last_answer(page)  # and why: its probability against the threshold
    panel = page.locator("#qa-sources").inner_text()
    assert "No answer in the source" in panel
    assert page.locator("#qa-sources .qa-cite").count() >= 1
    assert page.locator("#qa-sources mark").count() == 0


def test_html_in_documents_and_questions_is_shown_as_text_and_never_runs(page) -> None:
    ask(page, "Who unveiled the Zorblax gadget? <img src=x onerror=\"window.__xss='q'\">")
    settled(page)
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    chat = page.locator("#qa-chat").inner_text()
    assert "<img src=x onerror=" in chat  # the question, literally
    panel = page.locator("#qa-sources").inner_text()
    assert "Quentin Marsh" in last_answer(page) or "Quentin Marsh" in panel
    assert "<script>window.__xss='script'" in panel or "<img src=x" in panel
    assert page.locator("#qa-sources img, #qa-sources script, #qa-chat img[src='x']").count() == 0


def test_thirty_script_payloads_in_documents_and_questions_never_run(page) -> None:  # type: ignore[no-untyped-def]
    assert len(XSS_PAYLOADS) >= 30
    for i, payload in enumerate(XSS_PAYLOADS, start=1):
        ask(page, f"How is exhibit {i} of the Wobbleton museum labelled? {payload}")
    settled(page)
    assert page.evaluate("[window.__xss, window.parent.__xss]") == [None, None]
    assert page.dialogs == []
    panel = page.locator("#qa-sources").inner_text()
    assert "Wobbleton museum" in panel  # the gallery itself was shown, as text
    assert page.locator("#qa-sources script, #qa-sources img, #qa-sources iframe, #qa-sources svg, "
                        "#qa-sources object, #qa-sources embed, #qa-chat iframe, #qa-chat object").count() == 0


def test_clear_chat_and_keyboard_labels(page) -> None:
    ask(page, "Who is Alibaba's chief executive officer?")
    assert "Eddie Wu" in last_answer(page)
    page.locator("#qa-clear").click()
    expect(page.locator("#qa-chat .bot")).to_have_count(0)
    assert page.get_by_label("Your question").count() >= 1


def test_on_a_phone_the_sources_are_a_drawer_next_to_the_answer(browser, ui_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(ui_server.base + "/")
    page.wait_for_selector("#qa-question textarea", timeout=60_000)
    ask(page, "How much has Alibaba pledged to invest in AI infrastructure?")
    in_view = ("el => { const r = el.getBoundingClientRect(); "
               "return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; }")
    toggle = page.locator("#qa-sources-toggle")
    assert toggle.evaluate(in_view) and toggle.get_attribute("aria-expanded") in (None, "false")
    drawer = page.locator("#qa-sources-col").bounding_box()
    chat = page.locator("#qa-chat").bounding_box()
    assert drawer and chat and drawer["height"] < 80 and chat["width"] <= 390
    assert "The closest passages are on the right" not in last_answer(page)
    page.locator("#qa-chat a[href='#qa-cite-1']").last.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.wait_for_function(f"el => ({in_view})(el)", arg=page.locator("#qa-cite-1").element_handle())
    assert page.locator("#qa-cite-1").evaluate(in_view)  # the cited span, on screen beside the answer
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.locator("#qa-sources-col").bounding_box()["height"] < 80  # type: ignore[index]
    context.close()


def test_the_api_docs_render_with_the_network_blocked(browser, ui_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    blocked: list[str] = []

    def only_local(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(ui_server.base):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(ui_server.base + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "qa" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path[data-path='/api/ask']").count() == 1
    assert not blocked
    context.close()


def quibbleton(kind: str, hours: int) -> bytes:
    """A small document of each format stating how long the Quibbleton lamp's battery lasts."""
    from tests.documents import make_pdf

    fact = f"The Quibbleton lamp battery lasts {hours} hours."
    if kind == "pdf":
        return make_pdf(["The Quibbleton lamp was designed in Tromso.", fact])
    if kind == "html":
        return (f"<html><head><title>Quibbleton lamp</title></head><body><nav>Home | Shop</nav><article>"
                f"<h1>Quibbleton lamp</h1><p>The Quibbleton lamp was designed in Tromso by a small team.</p>"
                f"<p>{fact}</p></article><footer>Cookie settings</footer></body></html>").encode()
    return f"# Quibbleton lamp\n\nThe Quibbleton lamp was designed in Tromso.\n\n{fact}\n".encode()


@pytest.mark.parametrize("kind", ["txt", "md", "html", "pdf"])
@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_upload_ask_cite_delete(browser, ui_server, tmp_path: Path, viewport: dict,  # type: ignore[no-untyped-def]
                                kind: str) -> None:
    hours = viewport["width"] + len(kind)  # each run states its own figure
    name = f"quibbleton-{viewport['width']}.{kind}"
    path = tmp_path / name
    path.write_bytes(quibbleton(kind, hours))
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(ui_server.base + "/")
    page.wait_for_selector("#qa-question textarea", timeout=60_000)
    page.get_by_role("tab", name="Documents").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(path))
    page.wait_for_function("n => document.querySelector('#qa-documents').innerText.includes(n)"
                           " && !document.querySelector('#qa-doc-status').innerText.includes('Indexing')",
                           arg=name, timeout=60_000)
    assert (ui_server.corpus / name).read_bytes() == path.read_bytes()
    page.get_by_role("tab", name="Ask").click()
    ask(page, "How many hours does the Quibbleton lamp battery last?")
    assert f"{hours} hours" in last_answer(page)
    meta = page.locator("#qa-sources .qa-cite .qa-meta").first.inner_text()
    assert name in meta and (("p. 2" in meta) if kind == "pdf" else ("p. " not in meta))
    assert f"{hours} hours" in page.locator("#qa-sources mark").first.inner_text()
    page.get_by_role("tab", name="Documents").click()
    page.locator("#qa-doc-choice input").fill(name)
    page.get_by_role("option", name=name).click()
    page.locator("#qa-delete").click()
    page.wait_for_function("n => !document.querySelector('#qa-documents').innerText.includes(n)", arg=name,
                           timeout=30_000)
    assert not (ui_server.corpus / name).exists()
    context.close()


def test_the_buttons_have_accessible_names(page) -> None:  # type: ignore[no-untyped-def]
    assert page.get_by_role("button", name="Ask").count() == 1
    ask(page, "Who co-founded Alibaba?")
    assert page.locator("#qa-chat").get_by_role("button", name="Like").count() >= 1
    assert page.get_by_role("button", name="Clear chat").count() == 1


def test_a_thumb_on_an_answer_is_kept_with_its_provenance(page, ui_server) -> None:  # type: ignore[no-untyped-def]
    import json

    ask(page, "Who co-founded Alibaba?")
    page.locator("#qa-chat .bot").last.hover()
    page.locator("#qa-chat").get_by_role("button", name="Like").last.click()
    feedback = ui_server.index / "feedback.jsonl"
    page.get_by_text("the rating is kept").wait_for(timeout=30_000)  # the UI's notice, once it is written
    record = json.loads(feedback.read_text().splitlines()[-1])
    assert record["question"] == "Who co-founded Alibaba?" and record["feedback"]["rating"] == "up"
    assert record["citations"] and record["passages"]


def test_the_documents_tab_lists_what_is_indexed_when_the_page_opens(page, ui_server) -> None:  # type: ignore[no-untyped-def]
    """A document added after the server started is listed on a page opened afterwards (the
    tab was built once, at start-up, and showed what was there then)."""
    import time
    import urllib.request

    name = f"late-{time.time_ns()}.txt"
    boundary = "qaboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\nThe Fennimore bridge opened in 1911.\r\n--{boundary}--\r\n").encode()
    req = urllib.request.Request(ui_server.base + "/api/documents", data=body,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status in (200, 202)
    deadline = time.time() + 60  # until the background run has indexed it
    while name not in [d["doc_id"] for d in ui_server.get("/api/documents")[1]["documents"]]:
        assert time.time() < deadline, "the upload was not indexed in 60 s"
        time.sleep(0.2)
    page.reload()
    page.get_by_role("tab", name="Documents").click()
    expect(page.locator("#qa-documents")).to_contain_text(name, timeout=30_000)
    ui_server.request("DELETE", f"/api/documents/{name}")

