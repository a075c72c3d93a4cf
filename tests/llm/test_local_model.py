"""The LLM path with a real local model (issue 39): llama.cpp's OpenAI-compatible server with the
packaged Qwen2.5-Coder-1.5B GGUF, behind the real qa server. `make test-llm` starts the model and
sets QA_LLM, QA_LLM_BASE_URL and QA_LLM_MODEL; `make test` leaves these tests out (marker `llm`).

A small model says what it likes; what must hold whatever it says: every sentence the reader gets is
one the grounding gate passed, cited by a span that is exactly the source's text, and a stream shows
nothing the final answer does not hold."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator

import pytest

from tests.servers import Server, article_served
from tests.support import ARTICLE

pytestmark = pytest.mark.llm
TEXT = ARTICLE.read_text(encoding="utf-8")
QUESTIONS = ["Who co-founded Alibaba?", "How much does Alibaba plan to spend on AI infrastructure?",
             "Which firm pointed out Microsoft's lease cancellations?", "Who is Alibaba's chief financial officer?"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if os.environ.get("QA_LLM") != "openai" or not os.environ.get("QA_LLM_BASE_URL"):
        pytest.fail("these tests need a running local model: run them with `make test-llm`")
    with article_served(tmp_path_factory.mktemp("local-llm")) as server:
        yield server


def exact(citations: list[dict]) -> bool:
    return all(TEXT[c["start"]:c["end"]] == c["quote"] for c in citations)


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_sentence_read_is_gated_and_cited_exactly(served: Server, question: str) -> None:
    status, answer = served.post("/api/ask", {"question": question})
    assert status == 200, answer
    if answer["abstained"]:
        assert answer["citations"] == [] and answer["abstention"]["reason"]
        return
    assert answer["citations"] and exact(answer["citations"])
    for part in answer["parts"]:  # each part read is a cited source sentence (or a clause of one)
        assert any(part.strip().rstrip(".") in c["quote"] or c["quote"] in part for c in answer["citations"])


def test_the_stream_shows_exactly_the_final_answer(served: Server) -> None:
    request = urllib.request.Request(served.base + "/api/ask/stream", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"question": QUESTIONS[1]}).encode())
    with urllib.request.urlopen(request, timeout=600) as response:
        events = [json.loads(line) for line in response.read().decode().splitlines() if line.strip()]
    streamed = "".join(e["text"] for e in events if e["type"] == "token")
    final = events[-1]
    assert final["type"] == "answer", final
    assert exact(final["citations"])
    if final["abstained"]:
        assert streamed.strip() in ("", final["answer"].strip())
    else:
        assert streamed.strip() == final["answer"].strip()


def test_the_openai_client_streams_only_gated_text(served: Server) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=served.base + "/v1", api_key="unused", timeout=600)
    chunks = list(client.chat.completions.create(
        model="qa", stream=True, messages=[{"role": "user", "content": QUESTIONS[0]}]))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = chunks[-1].model_extra or {}
    assert final.get("qa"), "the last chunk carries qa's record"
    assert exact(final.get("citations", []))
    if not final["qa"]["abstained"]:  # the text streamed is the answer, its sources listed after it
        assert streamed.startswith(final["qa"]["answer"].strip())
