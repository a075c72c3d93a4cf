"""The API edge over a real pipeline (real Chroma in a temp dir, hashed embedder)."""

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.core.config import Settings
from qa.core.errors import ERROR_TYPES
from qa.pipeline import Pipeline
from qa.server.api import create_app
from tests.fakes import HashEmbedder


@pytest.fixture
def client(tmp_path: Path, corpus: Path):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    embedder = HashEmbedder()
    pipeline = Pipeline.from_settings(settings, embedder)
    pipeline.index()
    with TestClient(create_app(pipeline)) as c:
        yield c
    pipeline.close()


def test_retrieve_returns_qa_k_passages_by_default(tmp_path: Path, corpus: Path) -> None:
    pipeline = Pipeline.from_settings(Settings(index_dir=tmp_path / "index", corpus_dir=corpus, k=7), HashEmbedder())
    pipeline.index()
    with TestClient(create_app(pipeline)) as c:
        assert len(c.post("/api/retrieve", json={"query": "Alibaba"}).json()["passages"]) == 7
    pipeline.close()


def test_health_reports_the_index(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["ready"] is True and body["documents"] == 1 and body["chunks"] > 5
    assert body["status"] == "ready"
    assert body["model"] == "hash-embedder:1"


def test_retrieve_returns_passages_with_exact_offsets(client: TestClient) -> None:
    r = client.post("/api/retrieve", json={"query": "Who co-founded Alibaba?", "k": 3})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert len(passages) == 3
    doc = client.get(f"/api/documents/{passages[0]['doc_id']}").json()
    for p in passages:
        assert doc["text"][p["start"] : p["end"]] == p["text"]
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": ""}, "query"),
        ({"query": "   \n "}, "query"),
        ({"query": "x" * 2001}, "query"),
        ({"query": "ok", "k": 0}, "k"),
        ({"query": "ok", "k": 51}, "k"),
        ({"query": "ok", "k": "5"}, "k"),
        ({"query": 42}, "query"),
        ({"k": 3}, "query"),
        ({"query": "ok", "extra": 1}, "extra"),
        ({"query": "\x00\x00"}, "query"),
        ({"query": "who\x1b[31m"}, "query"),
        ({"query": "\u200b\u200d\ufeff "}, "query"),
        ({"query": "ok", "hybrid": "yes"}, "hybrid"),
        ({"query": "ok", "hybrid": 0}, "hybrid"),
    ],
)
def test_bad_retrieve_input_gets_422_in_the_one_error_shape(client: TestClient, body, field) -> None:
    r = client.post("/api/retrieve", json=body)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["type"] == "invalid_request"
    assert field in error["message"]
    assert any(d["field"] == field for d in error["details"])


def test_bad_ask_input_gets_422(client: TestClient) -> None:
    for body in ({"question": " "}, {"question": "q", "history": [{"role": "x", "content": "c"}]},
                 {"question": "q", "k": 99}):
        assert client.post("/api/ask", json=body).status_code == 422


