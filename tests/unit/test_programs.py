"""The OpenAI-compatible edge and the MCP tools over a real pipeline (real Chroma in a temp
dir, hashed embedder): request rules and reply shapes. The real client libraries against the
real server are in tests/integration/test_programs.py."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from qa.core.errors import InvalidRequest
from qa.edges.reader import LocalClient
from qa.pipeline import Pipeline
from qa.server.api import create_app
from qa.server.mcp_tools import create_mcp
from qa.server.openai_compat import ChatMessage, conversation


@pytest.fixture
def client(pipeline: Pipeline):
    with TestClient(create_app(pipeline)) as c:
        yield c


def message(role: str, content: object) -> ChatMessage:
    return ChatMessage.model_validate({"role": role, "content": content})


def test_the_question_is_the_last_user_message_and_earlier_turns_the_history() -> None:
    question, history = conversation([
        message("system", "You are helpful."),
        message("user", "Who co-founded Alibaba?"),
        message("assistant", "Jack Ma."),
        message("user", [{"type": "text", "text": "When did its shares fall?"}]),
    ])
    assert question == "When did its shares fall?"
    assert history == [{"role": "user", "content": "Who co-founded Alibaba?"},
                       {"role": "assistant", "content": "Jack Ma."}]


@pytest.mark.parametrize(("messages", "problem"), [
    ([("user", "Hi"), ("assistant", "Hello")], "last message must be the user's"),
    ([("user", "   ")], "empty or whitespace"),
    ([("user", "a\x00b")], "control characters"),
    ([("user", "x" * 2001)], "at most 2000"),
])
def test_a_chat_without_a_usable_question_is_refused(messages: list, problem: str) -> None:
    with pytest.raises(InvalidRequest, match=problem):
        conversation([message(r, c) for r, c in messages])


def test_models_lists_qa(client: TestClient) -> None:
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["qa"]


def test_a_chat_completion_carries_the_answer_its_markers_and_structured_citations(
        client: TestClient, pipeline: Pipeline) -> None:
    r = client.post("/v1/chat/completions", json={
        "model": "qa", "temperature": 0.2, "messages": [{"role": "user", "content": "Who co-founded Alibaba?"}]})
    assert r.status_code == 200
    body = r.json()
    choice = body["choices"][0]
    assert body["object"] == "chat.completion" and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    content, citations = choice["message"]["content"], choice["message"]["citations"]
    assert body["qa"]["abstained"] is (not citations)
    assert content.startswith(body["qa"]["answer"])
    for i, c in enumerate(citations, start=1):
        assert f"[{i}]" in content
        assert pipeline.get_document(c["doc_id"]).text[c["start"]:c["end"]] == c["quote"]


def test_a_streamed_chat_completion_says_the_same_as_the_plain_one(client: TestClient) -> None:
    body = {"model": "qa", "messages": [{"role": "user", "content": "How much will Alibaba invest?"}]}
    plain = client.post("/v1/chat/completions", json=body).json()
    with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line.removeprefix("data: ") for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    import json

    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == plain["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"] == plain["choices"][0]["message"]["citations"]


@pytest.mark.parametrize(("body", "status", "kind"), [
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi?"}]}, 404, "not_found"),
    ({"model": "qa", "messages": []}, 422, "invalid_request"),
    ({"model": "qa", "messages": [{"role": "user", "content": " "}]}, 422, "invalid_request"),
    ({"model": "qa", "messages": [{"role": "wizard", "content": "Hi?"}]}, 422, "invalid_request"),
    ({"model": "qa", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}, 422,
     "invalid_request"),
])
def test_bad_chat_requests_get_our_error_shape(client: TestClient, body: dict, status: int, kind: str) -> None:
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == status
    assert r.json()["error"]["type"] == kind and r.json()["error"]["message"]


def test_unknown_v1_routes_are_ours_not_the_uis(client: TestClient) -> None:
    r = client.get("/v1/embeddings")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"


def call_tools(pipeline: Pipeline, *calls: tuple[str, dict]) -> list:
    from mcp import Client

    async def run() -> list:
        async with Client(create_mcp(LocalClient(pipeline))) as c:
            return [await c.call_tool(name, args) for name, args in calls]

    with ThreadPoolExecutor(1) as pool:  # a loop of its own (the browser tests keep one in this thread)
        return pool.submit(asyncio.run, run()).result()


def test_mcp_tools_return_passages_answers_and_documents_with_offsets(pipeline: Pipeline) -> None:
    found, answer, listed = call_tools(pipeline, ("retrieve", {"query": "Who co-founded Alibaba?", "k": 2}),
                                       ("ask", {"question": "Who co-founded Alibaba?"}), ("list_documents", {}))
    passages = found.structured_content["result"]
    assert len(passages) == 2
    text = pipeline.get_document(passages[0]["doc_id"]).text
    assert all(text[p["start"]:p["end"]] == p["text"] for p in passages)
    assert set(answer.structured_content) >= {"answer", "abstained", "citations", "answer_id"}
    assert [d["doc_id"] for d in listed.structured_content["result"]] == ["alibaba-ai-infrastructure.txt"]


def test_mcp_tool_errors_carry_the_message(pipeline: Pipeline) -> None:
    empty, missing, too_many = call_tools(pipeline, ("ask", {"question": "  "}),
                                          ("get_document", {"doc_id": "nope.txt"}),
                                          ("retrieve", {"query": "x", "k": 99}))
    assert empty.is_error and "empty or whitespace" in empty.content[0].text
    assert missing.is_error and "no document with id 'nope.txt'" in missing.content[0].text
    assert too_many.is_error
