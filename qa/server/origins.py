"""Who may talk to the server, on every route (API, /v1, /mcp, the web UI and Gradio's routes).

qa runs beside the user's browser, so a page they visit is the first attacker:

- **DNS rebinding**: a page on ``rebind.example`` whose name is made to resolve to 127.0.0.1
  reads our answers as same-origin. Every request must name us by a trusted host: the
  loopback names, ``QA_HOST`` and ``QA_ALLOWED_HOSTS`` (421 otherwise).
- **Cross-site writes**: a page on another site may send a POST (a form, or ``fetch`` with
  ``mode: "no-cors"``) without reading the answer: enough to plant a document or start an
  indexing run. A request that changes state is refused (403) when the browser says it comes
  from another origin (``Sec-Fetch-Site``: ``cross-site`` or ``same-site``, e.g. another port
  of localhost), or, from a browser that does not say, when its ``Origin`` is not this server.
  Programs (curl, the clients, MCP) send neither header and are not affected.
- **Cross-origin reads**: a page of another origin (another localhost port included) may ask
  the browser to read an answer (CORS). Nothing grants it: no ``Access-Control-Allow-*``
  header leaves the server for an origin that is not its own (Gradio's routes add them for
  localhost origins, and reflect any origin on a trusted host name), and a preflight from such
  an origin is refused (403).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings

from qa.core.errors import CrossSite, UntrustedHost
from qa.edges.asgi import refuse

Scope = dict[str, Any]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_ORIGIN = (b"same-origin", b"none")  # "none": the user typed the address or used a bookmark


def host_name(authority: str) -> str:
    """The name in a Host header or an origin's authority, lower-case, without port or final dot."""
    authority = authority.strip().lower()
    if authority.startswith("["):  # [::1]:8000
        return authority[1 : authority.find("]")] if "]" in authority else authority
    return authority.rsplit(":", 1)[0].rstrip(".") if authority.count(":") == 1 else authority.rstrip(".")


def trusted_names(bound: str, extra: Iterable[str]) -> frozenset[str]:  # a comparison below, not a bind
    """The host names the server answers to (``*`` in ``extra``: any)."""
    wildcard = bound in ("0.0.0.0", "::")  # nosec B104
    return frozenset({*LOOPBACK_NAMES, *(() if wildcard else (host_name(bound),)), *(host_name(h) for h in extra)})


def mcp_security(names: frozenset[str]) -> TransportSecuritySettings:
    """MCP's own Host and Origin check (it answers 421 itself), with the names every route answers to."""
    bracketed = [f"[{n}]" if ":" in n else n for n in names]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection="*" not in names,
        allowed_hosts=[h for n in bracketed for h in (n, f"{n}:*")],
        allowed_origins=[f"{scheme}://{n}{port}" for n in bracketed for scheme in ("http", "https")
                         for port in ("", ":*")])


def header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return bytes(value)
    return None


class TrustedHosts:
    """Pure ASGI middleware: a request whose Host is not one of ``names`` gets 421 (a WebSocket
    is closed with 1008) before any route sees it."""

    def __init__(self, app: Any, names: frozenset[str]) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and "*" not in self.names:
            host = (header(scope, b"host") or b"").decode("latin-1")
            if host_name(host) not in self.names:
                if scope["type"] == "websocket":
                    await receive()
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await refuse(send, UntrustedHost(f"this server does not answer to the host {host!r}: open it as "
                                                 "http://127.0.0.1 or http://localhost, or add the name to "
                                                 "QA_ALLOWED_HOSTS"), {"host": host})
                return
        await self.app(scope, receive, send)


def same_origin(origin: bytes, host: bytes | None) -> bool:
    """An ``Origin`` header naming the server the request was sent to (scheme aside)."""
    parts = urlsplit(origin.decode("latin-1"))
    return bool(parts.netloc) and host is not None and parts.netloc.lower() == host.decode("latin-1").lower()


class CrossSiteWrites:
    """Pure ASGI middleware: a state-changing request (any method but GET, HEAD, OPTIONS, and
    every WebSocket) from a page of another origin gets 403 (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        writes = scope["type"] == "websocket" or (scope["type"] == "http" and scope["method"] not in SAFE_METHODS)
        if writes and not self.allowed(scope):
            if scope["type"] == "websocket":
                await receive()
                await send({"type": "websocket.close", "code": 1008})
                return
            await refuse(send, CrossSite("a page of another site may not change this server's state "
                                         "(its Origin or Sec-Fetch-Site says it comes from elsewhere)"))
            return
        await self.app(scope, receive, send)

    @staticmethod
    def allowed(scope: Scope) -> bool:
        site = header(scope, b"sec-fetch-site")
        if site is not None:
            return site.lower() in SAME_ORIGIN
        origin = header(scope, b"origin")
        return origin is None or same_origin(origin, header(scope, b"host"))


class CrossOriginReads:
    """Pure ASGI middleware: a request whose ``Origin`` is not this server gets no CORS grant
    (every ``Access-Control-*`` response header is dropped), and its preflight is refused (403):
    a page of another origin can read nothing (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        origin = header(scope, b"origin") if scope["type"] == "http" else None
        if origin is None or same_origin(origin, header(scope, b"host")):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and header(scope, b"access-control-request-method") is not None:
            await refuse(send, CrossSite("a page of another origin may not read from this server (CORS preflight "
                                         "refused)"))
            return

        async def ungranted(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", [])
                                                  if not bytes(k).lower().startswith(b"access-control-")]}
            await send(message)

        await self.app(scope, receive, ungranted)
