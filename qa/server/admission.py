"""What the server admits: request bodies that arrive in time (408 otherwise, on every route),
API bodies up to a size (413 before they are read whole), at most ``limit`` questions worked
on at once and ``queue`` more waiting (beyond that 503 with ``Retry-After`` at once instead of
piling up); a question takes its slot only once its body has been read, so a slow client holds
none. One log line per API request: method, path, status, milliseconds."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any

from qa.core.errors import (
    BadRequest,
    Overloaded,
    RateLimited,
    RequestTimeout,
    TooLarge,
    Unauthorized,
)
from qa.core.limits import PerClient
from qa.edges.asgi import read_body, refuse, replay

log = logging.getLogger("qa.requests")

Scope = dict[str, Any]
# Where programs talk to us: our JSON API, the OpenAI-compatible endpoints, MCP over HTTP.
PROGRAM_PATHS = ("/api/", "/v1/", "/mcp")


def for_programs(path: str) -> bool:
    return path.startswith(PROGRAM_PATHS)


class ApiKey:
    """Pure ASGI middleware: with a key set, every route for programs (``PROGRAM_PATHS``) but
    /api/health needs ``Authorization: Bearer <key>`` (401 in the one error shape otherwise).
    Only a wrong key is a failed guess, counted per client address: after
    ``failures_per_minute`` of them a client's keyed requests get 429 until the minute has
    passed. A request with no key (an image tag on any page the user has open) counts for
    nothing, so no page can lock the key holder out."""

    def __init__(self, app: Any, key: str, failures_per_minute: int) -> None:
        self.app = app
        self.expected = f"Bearer {key}".encode()
        self.failures = PerClient(60.0, failures_per_minute)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and for_programs(scope["path"]) and scope["path"] != "/api/health":
            given = dict(scope.get("headers") or []).get(b"authorization")
            if given is None:
                await refuse(send, Unauthorized("this server needs its API key: Authorization: Bearer KEY"))
                return
            failures = self.failures.window((scope.get("client") or ("?",))[0])
            wait = failures.wait()
            if wait:
                await refuse(send, RateLimited(f"too many requests with a wrong API key: retry in {wait:.0f} s", wait))
                return
            if not hmac.compare_digest(given, self.expected):
                failures.record()
                await refuse(send, Unauthorized("this server needs its API key: Authorization: Bearer KEY"))
                return
        await self.app(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class _BodyTimeout(Exception):
    pass


class BodyDeadline:
    """Pure ASGI middleware: a request body must have arrived whole ``seconds`` after the
    request started, or the request is answered 408 (and the connection closed): a client
    trickling its body holds nothing for long. What the app reads after the body (a
    disconnect) is not timed."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        state = {"body_done": False, "timed_out": False, "started": False}

        async def receive_in_time() -> dict[str, Any]:
            if state["body_done"]:
                return dict(await receive())
            try:
                message: dict[str, Any] = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                state["timed_out"] = True
                raise _BodyTimeout from None
            if message["type"] != "http.request" or not message.get("more_body"):
                state["body_done"] = True
            return message

        async def send_unless_timed_out(message: dict[str, Any]) -> None:
            if state["timed_out"]:
                return  # the app's answer to a body it never got (FastAPI: 400): ours is sent instead
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, receive_in_time, send_unless_timed_out)
        except _BodyTimeout:
            pass
        if state["timed_out"] and not state["started"]:
            # ... and the connection is closed: a client that keeps trickling holds nothing
            await refuse(send, RequestTimeout(f"the request body did not arrive within {self.seconds:g} s"), close=True)


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
                body = await read_body(receive_limited) or b""  # before a slot is taken
                await self._admitted(scope, replay(body, receive), send_logged)
            else:
                await self.app(scope, receive_limited, send_logged)
        except _BodyTooLarge:
            if not status["code"]:
                await refuse(send_logged, TooLarge(f"the request body is over {max_body} bytes"),
                             {"max_bytes": max_body})
        except ValueError:  # a content-length that is not a number
            if not status["code"]:
                await refuse(send_logged, BadRequest("invalid Content-Length header"))
        finally:
            log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status["code"],
                     (time.perf_counter() - t0) * 1000)

    async def _admitted(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.pending >= self.limit + self.queue:
            await refuse(send, Overloaded("the server is busy with other questions; retry in a second"),
                         {"pending": self.pending})
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        self.pending += 1
        try:
            async with self._slots:
                await self.app(scope, receive, send)
        finally:
            self.pending -= 1
