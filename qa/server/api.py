"""FastAPI app: a thin JSON edge over the Pipeline."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from qa.core.errors import BY_STATUS, HttpError, InvalidRequest, MethodNotAllowed, NotFound, QAError, error_body
from qa.edges.asgi import refuse
from qa.edges.reader import LocalClient
from qa.pipeline import Pipeline
from qa.server.admission import Admission, ApiKey
from qa.server.mcp_tools import create_mcp
from qa.server.openai_compat import create_router
from qa.server.origins import mcp_security, trusted_names
from qa.server.routes import answers_router, ask_router, documents_router, health_router


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
        return JSONResponse(error_body(InvalidRequest.type, message, problems), status_code=InvalidRequest.status_code)

    @app.exception_handler(QAError)
    async def _qa_error(request: Request, exc: QAError) -> JSONResponse:
        retry = getattr(exc, "retry_after", None)
        return JSONResponse(error_body(exc.type, str(exc)), status_code=exc.status_code,
                            headers=None if retry is None else {"Retry-After": str(retry)})

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = BY_STATUS.get(exc.status_code, HttpError).type
        return JSONResponse(error_body(kind, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    for router in (health_router(pipeline), ask_router(pipeline), documents_router(pipeline),
                   answers_router(pipeline), create_router(pipeline)):
        app.include_router(router)
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
                await refuse(send, NotFound(f"no such route: {scope['path']}"))
                return
            if method not in allowed and not (method == "HEAD" and "GET" in allowed):
                await refuse(send, MethodNotAllowed(f"{method} is not allowed on {scope['path']}; use "
                                                    f"{', '.join(allowed)}", ", ".join(allowed)))
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
