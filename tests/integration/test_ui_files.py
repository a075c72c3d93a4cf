"""The web UI's Gradio routes against the real server: no event copies, imports or serves a
file qa did not receive from the browser's own upload, and every event refuses what the JSON
API refuses. Each request is the one an attacker sends (security issue 21), not one a browser
would."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Server, start_server, stop_server
from tests.support import ROOT, make_corpus

pytestmark = pytest.mark.integration

SECRET = f"secret-{uuid.uuid4()}"


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, Path]]:
    """A real server whose Gradio upload folder is known, and a secret file outside it."""
    root = tmp_path_factory.mktemp("ui-files")
    secret = root / "private" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    uploads = root / "gradio"
    server = start_server(make_corpus(root), root / "index", {"GRADIO_TEMP_DIR": str(uploads)})
    yield server, secret, uploads
    stop_server(server)


def request(server: Server, method: str, path: str, body: bytes | None = None,
            content_type: str = "application/json") -> tuple[int, bytes]:
    req = urllib.request.Request(server.base + path, data=body, method=method,
                                 headers={"Content-Type": content_type} if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def event_ids(server: Server) -> dict[str, int]:
    """fn_index of each UI event by its function's name (respond, add, remove, ...)."""
    _, raw = request(server, "GET", "/config")
    return {d["api_name"]: d["id"] for d in json.loads(raw)["dependencies"]}


def run_event(server: Server, fn_index: int, data: list[Any], event_data: Any = None) -> tuple[int, dict, str]:
    """Join the queue as Gradio's client does, then read the event's stream to its end:
    (status of the join, its JSON, the whole stream)."""
    session = uuid.uuid4().hex
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session, "event_data": event_data,
                       "trigger_id": None}).encode()
    status, raw = request(server, "POST", "/gradio_api/queue/join", body)
    joined = json.loads(raw) if raw.startswith(b"{") else {}
    stream = ""
    if status == 200:
        with urllib.request.urlopen(f"{server.base}/gradio_api/queue/data?session_hash={session}", timeout=120) as r:
            for line in r:
                stream += line.decode()
                if "process_completed" in line.decode() or "close_stream" in line.decode():
                    break
    return status, joined, stream


def served_paths(stream: str) -> list[str]:
    """Every file path the server put into the event's output."""
    found: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if isinstance(x.get("path"), str):
                found.append(x["path"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for line in stream.splitlines():
        if line.startswith("data:"):
            walk(json.loads(line[5:]))
    return found


def nothing_leaked(server: Server, uploads: Path, stream: str) -> None:
    """The secret is in no output, no file Gradio serves from the event, nor its folder."""
    assert SECRET not in stream
    for path in served_paths(stream):
        status, raw = request(server, "GET", f"/gradio_api/file={path}")
        assert SECRET.encode() not in raw
    copies = [p for p in uploads.rglob("*") if p.is_file() and not p.is_symlink() and SECRET.encode() in p.read_bytes()]
    assert copies == []


def file_part(path: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "meta": {"_type": "gradio.FileData"}, **extra}


def chat_with(part: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "file", "file": part}]},
            {"role": "assistant", "content": [{"type": "text", "text": "ok"}]}]


def refused(status: int, joined: dict, stream: str) -> bool:
    """The event was refused: in our error shape at the join, or as an error of the event."""
    if status >= 400:
        return joined.get("error", {}).get("type") in {"invalid_request", "not_found"}
    return '"success": false' in stream or '"success":false' in stream


@pytest.mark.parametrize("variant", ["path", "project file", "dotdot", "url", "symlink in upload folder"])
def test_chat_history_cannot_carry_a_file_into_the_cache(ui_server: tuple[Server, Path, Path], variant: str) -> None:
    server, secret, uploads = ui_server
    uploads.mkdir(exist_ok=True)
    part = {
        "path": file_part(str(secret)),
        "project file": file_part(str(ROOT / "qa" / "config.py")),
        "dotdot": file_part(str(uploads / ".." / "private" / "notes.txt")),
        "url": {"url": secret.as_uri(), "path": secret.as_uri(), "meta": {"_type": "gradio.FileData"}},
        "symlink in upload folder": file_part(str(uploads / "link.txt")),
    }[variant]
    if variant == "symlink in upload folder" and not (uploads / "link.txt").exists():
        os.symlink(secret, uploads / "link.txt")
    respond = event_ids(server)["respond"]
    status, joined, stream = run_event(server, respond, ["What is Alibaba investing in?", chat_with(part), [], {},
                                                         4, True, True])
    assert refused(status, joined, stream)
    nothing_leaked(server, uploads, stream)
    assert "import re" not in stream  # qa/core/config.py's text


@pytest.mark.parametrize("variant", ["never uploaded", "symlink in upload folder", "url"])
def test_documents_add_imports_only_uploaded_files(ui_server: tuple[Server, Path, Path], variant: str) -> None:
    server, secret, uploads = ui_server
    uploads.mkdir(exist_ok=True)
    readme = ROOT / "README.md"
    part = {
        "never uploaded": file_part(str(readme), orig_name="README.md"),
        "symlink in upload folder": file_part(str(uploads / "link.md"), orig_name="link.md"),
        "url": {"url": readme.as_uri(), "path": "http://127.0.0.1:1/README.md", "meta": {"_type": "gradio.FileData"}},
    }[variant]
    if variant == "symlink in upload folder" and not (uploads / "link.md").exists():
        os.symlink(secret, uploads / "link.md")
    before = sorted(p.name for p in server.corpus.iterdir())
    status, joined, stream = run_event(server, event_ids(server)["add"], [[part]])
    assert refused(status, joined, stream)
    assert sorted(p.name for p in server.corpus.iterdir()) == before
    _, listed = server.get("/api/documents")
    assert all(d["doc_id"] in before for d in listed["documents"])
    nothing_leaked(server, uploads, stream)


