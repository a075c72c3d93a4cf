"""Real Chromium (Debian's package) driven by Playwright against the real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.payloads import XSS_DOC, XSS_GALLERY
from tests.servers import Server, start_server, stop_server
from tests.support import make_corpus

CHROMIUM = "/usr/bin/chromium"
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
