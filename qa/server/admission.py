"""What the API admits: bodies up to a size (413 before they are read whole), at most
``limit`` questions worked on at once and ``queue`` more waiting (beyond that 503 with
``Retry-After`` at once instead of piling up). One log line per API request: method, path,
status, milliseconds."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any

from qa.errors import error_body

log = logging.getLogger("qa.requests")

Scope = dict[str, Any]
# Where programs talk to us: our JSON API, the OpenAI-compatible endpoints, MCP over HTTP.
PROGRAM_PATHS = ("/api/", "/v1/", "/mcp")


def for_programs(path: str) -> bool:
    return path.startswith(PROGRAM_PATHS)


class ApiKey:
    """Pure ASGI middleware: with a key set, every route for programs (``PROGRAM_PATHS``) but
    /api/health needs ``Authorization: Bearer <key>`` (401 in the one error shape otherwise)."""

    def __init__(self, app: Any, key: str) -> None:
        self.app = app
        self.expected = f"Bearer {key}".encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and for_programs(scope["path"]) and scope["path"] != "/api/health"
                and not hmac.compare_digest(dict(scope.get("headers") or []).get(b"authorization", b""),
                                            self.expected)):
            await refuse(send, 401, "unauthorized", "this server needs its API key: Authorization: Bearer KEY",
                         None)
            return
        await self.app(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class Admission:
    """Pure ASGI middleware over the routes for programs (``PROGRAM_PATHS``): body size for all,
    slots for the routes that do model work (``limited`` paths)."""

    def __init__(self, app: Any, limit: int, queue: int, limited: tuple[str, ...], max_body: int,
                 larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit, self.queue, self.limited, self.max_body = limit, queue, limited, max_body
        self.larger = larger or {}  # path -> its own body limit (uploads)
        self._slots: asyncio.Semaphore | None = None  # created in the server's event loop
        self.pending = 0  # working + waiting

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not for_programs(scope["path"]):
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = {"code": 0}

        async def send_logged(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        received = 0
        max_body = self.larger.get(scope["path"], self.max_body) if scope["method"] == "POST" else self.max_body

        async def receive_limited() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            received += len(message.get("body", b""))
            if received > max_body:
                raise _BodyTooLarge
            return message

        try:
            declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
            if int(declared or 0) > max_body:
                raise _BodyTooLarge
            if scope["method"] == "POST" and scope["path"] in self.limited:
                await self._admitted(scope, receive_limited, send_logged)
            else:
                await self.app(scope, receive_limited, send_logged)
        except _BodyTooLarge:
            if not status["code"]:
                await refuse(send_logged, 413, "too_large", f"the request body is over {max_body} bytes",
                             {"max_bytes": max_body})
        except ValueError:  # a content-length that is not a number
            if not status["code"]:
                await refuse(send_logged, 400, "bad_request", "invalid Content-Length header", None)
        finally:
            log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status["code"],
                     (time.perf_counter() - t0) * 1000)

    async def _admitted(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.pending >= self.limit + self.queue:
            await refuse(send, 503, "overloaded", "the server is busy with other questions; retry in a second",
                         {"pending": self.pending}, retry_after=1)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        self.pending += 1
        try:
            async with self._slots:
                await self.app(scope, receive, send)
        finally:
            self.pending -= 1


async def refuse(send: Any, status: int, kind: str, message: str, details: Any, retry_after: int | None = None,
                 allow: str | None = None) -> None:
    """An error response in the API's one shape, without reading the request."""
    body = json.dumps(error_body(kind, message, details)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    if allow is not None:
        headers.append((b"allow", allow.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
