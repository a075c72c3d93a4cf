"""A client of a running qa server's JSON API (stdlib HTTP only), with typed results: the
same models the API declares (``qa.edges.contract``).

    from qa.edges.client import Client
    answer = Client("http://127.0.0.1:8000").ask("Who co-founded Alibaba?")
    answer.answer, answer.abstained, answer.citations[0].quote

The CLI reads through it when a server owns the index: the server writes its URL to
``<index>/.server`` while it serves, so ``qa ask`` and ``qa retrieve`` keep working while
``make run`` is up (``qa/edges/reader.py`` chooses between it and ``LocalClient``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.core.errors import QAError
from qa.edges.contract import (
    AskResponse,
    DocumentInfo,
    DocumentsResponse,
    DocumentText,
    Passage,
    RetrieveResponse,
)

if TYPE_CHECKING:
    pass

SERVER_FILE = ".server"


class ServerError(QAError):
    """The qa server refused a request or could not be reached."""

    status_code = 502
    exit_code = 6


class Client:
    """A qa server's API: ``retrieve``, ``ask``, ``documents``, ``document``, ``health``.

    Raises ``ServerError`` (with the server's message) when the server refuses a request or
    cannot be reached."""

    def __init__(self, base_url: str, api_key: str = "", timeout: float = 60.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ServerError(f"not an http(s) URL of a qa server: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.headers = {"Content-Type": "application/json",
                        **({"Authorization": f"Bearer {api_key}"} if api_key else {})}
        self.timeout = timeout

    @classmethod
    def for_index(cls, index_dir: Path, api_key: str = "") -> Client | None:
        """The client of the server that serves ``index_dir``, if one says so."""
        marker = index_dir / SERVER_FILE
        return cls(marker.read_text(encoding="utf-8").strip(), api_key) if marker.is_file() else None

    def retrieve(self, query: str, k: int | None = None, hybrid: bool = True, documents: list[str] | None = None,
                 metadata: dict[str, str] | None = None) -> list[Passage]:
        """The best passages for ``query``, best first (``k`` defaults to the server's QA_K);
        of the ``documents`` (ids) or those with the ``metadata`` values only, if given."""
        body = {"query": query, "hybrid": hybrid, **({"k": k} if k else {}),
                **({"documents": documents} if documents is not None else {}),
                **({"metadata": metadata} if metadata else {})}
        return RetrieveResponse.model_validate(self._call("/api/retrieve", body)).passages

    def ask(self, question: str, k: int | None = None, history: list[dict[str, str]] | None = None,
            documents: list[str] | None = None) -> AskResponse:
        """An answer with verified citations, or an abstention (``abstained``); of the
        ``documents`` (ids) only, if given."""
        body = {"question": question, **({"k": k} if k else {}), **({"history": history} if history else {}),
                **({"documents": documents} if documents is not None else {})}
        return AskResponse.model_validate(self._call("/api/ask", body))

    def documents(self) -> list[DocumentInfo]:
        return DocumentsResponse.model_validate(self._call("/api/documents")).documents

    def document(self, doc_id: str) -> DocumentText:
        """A document's original text (citation offsets refer to it)."""
        return DocumentText.model_validate(self._call(f"/api/documents/{urllib.parse.quote(doc_id)}"))

    def health(self) -> dict[str, Any]:
        return self._call("/api/health")

    def close(self) -> None:
        """Nothing to release (each call is one HTTP request)."""

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``path``, or POST ``body`` to it as JSON."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=self.headers)
        try:
            # the scheme was checked to be http(s) in __init__
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read())["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = exc.reason
            raise ServerError(f"the qa server at {self.base_url} answered {exc.code}: {message}") from None
        except OSError as exc:
            raise ServerError(f"the qa server at {self.base_url} cannot be reached: {exc}") from None
