"""Bounded work at the API edge: a full queue is answered 503 at once, with Retry-After."""

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.server.admission import Admission


def run(coroutine):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own (the browser tests keep a loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class SlowApp:
    """An ASGI app that answers 200 once released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.running = 0
        self.most = 0

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        self.running += 1
        self.most = max(self.most, self.running)
        await self.release.wait()
        self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def call(app, path: str = "/api/ask", headers=(), chunks=(b"{}",)):  # type: ignore[no-untyped-def]
    sent: list[dict] = []
    parts = list(chunks)

    async def receive() -> dict:
        body = parts.pop(0) if parts else b""
        return {"type": "http.request", "body": body, "more_body": bool(parts)}

    async def send(message: dict) -> None:
        sent.append(message)

    await app({"type": "http", "method": "POST", "path": path, "headers": list(headers)}, receive, send)
    head = sent[0]
    return head["status"], dict(head["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_beyond_the_limit_and_the_queue_requests_get_503_with_retry_after(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        inner = SlowApp()
        app = Admission(inner, limit=1, queue=1, limited=("/api/ask",), max_body=1000)
        first = asyncio.create_task(call(app))
        second = asyncio.create_task(call(app))
        await asyncio.sleep(0.01)
        status, headers, body = await call(app)  # one working, one waiting: the third is refused
        assert status == 503 and headers[b"retry-after"] == b"1"
        assert json.loads(body)["error"]["type"] == "overloaded"
        inner.release.set()
        assert [(await first)[0], (await second)[0]] == [200, 200]
        assert (await call(app, "/api/health"))[0] == 200  # not limited
        assert inner.most == 1 and app.pending == 0

    with caplog.at_level(logging.INFO, logger="qa.requests"):
        run(scenario())
    assert any("POST /api/ask 503" in r.getMessage() for r in caplog.records)


class ReadingApp:
    """An ASGI app that reads the whole body, then answers 200."""

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def test_a_body_over_the_limit_gets_413_declared_or_streamed() -> None:
    app = Admission(ReadingApp(), limit=1, queue=0, limited=(), max_body=1000)
    status, _, body = run(call(app, "/api/retrieve", headers=[(b"content-length", b"5000000")]))
    assert status == 413 and json.loads(body)["error"]["type"] == "too_large"
    status, _, _ = run(call(app, "/api/retrieve", chunks=[b"x" * 600, b"x" * 600]))  # no length given
    assert status == 413
    assert run(call(app, "/api/retrieve", chunks=[b"x" * 600]))[0] == 200
    assert run(call(app, "/api/retrieve", headers=[(b"content-length", b"many")]))[0] == 400
