"""FastAPI app: a thin JSON edge over the Pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Any

from fastapi import FastAPI, File, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from qa.client import LocalClient
from qa.contract import (
    QUESTION_ERRORS,
    AskRequest,
    AskResponse,
    DocumentsResponse,
    DocumentText,
    FeedbackRequest,
    HealthResponse,
    RetrieveRequest,
    RetrieveResponse,
    UploadResponse,
    answer_record,
    document_info_record,
    document_record,
    error_responses,
    feedback_record,
    health_record,
    passage_record,
    provenance_record,
    upload_record,
)
from qa.errors import ErrorType, QAError, error_body
from qa.pipeline import Pipeline
from qa.server.admission import Admission, ApiKey, refuse
from qa.server.mcp_tools import create_mcp
from qa.server.openai_compat import create_router
from qa.server.origins import mcp_security, trusted_names


def create_app(pipeline: Pipeline) -> FastAPI:
    """The JSON API over ``pipeline``: /api/health, /api/retrieve, /api/ask, ...; the
    OpenAI-compatible /v1 endpoints and MCP at /mcp."""
    mcp = create_mcp(LocalClient(pipeline))
    security = mcp_security(trusted_names(pipeline.settings.host, pipeline.settings.allowed_hosts))
    mcp_http = mcp.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, transport_security=security)
    app = FastAPIOffline(  # /docs and /redoc with Swagger UI / ReDoc served from the package, no CDN
        lifespan=lambda _: mcp.session_manager.run(),
        title="qa",
        version="0.1.0",
        description="Answers from your documents with verified citations, or an honest abstention.",
    )
    app.state.pipeline = pipeline
    app.add_middleware(Admission, limit=pipeline.settings.max_concurrent, queue=pipeline.settings.max_queue,
                       limited=("/api/ask", "/api/ask/stream", "/api/retrieve", "/v1/chat/completions"),
                       max_body=pipeline.settings.max_body_bytes,
                       larger={"/api/documents": pipeline.settings.max_upload_bytes + 64_000})  # + multipart
    if pipeline.settings.api_key:
        app.add_middleware(ApiKey, key=pipeline.settings.api_key,
                           failures_per_minute=pipeline.settings.login_failures_per_minute)

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
        retry = getattr(exc, "retry_after", None)
        return JSONResponse(error_body(exc.type, str(exc)), status_code=exc.status_code,
                            headers=None if retry is None else {"Retry-After": str(retry)})

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kinds: dict[int, ErrorType] = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 408: "timeout"}
        kind = kinds.get(exc.status_code, "http_error")
        return JSONResponse(error_body(kind, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.get("/api/health", response_model=HealthResponse)
    def health() -> dict[str, Any]:
        """Readiness: documents and chunks indexed, embedding model, answerer."""
        return health_record(pipeline.health())

    @app.post("/api/retrieve", response_model=RetrieveResponse, responses=error_responses(400, 401, 413, 422, 503))
    def retrieve(body: RetrieveRequest) -> dict[str, Any]:
        """The best passages for a query (hybrid dense + BM25, fused by RRF), best first,
        each with exact character offsets into its document; ``documents`` and ``metadata``
        restrict the search to some documents."""
        hits = pipeline.retrieve(body.query, body.k, hybrid=body.hybrid, documents=body.documents,
                                 metadata=body.metadata)
        return {"passages": [passage_record(h) for h in hits]}

    @app.post("/api/ask", response_model=AskResponse, responses=QUESTION_ERRORS)
    def ask(body: AskRequest) -> dict[str, Any]:
        """Answer a question with verified citations (every quote is exactly the source text
        at its offsets), or abstain when the documents do not say."""
        history = [t.model_dump() for t in body.history]
        return answer_record(pipeline.ask(body.question, history, body.k, body.hybrid))

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
                for piece in chain((first,), stream):
                    if isinstance(piece, str):
                        yield json.dumps({"type": "token", "text": piece}) + "\n"
                    else:
                        yield json.dumps({"type": "answer", **answer_record(piece)}) + "\n"
            except QAError as exc:
                yield json.dumps({"type": "error", **error_body(exc.type, str(exc))}) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.post("/api/index", responses=error_responses(400, 401, 409))
    def reindex() -> dict[str, Any]:
        """Re-index the server's corpus folder (new, changed and removed files) without a
        restart; questions are answered from the previous index until it is done. One run at a
        time: while one is in progress, 409 at once."""
        report = pipeline.index(wait=False)
        return {**report.__dict__, "skipped": list(report.skipped)}

    @app.get("/api/answers/{answer_id}", responses=error_responses(401, 404, 422))
    def provenance(answer_id: str) -> dict[str, Any]:
        """The provenance record of an answer: question, rewrite, passages with scores,
        answerer and model ids, timings."""
        return provenance_record(pipeline.provenance(answer_id))

    @app.post("/api/answers/{answer_id}/feedback", responses=error_responses(400, 401, 404, 422))
    def feedback(answer_id: str, body: FeedbackRequest) -> dict[str, Any]:
        """Rate an answer (up or down, with an optional comment): kept with its provenance
        record and appended to feedback.jsonl beside the index."""
        record = pipeline.feedback(answer_id, body.rating, body.comment)
        assert record.feedback is not None
        return {"answer_id": answer_id, "feedback": feedback_record(record.feedback)}

    @app.get("/api/documents", response_model=DocumentsResponse, responses=error_responses(401))
    def documents() -> dict[str, Any]:
        """The indexed documents: id, title, number of chunks, content hash, metadata."""
        return {"documents": [document_info_record(d) for d in pipeline.documents()]}

    @app.post("/api/documents", response_model=UploadResponse, status_code=202,
              responses={200: {"model": UploadResponse, "description": "Already indexed (the same content)"},
                         **error_responses(400, 401, 413, 415, 422)})
    def upload(file: Annotated[UploadFile, File(description="The document (.txt, .md, .html, .pdf).")],
               response: Response) -> dict[str, Any]:
        """Add a document: saved into the corpus folder under a sanitised name (the same
        content twice is one document), then indexed in the background (progress in
        /api/health)."""
        outcome = pipeline.upload(file.filename or "", file.file.read(pipeline.settings.max_upload_bytes + 1))
        if outcome.indexed:
            response.status_code = 200
        return upload_record(outcome)

    @app.delete("/api/documents/{doc_id:path}", responses=error_responses(401, 404, 409, 422))
    def delete(doc_id: str) -> dict[str, Any]:
        """Remove an indexed document: its file from the corpus folder and its passages from the
        index (404 for anything qa does not list; 409 while an indexing run is in progress)."""
        pipeline.delete_document(doc_id, wait=False)
        return {"deleted": doc_id}

    @app.get("/api/documents/{doc_id:path}", response_model=DocumentText, responses=error_responses(401, 404, 422))
    def document(doc_id: str) -> dict[str, Any]:
        """An indexed document's original text (citation offsets refer to it)."""
        return document_record(pipeline.get_document(doc_id))

    app.include_router(create_router(pipeline))
    app.router.routes.extend(mcp_http.routes)  # MCP over streamable HTTP at /mcp

    app.add_middleware(Methods, routes=app.router.routes)
    return app


