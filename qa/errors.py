"""Errors of qa, translated once at the edges (CLI exit codes, API JSON)."""

from typing import Any


class QAError(Exception):
    """Base class: a problem the user can act on, with an exact message."""

    status_code = 500
    exit_code = 1
    type = "internal_error"  # the error body's "type", snake_case as every route's


class ConfigError(QAError):
    """A setting or argument has a bad value."""

    status_code = 400
    exit_code = 2
    type = "config_error"


class CorpusError(QAError):
    """The corpus folder is missing or holds nothing to index."""

    status_code = 400
    exit_code = 2
    type = "corpus_error"


class IndexNotReady(QAError):
    """The index is empty or was built with another model."""

    status_code = 503
    exit_code = 3
    type = "index_not_ready"


class IndexLocked(QAError):
    """Another process owns the index directory."""

    status_code = 409
    exit_code = 3
    type = "index_locked"


class InvalidRequest(QAError):
    """A request is well-formed but asks for something qa cannot do with it."""

    status_code = 422
    exit_code = 2
    type = "invalid_request"


class TooLarge(QAError):
    """An upload is over the size qa accepts."""

    status_code = 413
    exit_code = 2
    type = "too_large"


class UnsupportedFormat(QAError):
    """A file of a type qa does not read."""

    status_code = 415
    exit_code = 2
    type = "unsupported_format"


class NotFound(QAError):
    """A requested record (answer, document) does not exist."""

    status_code = 404
    exit_code = 4
    type = "not_found"


class GeneratorError(QAError):
    """The configured LLM could not be reached or answered badly."""

    status_code = 502
    exit_code = 5
    type = "generator_error"


def error_body(kind: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one error shape of the API: {"error": {"type", "message", "details"}}."""
    return {"error": {"type": kind, "message": message, "details": details}}
