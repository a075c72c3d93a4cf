"""Each integration for programs, exercised by its real client library against the real
server (real model, real Chroma): qa.edges.client, the openai SDK and LangChain's ChatOpenAI,
LangChain's standard retriever tests, the mcp client (streamable HTTP and stdio) and
gradio_client."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from qa.edges.client import Client, ServerError
from qa.edges.langchain_retriever import QARetriever
from tests.servers import QA, Server

pytestmark = pytest.mark.integration

QUESTION = "Who co-founded Alibaba?"


def in_own_loop(coroutine: Any) -> Any:
    with ThreadPoolExecutor(1) as pool:  # the browser tests keep a loop in the main thread
        return pool.submit(asyncio.run, coroutine).result()


def document_text(server: Server, doc_id: str) -> str:
    return Client(server.base).document(doc_id).text


def test_the_python_client_returns_typed_results(article_server: Server) -> None:
    client = Client(article_server.base)
    answer = client.ask(QUESTION)
    assert not answer.abstained and "Jack Ma" in answer.answer
    text = client.document(answer.citations[0].doc_id).text
    assert all(text[c.start:c.end] == c.quote for c in answer.citations)
    passages = client.retrieve(QUESTION, k=2)
    assert len(passages) == 2 and all(text[p.start:p.end] == p.text for p in passages)
    assert [d.doc_id for d in client.documents()] == ["alibaba-ai-infrastructure.txt"]
    with pytest.raises(ServerError, match="422: question: must not be empty or whitespace"):
        client.ask("   ")


def test_the_openai_sdk_gets_grounded_replies(article_server: Server) -> None:
    from openai import NotFoundError, OpenAI, UnprocessableEntityError

    client = OpenAI(base_url=article_server.base + "/v1", api_key="not-needed")
    assert [m.id for m in client.models.list()] == ["qa"]
    reply = client.chat.completions.create(model="qa", messages=[{"role": "user", "content": QUESTION}])
    message = reply.choices[0].message
    assert "Jack Ma" in message.content and "[1]" in message.content
    citations = message.model_extra["citations"]
    text = document_text(article_server, citations[0]["doc_id"])
    assert all(text[c["start"]:c["end"]] == c["quote"] for c in citations)
    pieces = client.chat.completions.create(model="qa", stream=True,
                                            messages=[{"role": "user", "content": QUESTION}])
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in pieces)
    assert streamed == message.content
    with pytest.raises(NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(UnprocessableEntityError, match="user's question"):
        client.chat.completions.create(model="qa", messages=[{"role": "assistant", "content": "Hi"}])


def test_langchain_chat_openai_uses_qa_as_a_model(article_server: Server) -> None:
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=article_server.base + "/v1", model="qa", api_key="not-needed", max_retries=0)
    assert "Jack Ma" in chat.invoke(QUESTION).content


class TestQARetrieverStandard(RetrieversIntegrationTests):
    """LangChain's own standard retriever tests, unmodified, over the real server."""

    base_url = ""

    @pytest.fixture(autouse=True)
    def _server(self, article_server: Server) -> None:
        type(self).base_url = article_server.base

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return QARetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"base_url": self.base_url}

    @property
    def retriever_query_example(self) -> str:
        return "How much will Alibaba invest in AI infrastructure?"


def mcp_calls(server: Any, *calls: tuple[str, dict]) -> tuple[list[str], list[Any]]:
    from mcp import Client as MCPClient

    async def run() -> tuple[list[str], list[Any]]:
        async with MCPClient(server) as c:
            tools = [t.name for t in (await c.list_tools()).tools]
            return tools, [await c.call_tool(name, args) for name, args in calls]

    return in_own_loop(run())


def check_mcp(server: Server, target: Any) -> None:
    tools, (answer, found, empty, *bad_k) = mcp_calls(
        target, ("ask", {"question": QUESTION}), ("retrieve", {"query": QUESTION, "k": 3}),
        ("ask", {"question": ""}), ("retrieve", {"query": QUESTION, "k": "5"}),
        ("retrieve", {"query": QUESTION, "k": 2.5}), ("retrieve", {"query": QUESTION, "k": 51}))
    assert sorted(tools) == ["ask", "get_document", "list_documents", "retrieve"]
    record = answer.structured_content
    assert not record["abstained"] and "Jack Ma" in record["answer"]
    text = document_text(server, record["citations"][0]["doc_id"])
    assert all(text[c["start"]:c["end"]] == c["quote"] for c in record["citations"])
    assert len(found.structured_content["result"]) == 3
    assert empty.is_error and "question" in empty.content[0].text
    assert all(r.is_error and "k" in r.content[0].text for r in bad_k)  # the API's rules for k: "5" is no number


def test_mcp_over_streamable_http(article_server: Server) -> None:
    check_mcp(article_server, article_server.base + "/mcp")


def test_mcp_over_stdio_through_the_server_that_owns_the_index(article_server: Server) -> None:
    from mcp.client.stdio import StdioServerParameters

    env = {**os.environ, "QA_INDEX_DIR": str(article_server.index), "QA_CORPUS_DIR": str(article_server.corpus)}
    check_mcp(article_server, StdioServerParameters(command=QA, args=["mcp"], env=env))


def test_gradio_client_gets_the_structured_answer(article_server: Server) -> None:
    from gradio_client import Client as GradioClient
    from gradio_client.exceptions import AppError

    client = GradioClient(article_server.base + "/", verbose=False)
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]
    record = client.predict(QUESTION, api_name="/ask")
    assert not record["abstained"] and "Jack Ma" in record["answer"] and record["answer_id"]
    text = document_text(article_server, record["citations"][0]["doc_id"])
    assert all(text[c["start"]:c["end"]] == c["quote"] for c in record["citations"])
    with pytest.raises(AppError, match="must not be empty or whitespace"):
        client.predict("   ", api_name="/ask")