def upload(server: Server, name: str, data: bytes) -> tuple[int, bytes]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return request(server, "POST", "/gradio_api/upload", body, f"multipart/form-data; boundary={boundary}")


def test_a_file_uploaded_by_the_browser_is_still_added(ui_server: tuple[Server, Path, Path]) -> None:
    server, _, _ = ui_server
    status, raw = upload(server, "harbour.txt", b"The harbour master of Tilbury is Ada Quince.\n")
    assert status == 200, raw
    path = json.loads(raw)[0]
    status, joined, stream = run_event(server, event_ids(server)["add"],
                                       [[file_part(path, orig_name="harbour.txt")]])
    assert status == 200 and '"success": true' in stream.replace('"success":true', '"success": true')
    assert (server.corpus / "harbour.txt").read_bytes() == b"The harbour master of Tilbury is Ada Quince.\n"


def test_upload_takes_only_document_formats_in_our_error_shape(ui_server: tuple[Server, Path, Path]) -> None:
    server, _, _ = ui_server
    for name in ("tool.exe", "page.svg"):
        status, raw = upload(server, name, b"MZ\x90\x00")
        assert status == 415
        assert json.loads(raw)["error"]["type"] == "unsupported_format"


@pytest.mark.parametrize("size", [20_000_500, 20_200_000])  # QA_MAX_UPLOAD_BYTES is 20,000,000
def test_upload_over_the_limit_is_413_in_our_error_shape(ui_server: tuple[Server, Path, Path], size: int) -> None:
    server, _, _ = ui_server
    status, raw = upload(server, "big.txt", b"x" * size)
    assert status == 413
    assert json.loads(raw)["error"]["type"] == "too_large"


@pytest.mark.parametrize("target", ["file={secret}", "file=http://127.0.0.1:1/", "file={uploads}/../private/notes.txt",
                                    "file/http://127.0.0.1:1/a={uploads}/x.txt", "file=http://127.0.0.1:1/a={uploads}/x",
                                    "file/http%3A%2F%2F127.0.0.1:1%2Fa={uploads}/x.txt"])
def test_file_route_serves_nothing_outside_the_upload_folder(ui_server: tuple[Server, Path, Path], target: str) -> None:
    server, secret, uploads = ui_server
    status, raw = request(server, "GET", "/gradio_api/" + target.format(secret=secret, uploads=uploads))
    assert status == 404
    assert json.loads(raw)["error"]["type"] == "not_found"
    assert SECRET.encode() not in raw


@pytest.mark.parametrize(
    ("position", "value", "message"),
    [(4, 2.5, "k: Input should be a valid integer"), (4, "5", "k: Input should be a valid integer"),
     (4, 0, "k: Input should be greater than or equal to 1"), (5, "yes", "Input should be a valid boolean"),
     (6, 1, "Input should be a valid boolean")],
)
def test_respond_refuses_wrong_types_as_the_api_does(ui_server: tuple[Server, Path, Path], position: int,
                                                     value: Any, message: str) -> None:
    server, _, _ = ui_server
    data: list[Any] = ["Who is Alibaba's CEO?", [], [], {}, 4, True, True, ""]
    data[position] = value
    status, joined, _ = run_event(server, event_ids(server)["respond"], data)
    assert status == 422
    assert message in joined["error"]["message"]


def test_respond_refuses_control_characters_with_the_api_message(ui_server: tuple[Server, Path, Path]) -> None:
    server, _, _ = ui_server
    status, api = server.post("/api/ask", {"question": "Who\x00 is the CEO?"})
    assert status == 422
    status, _, stream = run_event(server, event_ids(server)["respond"], ["Who\x00 is the CEO?", [], [], {}, 4,
                                                                          True, True, ""])
    assert status == 200
    assert "question: must not contain control characters" in stream
    assert "must not contain control characters" in api["error"]["message"]
    assert "Chief Executive" not in stream


@pytest.mark.parametrize(("k", "message"), [(2.5, "k: Input should be a valid integer"),
                                            ("5", "k: Input should be a valid integer")])
def test_program_endpoint_refuses_bad_k_with_the_api_message(ui_server: tuple[Server, Path, Path], k: Any,
                                                             message: str) -> None:
    from gradio_client import Client

    server, _, _ = ui_server
    client = Client(server.base + "/", verbose=False)
    with pytest.raises(Exception, match=message):
        client.predict("Who is Alibaba's CEO?", k, api_name="/ask")


@pytest.mark.parametrize("path", ["/gradio_api/queue/join", "/gradio_api/run/predict", "/gradio_api/call/ask",
                                  "/api/ask", "/api/retrieve", "/v1/chat/completions", "/api/answers/x/feedback"])
def test_a_body_that_is_not_utf8_is_a_4xx_on_every_route(ui_server: tuple[Server, Path, Path], path: str) -> None:
    server, _, _ = ui_server
    status, raw = request(server, "POST", path, b'{"question": "\xff\xfe caf\xe9"}')
    assert 400 <= status < 500, (status, raw[:200])
    assert "error" in json.loads(raw)
