"""Bounded work at the API edge: at most ``limit`` questions are worked on at once and at
most ``queue`` more wait; beyond that a request is answered 503 with ``Retry-After`` at once
instead of piling up. One log line per API request: method, path, status, milliseconds."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

log = logging.getLogger("qa.requests")

Scope = dict[str, Any]


class Admission:
    """Pure ASGI middleware over the routes that do model work (``limited`` paths)."""

    def __init__(self, app: Any, limit: int, queue: int, limited: tuple[str, ...]) -> None:
        self.app = app
        self.limit, self.queue, self.limited = limit, queue, limited
        self._slots: asyncio.Semaphore | None = None  # created in the server's event loop
        self.pending = 0  # working + waiting

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = {"code": 0}

        async def send_logged(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            if scope["method"] == "POST" and scope["path"] in self.limited:
                await self._admitted(scope, receive, send_logged)
            else:
                await self.app(scope, receive, send_logged)
        finally:
            log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status["code"],
                     (time.perf_counter() - t0) * 1000)

    async def _admitted(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.pending >= self.limit + self.queue:
            await busy(send, self.pending)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        self.pending += 1
        try:
            async with self._slots:
                await self.app(scope, receive, send)
        finally:
            self.pending -= 1


async def busy(send: Any, pending: int) -> None:
    """503 in the API's one error shape, with Retry-After."""
    body = json.dumps({"error": {"type": "overloaded",
                                 "message": "the server is busy with other questions; retry in a second",
                                 "details": {"pending": pending}}}).encode()
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