def test_malformed_json_gets_422(client: TestClient) -> None:
    r = client.post("/api/retrieve", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "error" in r.json()


def test_unknown_answer_and_document_get_404(client: TestClient) -> None:
    for path in ("/api/answers/nope", "/api/documents/nope.txt"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.json()["error"]["type"] == "not_found"


def test_ask_returns_verified_citations_and_a_provenance_record(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "Which Citigroup analyst commented?"}).json()
    doc = client.get("/api/documents/alibaba-ai-infrastructure.txt").json()["text"]
    for c in body["citations"]:
        assert doc[c["start"] : c["end"]] == c["quote"]
    record = client.get(f"/api/answers/{body['answer_id']}").json()
    assert record["question"] == "Which Citigroup analyst commented?"
    assert record["passages"] and "timings_ms" in record


def test_stream_ends_with_the_final_answer(client: TestClient) -> None:
    import json

    with client.stream("POST", "/api/ask/stream", json={"question": "Who co-founded Alibaba?"}) as r:
        events = [json.loads(line) for line in r.iter_lines() if line]
    assert events[-1]["type"] == "answer"
    tokens = "".join(e["text"] for e in events if e["type"] == "token")
    assert tokens == events[-1]["answer"]


@pytest.mark.parametrize("with_ui", [False, True])
def test_unknown_routes_and_wrong_methods_get_404_and_405_in_the_one_error_shape(
    tmp_path: Path, corpus: Path, with_ui: bool
) -> None:
    from qa.server.app import build_app

    pipeline = Pipeline.from_settings(Settings(index_dir=tmp_path / "index", corpus_dir=corpus), HashEmbedder())
    with TestClient(build_app(pipeline, with_ui=with_ui), base_url="http://127.0.0.1") as c:
        r = c.put("/api/ask", json={"question": "q"})
        assert r.status_code == 405 and r.headers["allow"] == "POST"
        assert r.json()["error"]["type"] == "method_not_allowed"
        r = c.get("/api/nothing-here")
        assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"
        r = c.patch("/api/documents/a.txt")
        assert r.status_code == 405 and r.headers["allow"] == "DELETE, GET"
    pipeline.close()


def test_a_body_that_is_not_utf8_gets_a_clear_4xx(client: TestClient) -> None:
    r = client.post("/api/retrieve", content=b'{"query": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500 and r.json()["error"]["message"]


def test_openapi_docs_are_served_without_any_cdn(client: TestClient) -> None:
    import re

    assert "/api/retrieve" in client.get("/openapi.json").json()["paths"]
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith("/") for a in assets), assets  # nothing from another host
        for asset in assets:
            assert client.get(asset).status_code == 200, asset


def test_reindex_endpoint_picks_up_a_new_file(client: TestClient, corpus: Path) -> None:
    (corpus / "new.txt").write_text("Penguins swim in the cold southern ocean.\n", encoding="utf-8")
    report = client.post("/api/index").json()
    assert report["added"] == 1 and report["unchanged"] == 1
    hits = client.post("/api/retrieve", json={"query": "penguins southern ocean", "k": 1}).json()
    assert hits["passages"][0]["doc_id"] == "new.txt"
    assert client.get("/api/health").json()["documents"] == 2


def test_the_ui_takes_uploads_up_to_the_limit_and_proxies_nothing(tmp_path: Path, corpus: Path) -> None:
    from qa.server.app import build_app

    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, max_upload_bytes=50_000)
    pipeline = Pipeline.from_settings(settings, HashEmbedder())
    with TestClient(build_app(pipeline), base_url="http://127.0.0.1") as c:
        r = c.post("/gradio_api/upload", files={"files": ("big.txt", b"x" * 100_000)})
        assert r.status_code == 413, r.text
        r = c.get("/gradio_api/proxy=/etc/passwd%00")
        assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"
    pipeline.close()


