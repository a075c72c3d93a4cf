"""Real Chromium (Debian's package) driven by Playwright against the real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_corpus
from tests.servers import Server, start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
XSS_DOC = (
    "The Zorblax gadget was unveiled by Quentin Marsh in Lisbon. "
    "<img src=x onerror=\"window.__xss='img';alert('xss-img')\"> "
    "<script>window.__xss='script';alert('xss-script')</script>\n"
)


# Thirty-two ways script gets into a page, each in a document sentence and in a question.
XSS_PAYLOADS = [
    '<script>window.__xss=1</script>',
    '<img src=x onerror="window.__xss=2">',
    '<svg onload="window.__xss=3">',
    '<body onload="window.__xss=4">',
    '<iframe src="javascript:window.__xss=5"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
    '<a href="javascript:window.__xss=7">go</a>',
    '[go](javascript:window.__xss=8)',
    '![x](x" onerror="window.__xss=9)',
    '<details open ontoggle="window.__xss=10">',
    '<input autofocus onfocus="window.__xss=11">',
    '<video><source onerror="window.__xss=12"></video>',
    '<audio src=x onerror="window.__xss=13">',
    '<object data="javascript:window.__xss=14"></object>',
    '<embed src="javascript:window.__xss=15">',
    '<math><mtext><script>window.__xss=16</script></mtext></math>',
    '"><script>window.__xss=17</script>',
    "'><img src=x onerror=window.__xss=18>",
    '<style onload="window.__xss=19">',
    '<marquee onstart="window.__xss=20">',
    '<div style="background:url(javascript:window.__xss=21)">',
    '<form action="javascript:window.__xss=22"><button>go</button></form>',
    '<base href="javascript:window.__xss=24//">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=26">',
    '$$\\href{javascript:window.__xss=27}{x}$$',
    '<select autofocus onfocus="window.__xss=28">',
    '<textarea autofocus onfocus="window.__xss=29">',
    '`<img src=x onerror=window.__xss=31>`',
    '<scr<script>ipt>window.__xss=32</script>',
    '<svg><animate onbegin="window.__xss=33" attributeName=x>',
    '<img src=x onerror="alert(\'xss\')">',
    '<a href="data:text/html,<script>alert(1)</script>">go</a>',
]
XSS_GALLERY = "".join(f"Exhibit {i} of the Wobbleton museum is labelled {p} in the catalogue.\n"
                      for i, p in enumerate(XSS_PAYLOADS, start=1))


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ui")
    server = start_server(make_corpus(root, {"zorblax.txt": XSS_DOC, "wobbleton.txt": XSS_GALLERY}), root / "index")
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, ui_server: Server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.external = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: page.external.append(r.url)
            if not r.url.startswith((ui_server.base, "data:", "blob:")) else None)
    page.goto(ui_server.base + "/")
    page.wait_for_selector("#qa-question textarea", timeout=60_000)
    yield page
    context.close()
