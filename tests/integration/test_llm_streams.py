"""With an LLM plugged in, the streams carry only what the grounding gate passed (issue 39): a
scripted OpenAI-protocol server that always answers one unsupported sentence, behind the real qa
server; not a piece of that sentence reaches /api/ask/stream or /v1's stream."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from tests.scripted_llm import ScriptedLLM
from tests.servers import Server, article_served

pytestmark = pytest.mark.integration
UNSUPPORTED = "Joe Tsai and Wu are Jack Ma's successors as chairman of the Alibaba board since 2019 [1]."


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with ScriptedLLM(lambda messages: UNSUPPORTED) as llm, article_served(tmp_path_factory.mktemp("llm"), {
            "QA_LLM": "openai", "QA_LLM_BASE_URL": llm.base_url, "QA_LLM_MODEL": "scripted-1"}) as server:
        yield server


def stream(server: Server, path: str, body: dict) -> str:
    request = urllib.request.Request(server.base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read().decode()


@pytest.mark.parametrize("path", ["/api/ask/stream", "/v1/chat/completions"])
def test_an_unsupported_sentence_never_reaches_a_stream(llm_server: Server, path: str) -> None:
    question = "Who succeeded Jack Ma as chairman?"
    body = ({"question": question} if path.startswith("/api") else
            {"model": "qa", "stream": True, "messages": [{"role": "user", "content": question}]})
    raw = stream(llm_server, path, body)
    for fragment in ("successors", "Joe Tsai and Wu are", "since 2019"):
        assert fragment not in raw
    assert "couldn't find" in raw  # the refusal is what the reader sees