def test_an_oversized_body_gets_413_in_the_one_error_shape(client: TestClient) -> None:
    r = client.post("/api/ask", content=b'{"question": "' + b"a" * 2_000_000 + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "too_large"


def test_with_an_api_key_the_api_needs_it(tmp_path: Path, corpus: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, api_key="s3cret")
    pipeline = Pipeline.from_settings(settings, HashEmbedder())
    pipeline.index()
    with TestClient(create_app(pipeline)) as c:
        r = c.post("/api/retrieve", json={"query": "Alibaba"})
        assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"
        wrong = c.post("/api/retrieve", json={"query": "Alibaba"}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = c.post("/api/retrieve", json={"query": "Alibaba"}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json()["passages"]
        assert c.get("/api/health").status_code == 200  # monitoring needs no key
    pipeline.close()


def test_feedback_is_kept_with_the_answers_provenance(client: TestClient, tmp_path: Path) -> None:
    import json

    answer = client.post("/api/ask", json={"question": "Who co-founded Alibaba?"}).json()
    r = client.post(f"/api/answers/{answer['answer_id']}/feedback", json={"rating": "down", "comment": "too long"})
    assert r.status_code == 200 and r.json()["feedback"]["rating"] == "down"
    record = client.get(f"/api/answers/{answer['answer_id']}").json()
    assert record["feedback"]["comment"] == "too long" and record["citations"] == answer["citations"]
    kept = [json.loads(line) for line in (tmp_path / "index" / "feedback.jsonl").read_text().splitlines()]
    assert kept[-1]["answer_id"] == answer["answer_id"] and kept[-1]["question"] == "Who co-founded Alibaba?"
    assert client.post("/api/answers/nope/feedback", json={"rating": "up"}).status_code == 404
    bad = client.post(f"/api/answers/{answer['answer_id']}/feedback", json={"rating": "meh"})
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "invalid_request"




@pytest.mark.parametrize(("method", "path", "kwargs", "status", "kind"), [
    ("post", "/api/ask", {"json": {"question": ""}}, 422, "invalid_request"),
    ("post", "/api/ask/stream", {"json": {"question": "ok", "k": 2.5}}, 422, "invalid_request"),
    ("post", "/api/retrieve", {"content": b'{"query": "\xff\xfe"}', "headers": {"content-type": "application/json"}},
     400, "bad_request"),
    ("get", "/api/documents/missing.txt", {}, 404, "not_found"),
    ("delete", "/api/documents/missing.txt", {}, 404, "not_found"),
    ("post", "/api/answers/nope/feedback", {"json": {"rating": "up"}}, 404, "not_found"),
    ("post", "/api/documents", {"files": {"file": ("tool.exe", b"MZ")}}, 415, "unsupported_format"),
    ("put", "/api/ask", {}, 405, "method_not_allowed"),
    ("get", "/api/nothing", {}, 404, "not_found"),
    ("post", "/v1/chat/completions", {"json": {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi?"}]}},
     404, "not_found"),
    ("post", "/v1/chat/completions", {"json": {"model": "qa", "messages": [{"role": "assistant", "content": "x"}]}},
     422, "invalid_request"),
])
def test_every_route_names_its_error_in_one_snake_case_vocabulary(client: TestClient, method: str, path: str,
                                                                   kwargs: dict, status: int, kind: str) -> None:
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["error"]["type"] == kind
    assert kind in ERROR_TYPES


def test_each_error_class_carries_its_snake_case_type() -> None:
    import re

    from qa.core import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.QAError)]
    assert len(classes) == 21
    assert len({c.type for c in classes}) == len(classes)
    for c in classes:
        assert re.fullmatch(r"[a-z]+(?:_[a-z]+)*", c.type) and c.type in ERROR_TYPES


def test_wrong_api_keys_are_throttled(tmp_path: Path, corpus: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, api_key="s3cret", login_failures_per_minute=3)
    pipeline = Pipeline.from_settings(settings, HashEmbedder())
    with TestClient(create_app(pipeline)) as c:
        guesses = [c.get("/api/documents", headers={"Authorization": f"Bearer guess{i}"}) for i in range(5)]
        assert [r.status_code for r in guesses] == [401, 401, 401, 429, 429]
        assert int(guesses[-1].headers["retry-after"]) >= 1 and guesses[-1].json()["error"]["type"] == "rate_limited"
        assert c.get("/api/documents", headers={"Authorization": "Bearer s3cret"}).status_code == 429  # for a minute
    pipeline.close()


@pytest.mark.parametrize(("headers", "status"), [
    ({"Host": "rebind.example:8000"}, 421),
    ({"Host": "evil.example"}, 421),
    ({"Host": "localhost:8000"}, 202),
    ({"Host": "[::1]:8000"}, 202),
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, 403),
    ({"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"}, 403),
    ({"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1"}, 202),
    ({"Origin": "http://127.0.0.1"}, 202),
    ({}, 202),
])
def test_uploads_need_a_trusted_host_and_no_other_site(tmp_path: Path, corpus: Path, headers: dict[str, str],
                                                       status: int) -> None:
    from qa.server.app import build_app

    pipeline = Pipeline.from_settings(Settings(index_dir=tmp_path / "index", corpus_dir=corpus), HashEmbedder())
    with TestClient(build_app(pipeline, with_ui=False), base_url="http://127.0.0.1") as c:
        r = c.post("/api/documents", files={"file": ("note.txt", b"Penguins swim.")}, headers=headers)
        assert r.status_code == status, r.text
        if status >= 400:
            assert r.json()["error"]["type"] in ("untrusted_host", "cross_site")
            assert not (corpus / "note.txt").exists()
        while pipeline.catalog.indexing():  # the upload's background run, before the index closes
            time.sleep(0.05)
    pipeline.close()


def test_extra_host_names_are_answered_when_allowed(tmp_path: Path, corpus: Path) -> None:
    from qa.server.app import build_app

    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, allowed_hosts=["qa.lan"])
    pipeline = Pipeline.from_settings(settings, HashEmbedder())
    with TestClient(build_app(pipeline, with_ui=False), base_url="http://qa.lan:8000") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"Host": "other.lan"}).status_code == 421
    pipeline.close()
