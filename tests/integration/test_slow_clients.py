"""A client that trickles its body past the deadline gets 408 and its connection closed, even
while it keeps sending (issue 37: 500 such connections stayed open)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.servers import Server, article_served

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with article_served(tmp_path_factory.mktemp("slow"), {"QA_BODY_TIMEOUT": "2"}) as server:
        yield server


def test_a_408_closes_the_connection_while_the_client_keeps_trickling(impatient: Server) -> None:
    url = urlsplit(impatient.base)
    with socket.create_connection((url.hostname, url.port), timeout=30) as conn:
        conn.sendall(f"POST /api/ask HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
                     "Content-Length: 1000\r\n\r\n{".encode())
        conn.settimeout(0.5)
        received, closed, deadline = b"", False, time.monotonic() + 20
        while time.monotonic() < deadline and not closed:
            try:
                conn.sendall(b" ")  # one byte every half second: never the whole body
            except OSError:
                closed = True
                break
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
            received += chunk
        assert b" 408 " in received.split(b"\r\n", 1)[0]
        assert closed, "the server kept the connection open after its 408"
