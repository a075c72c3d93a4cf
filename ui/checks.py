"""What each Gradio event and the file route accept (ui/guard.py applies it before Gradio
reads a request): inputs of the types their components take, checked by the JSON API's rules
where the API has one; files only where the Documents upload takes them, and only plain files
in Gradio's upload folder; no file reference anywhere else."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import gradio as gr
from gradio import utils as gradio_utils
from gradio.components.api_component import Api

from qa.core.errors import InvalidRequest
from qa.core.inputs import checked_k, checked_text
from qa.corpus.formats import formats_read, supported


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
    if not supported(candidate.name):
        raise InvalidRequest(f"files: {candidate.name}: unsupported format (qa reads {formats_read()})")
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
    """A value of an API-only function (gr.api) on the queue: the function checks it as the API
    does and its message reaches the caller (gradio_client shows it)."""
    return value


def check_api_value_now(name: str, value: object) -> object:
    """A value of an API-only function (gr.api) called directly (``/run/``, ``/api/``), by its
    parameter's name: k and the question by the API's rules, here, in our 422 (there Gradio
    would answer the function's refusal with a 500)."""
    if name == "k":
        return checked_k(value)
    return checked_text(name, value) if name in ("question", "query") else value


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


def api_parameters(fn: Any) -> dict[int, str]:
    """An API-only function's inputs by component id: the names of its parameters."""
    if not fn.inputs or not all(isinstance(c, Api) for c in fn.inputs):
        return {}
    names = list(inspect.signature(fn.fn).parameters)
    return {c._id: name for c, name in zip(fn.inputs, names)}


def check_event(blocks: gr.Blocks, body: dict[str, Any], api_name: str | None, direct: bool = False) -> None:
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
    parameters = api_parameters(fn)
    for component, value in zip(fn.inputs, data):
        if isinstance(component, gr.State):
            continue
        check = (check_example(component) if isinstance(component, gr.Dataset)
                 else check_api_value_now if direct and isinstance(component, Api)
                 else next((c for kind, c in CHECKS.items() if isinstance(component, kind)), None))
        if check is None:
            raise InvalidRequest(f"{input_name(component)}: this input is not accepted from a request")
        check(parameters.get(component._id, input_name(component)), value)
    rest = {k: v for k, v in body.items() if k != "data"}
    others = [v for c, v in zip(fn.inputs, data) if not isinstance(c, gr.File)] if fn.inputs else data
    if contains_file_reference(rest) or contains_file_reference(others):
        raise InvalidRequest("files are accepted only by the Documents upload, and only as uploaded files")


def check_file_route(path: str) -> None:
    """The file route (``file=<path>``, and its alias ``file/<path>``) serves what Gradio holds
    in its upload folder and its own package files; never a URL (Gradio would fetch it),
    nothing else on the machine."""
    route = next((r for r in ("/file=", "/file/") if r in path), "")
    target = unquote(path.split(route, 1)[1]) if route else ""
    # whatever the route's form, a URL anywhere in it is never served (Gradio would fetch it)
    if not target or "://" in unquote(path) or "\x00" in target or ".." in Path(target).parts:
        raise InvalidRequest("no such file")
    resolved = Path(target).resolve()
    allowed = (upload_folder(), Path(gr.__file__).parent.resolve())
    if not any(resolved.is_relative_to(folder) for folder in allowed):
        raise InvalidRequest("no such file")
