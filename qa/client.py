"""A client of a running qa server's JSON API (stdlib HTTP only).

The CLI reads through it when a server owns the index: the server writes its URL to
``<index>/.server`` while it serves, so ``qa ask`` and ``qa retrieve`` keep working while
``make run`` is up.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .errors import QAError

SERVER_FILE = ".server"


class ServerError(QAError):
    """The qa server refused a request or could not be reached."""

    status_code = 502
    exit_code = 6


class Client:
    """``retrieve`` and ``ask`` of a qa server; results are the API's JSON records."""

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

    def retrieve(self, query: str, k: int | None = None, hybrid: bool = True) -> list[dict[str, Any]]:
        body = {"query": query, "hybrid": hybrid, **({"k": k} if k else {})}
        return list(self._post("/api/retrieve", body)["passages"])

    def ask(self, question: str, k: int | None = None) -> dict[str, Any]:
        return self._post("/api/ask", {"question": question, **({"k": k} if k else {})})

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(), headers=self.headers)
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
