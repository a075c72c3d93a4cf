"""Work done in a background thread, requests coalesced: asked for while it runs, it runs
once more afterwards (never twice at once)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from qa.core.errors import QAError

log = logging.getLogger(__name__)


class Background:
    """Runs ``work`` in a thread on ``request()``; ``error`` holds the last failure's message,
    whatever the exception (the thread never dies with it, so later requests run again)."""

    def __init__(self, work: Callable[[], object], name: str) -> None:
        self.work = work
        self.name = name
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._wanted = False
        self._lock = threading.Lock()

    def request(self) -> None:
        with self._lock:
            self._wanted = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def running(self) -> bool:
        with self._lock:
            return self._thread is not None

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._thread = None
                    return
                self._wanted = False
            try:
                self.work()
                self.error = None
            except QAError as exc:
                log.error("%s failed: %s", self.name, exc)
                self.error = str(exc)
            except Exception as exc:  # a bug, a full disk, a store gone: said in health, the next run starts
                log.exception("%s failed", self.name)
                self.error = f"{type(exc).__name__}: {exc}"