class Methods:
    """Pure ASGI middleware: under /api and /v1, a path we do not serve is 404 and a method
    it does not take (TRACE, CONNECT, QUERY ...) 405 with ``Allow``, in our error shape
    (without this, the web UI mounted at / would answer them)."""

    def __init__(self, app: Any, routes: list[Any]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("/api/", "/v1/")) and not _served(self.routes, scope):
            allowed = _allowed_methods(self.routes, scope)  # only on a miss: the usual request is asked once
            method = scope["method"]
            if not allowed:
                await refuse(send, 404, "not_found", f"no such route: {scope['path']}", None)
                return
            if method not in allowed and not (method == "HEAD" and "GET" in allowed):
                await refuse(send, 405, "method_not_allowed", f"{method} is not allowed on {scope['path']}; use "
                             f"{', '.join(allowed)}", None, allow=", ".join(allowed))
                return
        await self.app(scope, receive, send)


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _served(routes: list[Any], scope: dict[str, Any]) -> bool:
    """One of our routes takes the request as it is (path and method)."""
    return any(r.matches(scope)[0] == Match.FULL for r in routes if not isinstance(r, Mount))


def _allowed_methods(routes: list[Any], scope: dict[str, Any]) -> list[str]:
    """The methods our routes serve at the request's path (none: the path is unknown), found
    by asking each route whether it would take the path with that method (routers included
    by FastAPI are routes of their own; the UI mounted at / is not asked)."""
    ours = [r for r in routes if not isinstance(r, Mount)]
    return sorted(m for m in METHODS if any(r.matches({**scope, "method": m})[0] == Match.FULL for r in ours))
