"""FastAPI app: a thin JSON edge over the Pipeline."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.exceptions import HTTPException
from starlette.routing import Match

from .admission import Admission, ApiKey
from .errors import QAError, error_body
from .pipeline import Pipeline, passage_record
from .schema import Answer

MAX_QUERY = 2000


def _not_blank(value: str) -> str:
    """Text with something to read: no control characters (NUL, escape ...), and more than
    whitespace and invisible format characters (zero-width space, BOM)."""
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in value):
        raise ValueError("must not contain control characters")
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in value):
        raise ValueError("must not be empty or whitespace")
    return value.strip()


Text = Annotated[StrictStr, Field(min_length=1, max_length=MAX_QUERY), AfterValidator(_not_blank)]


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"query": "How much will Alibaba invest in AI?", "k": 4}]},
    )
    query: Annotated[Text, Field(description="Question or keywords (1..2000 characters).")]
    k: Annotated[StrictInt | None, Field(ge=1, le=50, description="Number of passages (default QA_K).")] = None
    hybrid: StrictBool = Field(True, description="Fuse BM25 with dense retrieval (false: dense only).")


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Annotated[StrictStr, Field(max_length=20_000)]


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "Who co-founded Alibaba?"},
                {
                    "question": "How much did its shares fall?",
                    "history": [
                        {"role": "user", "content": "Who co-founded Alibaba?"},
                        {"role": "assistant", "content": "Jack Ma co-founded Alibaba."},
                    ],
                },
            ]
        },
    )
    question: Annotated[Text, Field(description="The question (1..2000 characters).")]
    history: Annotated[list[Turn], Field(max_length=50, description="Earlier turns, oldest first.")] = []
    k: Annotated[StrictInt | None, Field(ge=1, le=50, description="Passages to read.")] = None
    hybrid: StrictBool = True


class Passage(BaseModel):
    text: str
    doc_id: str
    title: str
    start: int
    end: int
    score: float
    chunk_id: str
    dense_score: float | None = None
    bm25_score: float | None = None


class RetrieveResponse(BaseModel):
    passages: list[Passage]


class CitationOut(BaseModel):
    doc_id: str
    title: str
    start: int
    end: int
    quote: str = Field(description="Exactly original_text[start:end] of the document.")


class AskResponse(BaseModel):
    answer: str
    abstained: bool
    conflict: bool = Field(description="The sources disagree: the answer says so and cites each side.")
    citations: list[CitationOut]
    passages: list[Passage]
    standalone_question: str
    answer_id: str
    confidence: float = Field(
        ge=0, le=1, description="Extractive answerer: the judge's calibrated probability that the answer "
        "sentence answers the question (for an abstention, that of the best sentence found).")
    answerer: str
    timings_ms: dict[str, float]


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "conflict": answer.conflict,
        "citations": [c.__dict__ for c in answer.citations],
        "passages": [passage_record(h) for h in answer.hits],
        "standalone_question": answer.standalone_question,
        "answer_id": answer.answer_id,
        "confidence": answer.confidence,
        "answerer": answer.answerer,
        "timings_ms": answer.timings_ms,
    }


class ErrorInfo(BaseModel):
    type: str = Field(description="invalid_request, not_found, too_large, overloaded, IndexNotReady, ...")
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The one error shape of every 4xx and 5xx the API answers."""

    error: ErrorInfo


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    meaning = {400: "Unparsable body", 401: "API key missing or wrong (QA_API_KEY is set)", 404: "Not found",
               413: "Body too large", 422: "Invalid request", 502: "The configured LLM failed",
               503: "Index not ready, or busy (Retry-After)"}
    return {code: {"model": ErrorBody, "description": meaning[code]} for code in codes}


QUESTION_ERRORS = _errors(400, 401, 413, 422, 502, 503)


