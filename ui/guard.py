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
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import gradio as gr
from gradio import utils as gradio_utils
from gradio.components.api_component import Api

from qa.contract import checked_k
from qa.corpus.formats import FORMATS
from qa.errors import InvalidRequest
from qa.server.admission import refuse

Scope = dict[str, Any]
EVENT_ROUTES = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")
FILE_ROUTES = ("/gradio_api/file=", "/file=")
UPLOAD_ROUTE = "/gradio_api/upload"
MAX_EVENT_BODY = 1 << 20  # an event carries a question and a few settings, never a document


def upload_folder() -> Path:
    """Where Gradio keeps what browsers uploaded (and its cache): the one folder whose files
    an event may name."""
    return Path(gradio_utils.get_upload_folder()).resolve()


def is_file_reference(value: object) -> bool:
    """A dict a Gradio component would read as a file (``FileData``, or a bare path/url pair)."""
    if not isinstance(value, dict):
        return False
    meta = value.get("meta")
    return (isinstance(meta, dict) and meta.get("_type") == "gradio.FileData") or "path" in value or "url" in value


def uploaded_path(value: object) -> str:
    """The path of a file a browser uploaded to Gradio, checked: a plain path (no URL, no
    ``..``), a regular file (no link) inside the upload folder, of a format qa reads."""
    if not is_file_reference(value):
        raise InvalidRequest("files: each file must be one that was uploaded to this server")
    path = value.get("path") if isinstance(value, dict) else None
    if not isinstance(path, str) or not path or "://" in path or ".." in Path(path).parts:
        raise InvalidRequest("files: each file must be one that was uploaded to this server")
    candidate = Path(path)
    folder = upload_folder()
    try:
        inside = candidate.parent.resolve().is_relative_to(folder) and candidate.is_absolute()
        plain = candidate.is_file() and not candidate.is_symlink()
    except OSError:
        inside = plain = False
    if not (inside and plain):
        raise InvalidRequest("files: each file must be one that was uploaded to this server")
    if not any(candidate.name.lower().endswith(suffix) for suffix in FORMATS):
        raise InvalidRequest(f"files: {candidate.name}: unsupported format (qa reads {', '.join(sorted(FORMATS))})")
    return path


def contains_file_reference(value: object) -> bool:
    if is_file_reference(value):
        return True
    if isinstance(value, dict):
        return any(contains_file_reference(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_file_reference(v) for v in value)
    return False


def check_strict_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name}: Input should be a valid boolean")
    return value


def check_choice(name: str, value: object) -> object:
    if value is not None and not (isinstance(value, str) and len(value) <= 1000):
        raise InvalidRequest(f"{name}: Input should be a valid string")
    return value


def check_files(name: str, value: object) -> object:
    if value is None:
        return value
    if not isinstance(value, list) or len(value) > 100:
        raise InvalidRequest(f"{name}: a list of uploaded files")
    for item in value:
        uploaded_path(item)
    return value


def check_slider(name: str, value: object) -> object:
    return checked_k(value) if name == "k" else value


def check_text(name: str, value: object) -> object:
    """Text of any content (the event applies the API's rules and says what is wrong, as a
    warning in the page); here only its type and size."""
    if not isinstance(value, str) or len(value) > 100_000:
        raise InvalidRequest(f"{name}: Input should be a valid string")
    return value


def check_example(component: Any) -> Callable[[str, object], object]:
    def check(name: str, value: object) -> object:
        count = len(getattr(component, "samples", None) or [])
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count):
            raise InvalidRequest(f"{name}: the index of one of the {count} examples")
        return value

    return check


def check_api_value(name: str, value: object) -> object:
    """A value of an API-only function (gr.api): the function checks it as the API does."""
    return value


# How each kind of input component is checked; a component of any other kind takes no input
# from a request (State is kept on the server; the chat display is an output only).
CHECKS: dict[type, Callable[[str, object], object]] = {
    gr.Textbox: check_text,
    gr.Slider: check_slider,
    gr.Checkbox: check_strict_bool,
    gr.Dropdown: check_choice,
    gr.File: check_files,
    Api: check_api_value,
}


