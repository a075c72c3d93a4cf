"""The indexer's journal: the documents whose write (or deletion) in the store and the lexical
index has begun and not finished. A killed run leaves them in it; the next start finds them
there and repairs them. A SQLite file beside the index, committed before each write begins."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA = 1  # PRAGMA user_version of the file; another value: the journal starts anew (``created``)


class Journal:
    """``begin`` documents before writing them, ``end`` them once both indexes hold them;
    ``pending`` is what was begun and never ended. ``created``: the journal is new (or was
    unreadable), so it cannot tell what an earlier run left half-written."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()  # one connection, shared by the server's threads
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            log.warning("the indexing journal %s could not be opened (%s); it starts anew", path, exc)
            self._db.close()
            for f in path.parent.glob(f"{path.name}*"):
                f.unlink()
            self._open()

    def _open(self) -> None:
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self.created = self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA
        if self.created:
            self._db.executescript(f"""
                DROP TABLE IF EXISTS pending;
                CREATE TABLE pending (doc_id TEXT PRIMARY KEY) WITHOUT ROWID;
                PRAGMA user_version = {SCHEMA};
            """)

    def begin(self, doc_ids: Iterable[str]) -> None:
        """Note documents about to be written or deleted (durable before this returns)."""
        self._run("INSERT OR IGNORE INTO pending (doc_id) VALUES (?)", doc_ids)

    def end(self, doc_ids: Iterable[str]) -> None:
        """The documents' writes are done."""
        self._run("DELETE FROM pending WHERE doc_id = ?", doc_ids)

    def _run(self, sql: str, doc_ids: Iterable[str]) -> None:
        """``sql`` once per document, in one transaction."""
        with self._lock, self._db:  # the connection as a context: COMMIT, or ROLLBACK on error
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(sql, [(d,) for d in doc_ids])

    def pending(self) -> list[str]:
        """Documents begun and not ended, by id."""
        with self._lock:
            return [d for (d,) in self._db.execute("SELECT doc_id FROM pending ORDER BY doc_id")]

    def close(self) -> None:
        with self._lock:
            self._db.close()
