"""Plain ASGI helpers the server's middleware and the web UI's guard share: read a request body
within a limit, hand an already-read body on, refuse a request in the API's one error shape."""

from __future__ import annotations

import json
from typing import Any

from qa.core.errors import QAError, error_body


async def read_body(receive: Any, limit: int | None = None) -> bytes | None:
    """The whole request body, or None past ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Any) -> Any:
    """A ``receive`` that hands the already-read body to the app, then passes on what the
    client's connection says (its disconnect)."""
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replayed


async def refuse(send: Any, error: QAError, details: Any = None, close: bool = False) -> None:
    """``error`` as a response in the API's one shape (its status, kind and, where it has them,
    Retry-After and Allow), without reading the request; with ``close``, the connection is closed
    after it (``Connection: close``)."""
    retry_after, allow = getattr(error, "retry_after", None), getattr(error, "allow", None)
    body = json.dumps(error_body(error.type, str(error), details)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    if allow is not None:
        headers.append((b"allow", allow.encode()))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
