"""The attacks of issue 28, each sent as the attacker sends it to the real server (real model,
real Chroma, `qa serve` in its own process). Every test here failed on the code before the
fix (docs/security.md says which request did what)."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.documents import crashing_pdf
from tests.servers import Server, run_qa, start_server, stop_server
from tests.support import make_corpus

pytestmark = pytest.mark.integration

LIMITS = {"QA_BODY_TIMEOUT": "3", "QA_HEADER_TIMEOUT": "3", "QA_UPLOADS_PER_MINUTE": "6"}
# A second document, long enough that indexing it takes a few seconds
LONG = "".join(f"Report {i}: the Quillon river station measured {i * 7} millimetres of rain in week {i}.\n"
               for i in range(400))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("attacks")
    corpus = make_corpus(root)
    (corpus / "hostile.pdf").write_bytes(crashing_pdf())
    (corpus / ".private").mkdir()
    (corpus / ".private" / "keys.bin").write_bytes(b"secret key material")
    server = start_server(corpus, root / "index", LIMITS)  # runs `qa index` first: it must not fail
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("keyed")
    server = start_server(make_corpus(root), root / "index", {"QA_API_KEY": "correct-horse"})
    yield server
    stop_server(server)


ROUTES = [("GET", "/"), ("GET", "/api/health"), ("GET", "/api/documents"),
          ("GET", "/api/documents/alibaba-ai-infrastructure.txt"), ("POST", "/api/ask"), ("POST", "/api/index"),
          ("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("GET", "/config"), ("GET", "/gradio_api/info"),
          ("POST", "/gradio_api/queue/join"), ("GET", "/docs"), ("GET", "/openapi.json"), ("POST", "/mcp")]


@pytest.mark.parametrize("host", ["rebind.example:8000", "evil.example", "127.0.0.1.nip.io"])
def test_a_rebinding_host_name_gets_4xx_on_every_route(server: Server, host: str) -> None:
    for method, path in ROUTES:
        status, _, body = server.request(method, path, b"{}" if method == "POST" else b"",
                                         {"Host": host, "Content-Type": "application/json"})
        assert 400 <= status < 500, (method, path, status)
        assert b"alibaba" not in body.lower() and b"Bloomberg" not in body, (method, path)


def test_the_documents_folder_is_read_only_through_trusted_names(server: Server) -> None:
    for host in (server.base.removeprefix("http://"), "localhost:8000", "[::1]:8000"):
        status, _, _ = server.request("GET", "/api/documents", headers={"Host": host})
        assert status == 200, host


def test_slow_bodies_hold_no_slot_and_are_cut_off(server: Server) -> None:
    port = int(server.base.rsplit(":", 1)[1])
    slow = []
    for _ in range(20):  # headers and 5 bytes of a 100-byte body, then nothing
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                  "Content-Length: 100\r\n\r\n{\"que".encode())
        slow.append(s)
    try:
        for _ in range(4):  # before: both slots held, every ask timed out
            status, answer = server.post("/api/ask", {"question": "How much has Alibaba pledged to invest?"})
            assert status == 200 and not answer["abstained"]
        assert server.get("/api/health")[0] == 200
        for s in slow:
            s.settimeout(30)
            assert s.recv(64).startswith(b"HTTP/1.1 408")
    finally:
        for s in slow:
            s.close()


def test_half_sent_headers_are_closed(server: Server) -> None:
    port = int(server.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.settimeout(30)
        assert s.recv(64) == b""  # closed by the server, not left open


def test_parallel_index_requests_park_no_thread(server: Server) -> None:
    (server.corpus / "rain.txt").write_text(LONG, encoding="utf-8")
    try:
        with ThreadPoolExecutor(50) as pool:
            runs = [pool.submit(server.request, "POST", "/api/index") for _ in range(50)]
            time.sleep(0.5)
            health = [server.request("GET", "/api/health", timeout=10)[0] for _ in range(3)]
            statuses = [r.result()[0] for r in runs]
        assert health == [200, 200, 200]
        assert set(statuses) <= {200, 409} and statuses.count(200) >= 1 and statuses.count(409) >= 40
        refused = next(json.loads(r.result()[2]) for r in runs if r.result()[0] == 409)
        assert refused["error"]["type"] == "already_indexing"
    finally:
        status, _, _ = server.request("DELETE", "/api/documents/rain.txt")
        assert status == 200


def test_a_hostile_pdf_is_skipped_on_index_and_refused_on_upload(server: Server) -> None:
    done = run_qa("index", env={"QA_CORPUS_DIR": str(server.corpus), "QA_INDEX_DIR": str(server.index)})
    assert done.returncode in (0, 3), done.stderr  # 3: the running server owns the index
    listed = [d["doc_id"] for d in server.get("/api/documents")[1]["documents"]]
    assert "alibaba-ai-infrastructure.txt" in listed and "hostile.pdf" not in listed
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"evil.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + crashing_pdf() + f"\r\n--{boundary}--\r\n".encode()
    status, _, data = server.request("POST", "/api/documents", body,
                                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 400 and json.loads(data)["error"]["type"] == "corpus_error"
    assert not (server.corpus / "evil.pdf").exists()


def test_a_thousand_feedback_posts_grow_the_disk_by_under_a_megabyte(server: Server) -> None:
    answer = server.post("/api/ask", {"question": "Who is Alibaba's chief executive officer?", "k": 50})[1]
    path = server.index / "feedback.jsonl"
    before = path.stat().st_size if path.exists() else 0
    for i in range(1000):
        status, _ = server.post(f"/api/answers/{answer['answer_id']}/feedback",
                                {"rating": "up" if i % 2 else "down", "comment": "x" * 100})
        assert status == 200
    assert path.stat().st_size - before < 1_000_000
    assert server.get(f"/api/answers/{answer['answer_id']}")[1]["feedback"]["rating"] == "up"


def test_an_upload_named_in_another_script_keeps_its_name(server: Server) -> None:
    boundary = uuid.uuid4().hex
    name = "报告-Доклад.txt"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\nLe rapport {uuid.uuid4().hex}.\r\n--{boundary}--\r\n").encode()
    status, _, data = server.request("POST", "/api/documents", body,
                                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status in (200, 202) and json.loads(data)["doc_id"] == name


def test_uploads_past_the_quota_get_429_on_both_upload_paths(server: Server) -> None:
    def upload(path: str, field: str, n: int) -> tuple[int, dict[str, str]]:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"note-{n}.txt\"\r\n"
                f"Content-Type: text/plain\r\n\r\nNote {n} {uuid.uuid4().hex}.\r\n--{boundary}--\r\n").encode()
        status, headers, _ = server.request("POST", path, body,
                                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return status, headers

    for path, field in (("/api/documents", "file"), ("/gradio_api/upload", "files")):
        results = [upload(path, field, n) for n in range(10)]
        statuses = [s for s, _ in results]
        assert 429 in statuses and statuses[0] in (200, 202, 429), (path, statuses)
        assert all(int(h["retry-after"]) >= 1 for s, h in results if s == 429)


def test_a_delete_reaches_only_listed_documents(server: Server) -> None:
    status, _, data = server.request("DELETE", "/api/documents/.private/keys.bin")
    assert status == 404 and json.loads(data)["error"]["type"] == "not_found"
    assert (server.corpus / ".private" / "keys.bin").read_bytes() == b"secret key material"


def test_the_ui_password_is_throttled(keyed_server: Server) -> None:
    statuses = []
    for i in range(30):
        status, _, _ = keyed_server.request("POST", "/login", f"username=qa&password=guess{i}".encode(),
                                            {"Content-Type": "application/x-www-form-urlencoded"})
        statuses.append(status)
    assert statuses[:10] == [400] * 10 and set(statuses[10:]) == {429}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/gradio_api/file/etc/passwd", b""),
    ("GET", "/gradio_api/file=/x%00", b""),
    ("POST", "/gradio_api/process_recording", b""),
    ("POST", "/gradio_api/queue/join", b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ("POST", "/gradio_api/run/ask", b'{"data": ["Who is the CEO?", 2.5]}'),
    ("POST", "/gradio_api/api/ask", b'{"data": ["Who is the CEO?", 2.5]}'),
])
def test_low_findings_get_a_4xx_in_the_one_error_shape(server: Server, method: str, path: str, body: bytes) -> None:
    status, _, data = server.request(method, path, body, {"Content-Type": "application/json"})
    assert 400 <= status < 500, (path, status)
    assert json.loads(data)["error"]["type"]


def test_openai_text_parts_follow_the_apis_length_rule(server: Server) -> None:
    long = [{"type": "text", "text": "Tell me about Alibaba. " * 2_000} for _ in range(20)]  # 920,000 characters
    status, reply = server.post("/v1/chat/completions", {"model": "qa", "messages": [
        {"role": "user", "content": long}, {"role": "assistant", "content": "Alibaba is a company."},
        {"role": "user", "content": "Who founded it?"}]})
    assert status == 422 and reply["error"]["type"] == "invalid_request"
