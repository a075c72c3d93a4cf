"""What a query, a question and k may be: each rule said once, for the request models and
for every edge that takes them outside one (the CLI, the UI, MCP tools, OpenAI messages)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StrictStr, TypeAdapter, ValidationError, WithJsonSchema

from qa.core.errors import InvalidRequest

MAX_QUERY = 2000


# What a query or question may hold, said once as a regular expression that the OpenAPI
# document carries too: no control character (but tab and line breaks), and one character or
# more that is neither whitespace nor an invisible format character (zero-width space, BOM ...).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
TEXT_PATTERN = f"^[^{_CONTROL}]*[^\\s{_CONTROL}{_INVISIBLE}][^{_CONTROL}]*$"
_HAS_CONTROL = re.compile(f"[{_CONTROL}]")
_TEXT = re.compile(TEXT_PATTERN)


def _not_blank(value: str) -> str:
    """Text with something to read (``TEXT_PATTERN``), stripped."""
    if _HAS_CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not _TEXT.fullmatch(value):
        raise ValueError("must not be empty or whitespace")
    return value.strip()


Text = Annotated[StrictStr, Field(min_length=1, max_length=MAX_QUERY, json_schema_extra={"pattern": TEXT_PATTERN}),
                 AfterValidator(_not_blank)]
_text = TypeAdapter(Text)


def checked_text(name: str, value: object) -> str:
    """``value`` by the API's rules for a query or question, for edges that take text outside
    a request model (MCP tools, OpenAI messages, the Gradio endpoint).

    Raises:
        InvalidRequest: "<name>: <what is wrong>", as the API's 422 says it.
    """
    try:
        return str(_text.validate_python(value))
    except ValidationError as exc:
        raise InvalidRequest(f"{name}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None


MAX_TURNS = 50  # earlier turns of a conversation
MAX_COMMENT = 2000  # characters of a rating's comment
MAX_TURN = 20_000  # characters of one earlier turn of a conversation (or one chat message)
TurnText = Annotated[StrictStr, Field(max_length=MAX_TURN)]

K_MAX = 50


def _whole(value: object) -> object:
    """A whole number of passages: 8 and 8.0 alike (JSON does not tell them apart); not 2.5,
    "5" or true."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("Input should be a valid integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("Input should be a valid integer")
    return int(value)


K = Annotated[
    Annotated[int, BeforeValidator(_whole), Field(ge=1, le=K_MAX)] | None,
    Field(description="Passages to read (default QA_K)."),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": K_MAX}, {"type": "null"}],
                    "description": "Passages to read (default QA_K)."}),
]
_k = TypeAdapter(K)


def checked_k(value: object) -> int | None:
    """``value`` by the API's rules for k (a whole number 1..50, or none: the default).

    Raises:
        InvalidRequest: "k: <what is wrong>", as the API's 422 says it.
    """
    try:
        return _k.validate_python(value)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise InvalidRequest(f"k: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
