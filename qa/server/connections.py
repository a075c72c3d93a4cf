"""Connections that cannot be held open by a client that never finishes its headers.

uvicorn times out idle keep-alive connections but not a request whose headers trickle in
(or never come): 300 such connections stayed open 90 s and more. ``header_timeout_protocol``
is uvicorn's own HTTP protocol (httptools where it is installed, as uvicorn itself would
choose, else h11), closing a connection whose request headers are not whole ``seconds``
after it opened or after the request's first bytes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class _HeaderTimer:
    """Closes the transport when armed for ``seconds`` while the headers are not whole."""

    seconds: float
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    _header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.seconds, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self._awaiting_headers() and not self.transport.is_closing():
            self.transport.close()

    def _awaiting_headers(self) -> bool:
        raise NotImplementedError


def _h11(seconds: float) -> type[asyncio.Protocol]:
    class HeaderTimeoutH11(_HeaderTimer, H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._awaiting_headers():  # a request's headers have started, not ended
                self._arm()
            else:
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _awaiting_headers(self) -> bool:
            return self.conn.their_state is h11.IDLE

    HeaderTimeoutH11.seconds = seconds
    return HeaderTimeoutH11


def _httptools(seconds: float) -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeaderTimeoutHttpTools(_HeaderTimer, HttpToolsProtocol):
        _in_headers = True  # until the first request's headers are whole

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            self._in_headers = True
            self._arm()
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._in_headers = False
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _awaiting_headers(self) -> bool:
            return self._in_headers

    HeaderTimeoutHttpTools.seconds = seconds
    return HeaderTimeoutHttpTools


def header_timeout_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class with a time limit on request headers."""
    try:
        import httptools  # noqa: F401 - uvicorn's faster parser, what it picks when installed
    except ImportError:
        return _h11(seconds)
    return _httptools(seconds)
