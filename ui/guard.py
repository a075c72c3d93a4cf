"""One guard in front of every Gradio route: what the web UI's events and file routes accept.

Gradio checks that an event's file came from a user's upload only once ``launch()`` has run;
mounted into FastAPI it has not, and an event could name any file on the machine (Gradio
copied it into its cache and served it back). ``mount_ui`` switches Gradio's own
launched-app checks on (and blocks qa's folders); this middleware checks, before Gradio reads
a request, that each event's inputs are of the types its components take (text, whole
numbers in range, booleans; files only where the Documents upload takes them, and only files
in Gradio's upload folder), that no file reference hides anywhere else in the request, and
that the file route serves no URL and nothing outside Gradio's upload folder and package.
Refusals use the API's one error shape.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qa.core.errors import BadRequest, InvalidRequest, NotFound, RateLimited, TooLarge, UnsupportedFormat
from qa.core.limits import Window
from qa.corpus.formats import formats_read, supported
from qa.edges.asgi import read_body, refuse, replay
from ui.checks import check_event, check_file_route

Scope = dict[str, Any]
EVENT_ROUTES = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")
DIRECT_ROUTES = ("/gradio_api/run/", "/gradio_api/api/")  # answered at once (a function's refusal: 500)
FILE_ROUTES = ("/gradio_api/file=", "/file=", "/gradio_api/file/", "/file/")
UPLOAD_ROUTE = "/gradio_api/upload"
LOGIN_ROUTES = ("/login", "/login/")
# Gradio routes qa has no use for (screen recordings, the analytics dashboard, media streams):
# closed rather than left for someone to find a use for
CLOSED_ROUTES = ("/gradio_api/process_recording", "/monitoring", "/gradio_api/monitoring", "/gradio_api/stream/")
MAX_EVENT_BODY = 1 << 20  # an event carries a question and a few settings, never a document


@dataclass(frozen=True)
class Limits:
    """How much the guard lets through: upload size, uploads and failed logins a minute."""

    max_upload: int
    uploads_per_minute: int
    login_failures_per_minute: int


class GradioGuard:
    """Pure ASGI middleware in front of the mounted Gradio app (see the module docstring)."""

    def __init__(self, app: Any, blocks: gr.Blocks, limits: Limits) -> None:
        self.app = app
        self.blocks = blocks
        self.max_upload = limits.max_upload
        self.uploads = Window(60.0, limits.uploads_per_minute)
        self.login_failures = Window(60.0, limits.login_failures_per_minute)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(CLOSED_ROUTES):
            await refuse(send, NotFound(f"no such route: {path}"))
            return
        if path in LOGIN_ROUTES and scope["method"] == "POST":
            await self.login(scope, receive, send)
            return
        if path.startswith(FILE_ROUTES):
            try:
                check_file_route(path)
            except InvalidRequest as exc:
                await refuse(send, NotFound(str(exc)))
                return
        elif path.startswith(EVENT_ROUTES) and scope["method"] == "POST":
            await self.event(scope, receive, send)
            return
        elif path == UPLOAD_ROUTE and scope["method"] == "POST":
            await self.upload(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def event(self, scope: Scope, receive: Any, send: Any) -> None:
        body = await read_body(receive, MAX_EVENT_BODY)
        if body is None:
            await refuse(send, TooLarge(f"an event request is limited to {MAX_EVENT_BODY} bytes"))
            return
        path: str = scope["path"]
        api_name = None
        for prefix in EVENT_ROUTES[1:]:
            if path.startswith(prefix):
                api_name = path.removeprefix(prefix).strip("/").split("/")[0] or None
        try:
            parsed = json.loads(body or b"{}")
            if not isinstance(parsed, dict):
                raise InvalidRequest("body: a JSON object")
            check_event(self.blocks, parsed, api_name, direct=path.startswith(DIRECT_ROUTES))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            await refuse(send, BadRequest("body: not valid JSON in UTF-8 (or nested too deep)"))
            return
        except InvalidRequest as exc:
            await refuse(send, exc)
            return
        await self.app(scope, replay(body, receive), send)

    async def login(self, scope: Scope, receive: Any, send: Any) -> None:
        """Gradio's login form (the password is the API key): after ``login_failures_per_minute``
        wrong ones, 429 until the minute has passed."""
        wait = self.login_failures.wait()
        if wait:
            await refuse(send, RateLimited(f"too many wrong passwords: retry in {wait:.0f} s", wait))
            return

        async def counted(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                self.login_failures.record()
            await send(message)

        await self.app(scope, receive, counted)

    async def upload(self, scope: Scope, receive: Any, send: Any) -> None:
        """Gradio's upload route, for documents only: qa's formats, our 413 and error shape, at
        most ``uploads_per_minute`` requests a minute."""
        wait = self.uploads.admit()
        if wait:
            await refuse(send, RateLimited(f"too many uploads: retry in {wait:.0f} s", wait))
            return
        body = await read_body(receive, self.max_upload + 64_000)
        if body is None:
            await refuse(send, TooLarge(f"an upload is limited to {self.max_upload} bytes"))
            return
        for name in uploaded_names(scope, body):
            if not supported(name):
                await refuse(send, UnsupportedFormat(f"{name}: unsupported format (qa reads {formats_read()})"))
                return

        status = [0]  # of Gradio's response: its 413 (plain text) is answered in our shape

        async def start_in_our_shape(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                if status[0] == 413:
                    return
            elif status[0] == 413:
                if not message.get("more_body"):
                    await refuse(send, TooLarge(f"an upload is limited to {self.max_upload} bytes"))
                return
            await send(message)

        await self.app(scope, replay(body, receive), start_in_our_shape)


def uploaded_names(scope: Scope, body: bytes) -> list[str]:
    """The file names of a multipart upload (Python's own email parser reads the parts)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    headers = dict(scope.get("headers") or [])
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
                                                  + body)
    if not message.is_multipart():
        return ["(not a multipart upload)"]
    names = []
    for part in message.iter_parts():
        name = part.get_filename()
        if name is not None:
            names.append(os.path.basename(name))
    return names
