"""Errors of qa, translated once at the edges (CLI exit codes, API JSON), and the one
vocabulary of error kinds every refusal uses (``ErrorType``)."""

from typing import Any, Literal, get_args

# Every "type" an error body may carry: the QAError classes' below, and those the edges answer
# before a route runs (middleware) or for a request a route cannot take.
ErrorType = Literal[
    "internal_error", "config_error", "corpus_error", "index_not_ready", "index_locked", "already_indexing",
    "invalid_request", "too_large", "unsupported_format", "rate_limited", "storage_full", "not_found",
    "generator_error", "bad_request", "method_not_allowed", "unauthorized", "overloaded", "timeout",
    "untrusted_host", "cross_site", "http_error",
]
ERROR_TYPES: frozenset[str] = frozenset(get_args(ErrorType))


class QAError(Exception):
    """Base class: a problem the user can act on, with an exact message."""

    status_code = 500
    exit_code = 1
    type: ErrorType = "internal_error"  # the error body's "type", snake_case as every route's


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


class AlreadyIndexing(QAError):
    """An indexing run is in progress: another is not started (nor waited for)."""

    status_code = 409
    exit_code = 3
    type = "already_indexing"


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


class RateLimited(QAError):
    """Too many requests of one kind in a short time: retry after ``retry_after`` seconds."""

    status_code = 429
    exit_code = 3
    type = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after + 0.999))


class StorageFull(QAError):
    """What qa keeps on disk for this (documents, feedback) reached its configured size."""

    status_code = 507
    exit_code = 2
    type = "storage_full"


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


class BadRequest(QAError):
    """A request that cannot be parsed (its body, a header)."""

    status_code = 400
    exit_code = 2
    type = "bad_request"


class Unauthorized(QAError):
    """The API key is missing or wrong."""

    status_code = 401
    exit_code = 2
    type = "unauthorized"


class CrossSite(QAError):
    """A state-changing request from a page of another site."""

    status_code = 403
    exit_code = 2
    type = "cross_site"


class MethodNotAllowed(QAError):
    """A route that does not take this method; ``allow`` names those it takes."""

    status_code = 405
    exit_code = 2
    type = "method_not_allowed"

    def __init__(self, message: str, allow: str) -> None:
        super().__init__(message)
        self.allow = allow


class RequestTimeout(QAError):
    """A request body that did not arrive in time."""

    status_code = 408
    exit_code = 2
    type = "timeout"


class UntrustedHost(QAError):
    """A request naming a host this server does not answer to (DNS rebinding)."""

    status_code = 421
    exit_code = 2
    type = "untrusted_host"


class Overloaded(QAError):
    """Every slot is busy and the queue is full: retry after ``retry_after`` seconds."""

    status_code = 503
    exit_code = 3
    type = "overloaded"
    retry_after = 1


class HttpError(QAError):
    """Any other HTTP error a framework under qa raised (its status kept)."""

    type = "http_error"


# the kind of an HTTP error a framework raises, by its status
BY_STATUS: dict[int, type[QAError]] = {
    c.status_code: c for c in (BadRequest, NotFound, MethodNotAllowed, RequestTimeout)}


def error_body(kind: ErrorType, message: str, details: Any = None) -> dict[str, Any]:
    """The one error shape of the API: {"error": {"type", "message", "details"}}."""
    return {"error": {"type": kind, "message": message, "details": details}}
