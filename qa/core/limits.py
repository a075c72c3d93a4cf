"""Sliding-window limits: how often something may happen (uploads, failed logins, ratings)."""

from __future__ import annotations

import threading
import time
from collections import deque


class Window:
    """At most ``count`` events, and at most ``amount`` in total (bytes, say), in any
    ``seconds``; thread-safe."""

    def __init__(self, seconds: float, count: int, amount: int | None = None) -> None:
        self.seconds, self.count, self.amount = seconds, count, amount
        self._events: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._events and self._events[0][0] <= now - self.seconds:
            self._events.popleft()

    def wait(self, amount: int = 0) -> float:
        """Seconds until an event of ``amount`` would be admitted (0: now)."""
        with self._lock:
            now = time.monotonic()
            self._expire(now)
            return self._wait(now, amount)

    def _wait(self, now: float, amount: int) -> float:
        over_count = len(self._events) >= self.count
        over_amount = (self.amount is not None and self._events
                       and sum(a for _, a in self._events) + amount > self.amount)
        return max(0.001, self._events[0][0] + self.seconds - now) if over_count or over_amount else 0.0

    def admit(self, amount: int = 0) -> float:
        """Record an event of ``amount`` if the window has room: 0; else the seconds to wait
        (nothing recorded)."""
        with self._lock:
            now = time.monotonic()
            self._expire(now)
            wait = self._wait(now, amount)
            if wait == 0.0:
                self._events.append((now, amount))
            return wait

    def record(self, amount: int = 0) -> None:
        """Record an event whatever the room (a failure, counted after the fact)."""
        with self._lock:
            self._events.append((time.monotonic(), amount))


class PerClient:
    """One ``Window`` per client address (``seconds``, ``count``), so that one client's events
    never hold another back; the least recently seen addresses are forgotten past ``clients``."""

    def __init__(self, seconds: float, count: int, clients: int = 10_000) -> None:
        self.seconds, self.count, self.clients = seconds, count, clients
        self._windows: dict[str, Window] = {}
        self._lock = threading.Lock()

    def window(self, client: str) -> Window:
        with self._lock:
            found = self._windows.pop(client, None) or Window(self.seconds, self.count)
            self._windows[client] = found  # most recently seen last
            while len(self._windows) > self.clients:
                self._windows.pop(next(iter(self._windows)))
            return found
