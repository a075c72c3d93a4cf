"""Hostile input against the real server: schemathesis fuzzes every operation of
/openapi.json (no 5xx; status codes, content types, headers and bodies as the schema
declares them; invalid data refused), and raw requests no client library would send."""

from __future__ import annotations

import http.client
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.servers import Server

pytestmark = pytest.mark.integration


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, positive_data_acceptance]
# Two rules OpenAPI cannot state, so schema-valid data they refuse is expected there: an
# upload's file name decides its format (415 for a name without .txt .md .html .htm .pdf),
# and an OpenAI conversation must end with the user's question (422 otherwise).
UNSTATABLE = {("POST", "/api/documents"), ("POST", "/v1/chat/completions")}


def test_generated_requests_get_no_server_error_and_what_the_schema_declares(article_server: Server) -> None:
    schema = schemathesis.openapi.from_url(article_server.base + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        fuzz(operation)


def fuzz(operation) -> None:  # type: ignore[no-untyped-def]
    """40 generated requests to one operation, every check (but the one UNSTATABLE says)."""
    checks = [c for c in CHECKS if c is not positive_data_acceptance
              or (operation.method.upper(), operation.path) not in UNSTATABLE]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def no_server_error(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(checks=checks)

    no_server_error()


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "QUERY", "PUT", "PATCH"])
def test_methods_a_route_does_not_take_get_405_in_our_shape(article_server: Server, method: str) -> None:
    spec = json.loads(raw_bytes(article_server, "GET", "/openapi.json"))
    for path, operations in spec["paths"].items():
        if "{" in path:
            continue
        got, answer = raw(article_server, method, path)
        assert got == 405, (method, path, got)
        assert answer["error"]["type"] == "method_not_allowed"
        assert method not in {m.upper() for m in operations}


def raw_bytes(server: Server, method: str, path: str) -> bytes:
    host, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request(method, path)
    data = conn.getresponse().read()
    conn.close()
    return data


def raw(server: Server, method: str, path: str, body: bytes = b"", headers: dict | None = None
        ) -> tuple[int, dict]:
    host, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data) if data.startswith(b"{") else {}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"query": "\xff\xfe"}', 400),                       # not UTF-8
        (b'{"query": "a\\u0000b"}', 422),                      # a control character
        (b'{"query": "' + b"word" * 250_000 + b'"}', 413),     # 1 MB of one word
        (b"[" * 100_000 + b"]" * 100_000, 400),                # nesting 10^5 deep
        (b'{"query": "ok", "k": 1' + b"0" * 5000 + b"}", 400),  # a 5,000-digit number
    ],
)
def test_raw_hostile_bodies_get_a_clear_4xx_in_the_one_shape(article_server: Server, body: bytes, status: int) -> None:
    got, answer = raw(article_server, "POST", "/api/retrieve", body)
    assert 400 <= got < 500 and set(answer) == {"error"}, (got, answer)
    assert got == status, (got, answer)


def test_ten_thousand_history_turns_are_refused(article_server: Server) -> None:
    turns = [{"role": "user", "content": "hi"}] * 10_000
    got, answer = raw(article_server, "POST", "/api/ask", json.dumps({"question": "q", "history": turns}).encode())
    assert got == 422 and "history" in answer["error"]["message"]


ROUTES = ["/api/documents/", "/gradio_api/file=", "/file=", "/gradio_api/file/", "/file/", "/static/", "/assets/",
          "/gradio_api/proxy=", "/v1/", "/api/answers/", "/gradio_api/", "/svelte/", "/custom_component/a/b/c/",
          "/gradio_api/stream/", "/theme.css/", "/favicon.ico/", "/"]
CLIMBS = ["../../../../../", "..%2F..%2F..%2F..%2F..%2F", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/",
          "..%252F..%252F..%252F..%252F", "....//....//....//....//", "..%5C..%5C..%5C..%5C", "%2F", "/",
          "%c0%ae%c0%ae/%c0%ae%c0%ae/", "..%00/", "%00", "..\\..\\..\\", "%ef%bc%8e%ef%bc%8e/", ".%2e/.%2e/.%2e/",
          "%252e%252e/"]
TARGETS = ["etc/passwd", "proc/self/environ", "etc/passwd%00.txt", "x%00", "%00", "", "C:%5Cwindows%5Cwin.ini",
           "%ff%fe"]


def test_two_thousand_traversal_paths_read_nothing_outside_and_break_nothing(article_server: Server) -> None:
    host, port = article_server.base.removeprefix("http://").split(":")
    paths = [route + climb + target for route in ROUTES for climb in CLIMBS for target in TARGETS]
    assert len(paths) >= 2000
    wrong = []
    for path in paths:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status >= 500 or b"root:" in body or b"PATH=" in body or b"[fonts]" in body:
            wrong.append((path, response.status))
    assert not wrong


def test_delete_cannot_reach_a_file_outside_the_corpus(article_server: Server) -> None:
    outside = article_server.corpus.parent / "keep-me.txt"
    outside.write_text("not a corpus document")
    host, port = article_server.base.removeprefix("http://").split(":")
    for climb in ["../", "..%2F", "%2e%2e/", "..%252F", "....//", "..%5C", str(article_server.corpus.parent) + "/"]:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("DELETE", f"/api/documents/{climb}keep-me.txt")
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status in (400, 404, 405), (climb, response.status)
    assert outside.exists()


@pytest.mark.parametrize("path", [
    "/api/documents/../../../../etc/passwd", "/api/documents/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/documents/%2Fetc%2Fpasswd", "/api/documents/alibaba-ai-infrastructure.txt%00.txt",
    "/gradio_api/file=/etc/passwd", "/gradio_api/file=..%2F..%2F..%2Fetc%2Fpasswd",
    "/gradio_api/file=%2Fproc%2Fself%2Fenviron", "/static/..%2F..%2F..%2Fetc%2Fpasswd",
    "/gradio_api/proxy=/etc/passwd%00", "/assets/..%2F..%2Fpyproject.toml",
])
def test_no_path_reaches_a_file_outside_what_is_served(article_server: Server, path: str) -> None:
    host, port = article_server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status in (400, 403, 404), (path, response.status)
    assert b"root:" not in body and b"[project]" not in body and b"PATH=" not in body