def create_app(pipeline: Pipeline) -> FastAPI:
    """The JSON API over ``pipeline``: /api/health, /api/retrieve, /api/ask, ..."""
    app = FastAPIOffline(  # /docs and /redoc with Swagger UI / ReDoc served from the package, no CDN
        title="qa",
        version="0.1.0",
        description="Answers from your documents with verified citations, or an honest abstention.",
    )
    app.state.pipeline = pipeline
    app.add_middleware(Admission, limit=pipeline.settings.max_concurrent, queue=pipeline.settings.max_queue,
                       limited=("/api/ask", "/api/ask/stream", "/api/retrieve"),
                       max_body=pipeline.settings.max_body_bytes)
    if pipeline.settings.api_key:
        app.add_middleware(ApiKey, key=pipeline.settings.api_key)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"),
             "message": e["msg"].removeprefix("Value error, ")}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
        return JSONResponse(error_body("invalid_request", message, problems), status_code=422)

    @app.exception_handler(QAError)
    async def _qa_error(request: Request, exc: QAError) -> JSONResponse:
        return JSONResponse(error_body(type(exc).__name__, str(exc)), status_code=exc.status_code)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(kind, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        """Readiness: documents and chunks indexed, embedding model, answerer."""
        return pipeline.health()

    @app.post("/api/retrieve", response_model=RetrieveResponse, responses=_errors(400, 401, 413, 422, 503))
    def retrieve(body: RetrieveRequest) -> dict[str, Any]:
        """The best passages for a query (hybrid dense + BM25, fused by RRF), best first,
        each with exact character offsets into its document."""
        hits = pipeline.retrieve(body.query, body.k, hybrid=body.hybrid)
        return {"passages": [passage_record(h) for h in hits]}

    @app.post("/api/ask", response_model=AskResponse, responses=QUESTION_ERRORS)
    def ask(body: AskRequest) -> dict[str, Any]:
        """Answer a question with verified citations (every quote is exactly the source text
        at its offsets), or abstain when the documents do not say."""
        history = [t.model_dump() for t in body.history]
        return answer_json(pipeline.ask(body.question, history, body.k, body.hybrid))

    @app.post("/api/ask/stream", response_class=StreamingResponse, responses={
        200: {"description": "NDJSON lines", "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
        **QUESTION_ERRORS})
    def ask_stream(body: AskRequest) -> StreamingResponse:
        """Like /api/ask, as NDJSON: {"type":"token","text":...} lines as the answer comes,
        then one {"type":"answer", ...} line with the final answer and verified citations."""
        history = [t.model_dump() for t in body.history]
        stream = pipeline.ask_stream(body.question, history, body.k, body.hybrid)
        first = next(stream)  # errors (empty index, LLM down) surface before streaming starts

        def lines() -> Iterator[str]:
            try:
                for piece in _chain(first, stream):
                    if isinstance(piece, str):
                        yield json.dumps({"type": "token", "text": piece}) + "\n"
                    else:
                        yield json.dumps({"type": "answer", **answer_json(piece)}) + "\n"
            except QAError as exc:
                yield json.dumps({"type": "error", **error_body(type(exc).__name__, str(exc))}) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.post("/api/index", responses=_errors(400, 401))
    def reindex() -> dict[str, Any]:
        """Re-index the server's corpus folder (new, changed and removed files) without a
        restart; questions are answered from the previous index until it is done."""
        report = pipeline.index()
        return {**report.__dict__, "skipped": list(report.skipped)}

    @app.get("/api/answers/{answer_id}", responses=_errors(401, 404))
    def answer_record(answer_id: str) -> dict[str, Any]:
        """The provenance record of an answer: question, rewrite, passages with scores,
        answerer and model ids, timings."""
        return pipeline.answer_record(answer_id)

    @app.get("/api/documents/{doc_id:path}", responses=_errors(401, 404))
    def document(doc_id: str) -> dict[str, Any]:
        """An indexed document's original text (citation offsets refer to it)."""
        doc = pipeline.get_document(doc_id)
        return {"doc_id": doc.doc_id, "title": doc.title, "text": doc.text, "sha256": doc.sha256,
                "metadata": doc.metadata}

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                   include_in_schema=False, name="unknown_api_route")
    def unknown(request: Request, rest: str) -> None:
        """Under /api, a path we do not serve is 404 and a wrong method 405, in our error
        shape (without this, the web UI mounted at / would answer them)."""
        allowed = _allowed_methods(app, request)
        if allowed:
            raise HTTPException(405, f"{request.method} is not allowed on {request.url.path}; use "
                                f"{', '.join(allowed)}", headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404, f"no such route: {request.url.path}")

    return app


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """The methods our routes serve at the request's path (none: the path is unknown)."""
    scope = {**request.scope, "method": "GET"}
    return sorted({method for route in app.router.routes
                   if isinstance(route, APIRoute) and route.name != "unknown_api_route"
                   and route.matches(scope)[0] != Match.NONE for method in route.methods or ()})


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest
