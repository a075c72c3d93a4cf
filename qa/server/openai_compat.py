"""OpenAI-compatible chat endpoints: qa as a "model" whose replies are grounded answers.

``GET /v1/models`` lists the one model, ``qa``; ``POST /v1/chat/completions`` (streamed as
server-sent events or not) answers the last user message, earlier user and assistant turns
being the conversation. The reply text carries numbered citation markers and a "Sources"
list; the same citations travel structured in ``choices[0].message.citations`` (and the
final stream chunk), with ``qa`` holding answer id, abstention, conflict and confidence.
An abstention is an ordinary reply. System messages are ignored: qa answers from its
documents only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from qa.core.errors import InvalidRequest, NotFound, QAError, error_body
from qa.core.inputs import MAX_TURN, TurnText, checked_text
from qa.core.schema import Answer
from qa.edges.contract import QUESTION_ERRORS, answer_record, error_responses
from qa.pipeline import Pipeline

MODEL = "qa"


class TextPart(BaseModel):
    type: Literal["text"]
    text: TurnText


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls ...: accepted, not used
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: TurnText | Annotated[list[TextPart], Field(max_length=100)] | None = None

    @model_validator(mode="after")
    def _within_the_turn_limit(self) -> ChatMessage:
        if isinstance(self.content, list) and sum(len(p.text) for p in self.content) > MAX_TURN:
            raise ValueError(f"content: its text parts hold more than {MAX_TURN} characters together")
        return self

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    """What OpenAI clients send; sampling settings (temperature, top_p ...) are accepted and
    have no effect: answers are extracted, not sampled."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "examples": [{"model": MODEL, "messages": [{"role": "user", "content": "Who co-founded Alibaba?"}]}]})
    model: StrictStr = Field(description=f"Must be {MODEL!r} (see GET /v1/models).")
    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=100)]
    stream: StrictBool = False
    documents: Annotated[list[StrictStr] | None, Field(max_length=1000, description="qa's own: answer from these "
                                                       "document ids only (extra_body in OpenAI's client).")] = None


def conversation(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The question (the last message, the user's) and the earlier user/assistant turns.

    Raises:
        InvalidRequest: the last message is not a user's question with text.
    """
    if messages[-1].role != "user":
        raise InvalidRequest("the last message must be the user's question (role 'user')")
    question = checked_text("question", messages[-1].text())
    history = [{"role": m.role, "content": m.text()} for m in messages[:-1] if m.role in ("user", "assistant")]
    return question, history


def sources_text(answer: Answer) -> str:
    """The numbered sources a reply ends with (nothing for an abstention)."""
    if answer.abstained or not answer.citations:
        return ""
    lines = [f"[{i}] {c.title} ({c.doc_id}, characters {c.start}-{c.end}): “{c.quote}”"
             for i, c in enumerate(answer.citations, start=1)]
    markers = " " + " ".join(f"[{i}]" for i in range(1, len(answer.citations) + 1))
    return markers + "\n\nSources:\n" + "\n".join(lines)


def extras(answer: Answer) -> dict[str, Any]:
    """What a reply carries besides its text: structured citations and qa's own fields."""
    record = answer_record(answer)
    return {
        "citations": record["citations"],
        "qa": {key: record[key] for key in ("answer_id", "answer", "abstained", "conflict", "confidence",
                                            "answerer", "standalone_question", "shape", "layout")},
    }


# One server-sent event as a client reads it: ``data`` holds a chat.completion.chunk as JSON
# (the last event's data is ``[DONE]``).
SSE_EVENT = {"type": "object", "required": ["data"], "properties": {
    "data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"},
    "retry": {"type": "integer"}}}


def create_router(pipeline: Pipeline) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

    @router.get("/models", responses=error_responses(401))
    def models() -> dict[str, Any]:
        """The one model: ``qa`` (grounded answers from the indexed documents)."""
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "qa"}]}

    @router.post("/chat/completions", responses={
        200: {"description": "A chat.completion, or with stream=true server-sent chat.completion.chunk events",
              "content": {"text/event-stream": {"schema": SSE_EVENT}}},
        **QUESTION_ERRORS, **error_responses(404)})
    def chat_completions(body: ChatRequest) -> Any:
        """Answer the last user message from the documents, as an OpenAI chat completion."""
        if body.model != MODEL:
            raise NotFound(f"model {body.model!r} does not exist; this server serves {MODEL!r}")
        question, history = conversation(body.messages)
        created = int(time.time())
        stream = pipeline.ask_stream(question, history, documents=body.documents)
        first = next(stream)  # errors (empty index ...) surface before a reply starts
        if body.stream:
            return StreamingResponse(_events(first, stream, created), media_type="text/event-stream")
        *_, answer = chain((first,), stream)
        assert isinstance(answer, Answer)
        found = extras(answer)
        return {
            "id": f"chatcmpl-{answer.answer_id}",
            "object": "chat.completion",
            "created": created,
            "model": MODEL,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": answer.answer + sources_text(answer),
                                     "refusal": None, "citations": found["citations"]}}],
            "qa": found["qa"],
        }

    return router


def _events(first: str | Answer, rest: Iterator[str | Answer], created: int) -> Iterator[str]:
    """Server-sent chat.completion.chunk events: the role, the answer as it comes, its
    sources, then a last chunk with the citations; ``[DONE]`` at the end."""

    def event(delta: dict[str, Any], finish: str | None = None, **more: Any) -> str:
        chunk = {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **more}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    chunk_id = f"chatcmpl-{created}"
    yield event({"role": "assistant", "content": ""})
    try:
        for piece in chain((first,), rest):
            if isinstance(piece, str):
                yield event({"content": piece})
            else:
                found = extras(piece)
                tail = sources_text(piece)
                if tail:
                    yield event({"content": tail})
                yield event({}, "stop", citations=found["citations"], qa=found["qa"])
    except QAError as exc:
        yield f"data: {json.dumps(error_body(exc.type, str(exc)))}\n\n"
    yield "data: [DONE]\n\n"