def input_name(component: Any) -> str:
    label = str(getattr(component, "label", "") or "")
    return "k" if isinstance(component, gr.Slider) else label.lower() or type(component).__name__.lower()


def check_event(blocks: gr.Blocks, body: dict[str, Any], api_name: str | None) -> None:
    """Refuse an event request whose inputs its components would not take.

    Raises:
        InvalidRequest: with the API's message for the first input that is wrong.
    """
    fn = None
    if api_name is not None:
        fn = next((f for f in blocks.fns.values() if f.api_name == api_name), None)
    elif isinstance(body.get("fn_index"), int) and not isinstance(body.get("fn_index"), bool):
        fn = blocks.fns.get(body["fn_index"])
    if fn is None:
        raise InvalidRequest("no such event")
    data = body.get("data")
    if not isinstance(data, list):
        raise InvalidRequest("data: Input should be a valid list")
    if fn.inputs and len(data) != len(fn.inputs):
        raise InvalidRequest(f"data: this event takes {len(fn.inputs)} values, not {len(data)}")
    for component, value in zip(fn.inputs, data):
        if isinstance(component, gr.State):
            continue
        check = (check_example(component) if isinstance(component, gr.Dataset)
                 else next((c for kind, c in CHECKS.items() if isinstance(component, kind)), None))
        if check is None:
            raise InvalidRequest(f"{input_name(component)}: this input is not accepted from a request")
        check(input_name(component), value)
    rest = {k: v for k, v in body.items() if k != "data"}
    others = [v for c, v in zip(fn.inputs, data) if not isinstance(c, gr.File)] if fn.inputs else data
    if contains_file_reference(rest) or contains_file_reference(others):
        raise InvalidRequest("files are accepted only by the Documents upload, and only as uploaded files")


def check_file_route(path: str) -> None:
    """The file route serves what Gradio holds in its upload folder and its own package files;
    never a URL (Gradio would fetch it), nothing else on the machine."""
    target = unquote(path.split("=", 1)[1]) if "=" in path else ""
    if not target or "://" in target or ".." in Path(target).parts:
        raise InvalidRequest("no such file")
    resolved = Path(target).resolve()
    allowed = (upload_folder(), Path(gr.__file__).parent.resolve())
    if not any(resolved.is_relative_to(folder) for folder in allowed):
        raise InvalidRequest("no such file")


class GradioGuard:
    """Pure ASGI middleware in front of the mounted Gradio app (see the module docstring)."""

    def __init__(self, app: Any, blocks: gr.Blocks, max_upload: int) -> None:
        self.app = app
        self.blocks = blocks
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(FILE_ROUTES):
            try:
                check_file_route(path)
            except InvalidRequest as exc:
                await refuse(send, 404, "not_found", str(exc), None)
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
            await refuse(send, 413, "too_large", f"an event request is limited to {MAX_EVENT_BODY} bytes", None)
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
            check_event(self.blocks, parsed, api_name)
        except json.JSONDecodeError:
            await refuse(send, 400, "bad_request", "body: not valid JSON", None)
            return
        except InvalidRequest as exc:
            await refuse(send, 422, "invalid_request", str(exc), None)
            return
        await self.app(scope, replay(body, receive), send)

    async def upload(self, scope: Scope, receive: Any, send: Any) -> None:
        """Gradio's upload route, for documents only: qa's formats, our 413 and error shape."""
        body = await read_body(receive, self.max_upload + 64_000)
        if body is None:
            await refuse(send, 413, "too_large", f"an upload is limited to {self.max_upload} bytes", None)
            return
        for name in uploaded_names(scope, body):
            if not any(name.lower().endswith(suffix) for suffix in FORMATS):
                await refuse(send, 415, "unsupported_format",
                             f"{name}: unsupported format (qa reads {', '.join(sorted(FORMATS))})", None)
                return

        status = [0]  # of Gradio's response: its 413 (plain text) is answered in our shape

        async def start_in_our_shape(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                if status[0] == 413:
                    return
            elif status[0] == 413:
                if not message.get("more_body"):
                    await refuse(send, 413, "too_large", f"an upload is limited to {self.max_upload} bytes", None)
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


async def read_body(receive: Any, limit: int) -> bytes | None:
    """The whole request body, or None past ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
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
        return await receive()

    return replayed
