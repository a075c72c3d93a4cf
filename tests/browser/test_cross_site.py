"""A page of another site, open in the user's browser, tries to plant a document and start an
indexing run on the qa server beside it (issue 28, finding 2): the exact requests, sent by a
real Chromium from a real page on another origin. Before the fix the upload answered 202 and
the planted file was indexed and answered from."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from tests.servers import Server

pytestmark = pytest.mark.browser

ATTACK = """async (base) => {
  const planted = new FormData();
  planted.append('file', new Blob(['Alibaba chief executive officer is Mallory Chen.'], {type: 'text/plain'}),
                 'planted.txt');
  const gradio = new FormData();
  gradio.append('files', new Blob(['Mallory Chen runs Alibaba.'], {type: 'text/plain'}), 'planted-ui.txt');
  const sent = [];
  for (const [path, body] of [['/api/documents', planted], ['/api/index', null], ['/gradio_api/upload', gradio]]) {
    try { await fetch(base + path, {method: 'POST', mode: 'no-cors', body}); sent.push(path); }
    catch (e) { sent.push('failed ' + path + ': ' + e); }
  }
  return sent;
}"""


class EvilPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        data = b"<!doctype html><title>Cute cats</title><p>Nothing to see here.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def evil_origin() -> Iterator[str]:
    """Another site: served on localhost (the qa server is 127.0.0.1), another host name."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EvilPage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_a_page_of_another_site_plants_nothing_and_starts_no_indexing(browser, ui_server: Server,  # type: ignore[no-untyped-def]
                                                                      evil_origin: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(evil_origin + "/")
        sent = page.evaluate(ATTACK, ui_server.base)
        assert sent == ["/api/documents", "/api/index", "/gradio_api/upload"]  # the browser sent all three
    finally:
        context.close()
    listed = [d["doc_id"] for d in ui_server.get("/api/documents")[1]["documents"]]
    assert "planted.txt" not in listed
    assert not (ui_server.corpus / "planted.txt").exists()
    assert ui_server.get("/api/health")[1]["status"] == "ready"


READ = """async ([base, paths]) => {
  const got = [];
  for (const path of paths) {
    try { const r = await fetch(base + path, {credentials: 'include'}); got.push(path + ' read ' + r.status); }
    catch (e) { got.push(path + ' refused'); }
  }
  try {
    await fetch(base + '/api/ask', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                    body: JSON.stringify({question: 'Who co-founded Alibaba?'})});
    got.push('/api/ask read');
  } catch (e) { got.push('/api/ask refused'); }
  return got;
}"""


def test_a_page_of_another_origin_reads_nothing(browser, ui_server: Server,  # type: ignore[no-untyped-def]
                                               evil_origin: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    paths = ["/config", "/gradio_api/info", "/api/documents", "/api/health"]
    try:
        page.goto(evil_origin + "/")
        got = page.evaluate(READ, [ui_server.base, paths])
    finally:
        context.close()
    assert got == [f"{p} refused" for p in paths] + ["/api/ask refused"]


def test_no_cors_grant_leaves_for_another_origin_preflight_included(ui_server: Server) -> None:
    import urllib.error
    import urllib.request

    for origin in ("http://localhost:9999", "http://127.0.0.1:1", "http://evil.example"):
        request = urllib.request.Request(ui_server.base + "/config", headers={"Origin": origin})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert not [h for h in response.headers if h.lower().startswith("access-control-")]
        preflight = urllib.request.Request(ui_server.base + "/api/ask", method="OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(preflight, timeout=30)
        refused.value.close()
        assert refused.value.code == 403
