"""One owner per embedded index directory, and what to do with a directory Chroma cannot open."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import ClassVar

from qa.core.errors import IndexLocked


class IndexLock:
    """One owner per embedded index directory: an OS lock (``filelock``) on ``.lock``, with
    the owner's pid in ``.owner`` for the message that refuses everyone else. Cheap, so it
    is taken before any model loads."""

    _held: ClassVar[set[Path]] = set()  # directories this process owns

    def __init__(self, index_dir: Path) -> None:
        from filelock import FileLock, Timeout

        index_dir.mkdir(parents=True, exist_ok=True)
        self.dir = index_dir.resolve()
        if self.dir in IndexLock._held:
            raise IndexLocked(f"index directory {index_dir} is already open in this process; "
                              "use that pipeline, or set QA_INDEX_DIR to another folder")
        self._lock = FileLock(self.dir / ".lock", blocking=False, thread_local=False)
        try:
            self._lock.acquire()
        except Timeout:
            owner = self.dir / ".owner"
            pid = owner.read_text(encoding="utf-8").strip() if owner.exists() else "unknown"
            raise IndexLocked(
                f"index directory {index_dir} is in use by another qa process (pid {pid or 'unknown'}); "
                "stop it or set QA_INDEX_DIR to another folder"
            ) from None
        (self.dir / ".owner").write_text(str(os.getpid()), encoding="utf-8")
        IndexLock._held.add(self.dir)

    def release(self) -> None:
        if self.dir in IndexLock._held:
            IndexLock._held.discard(self.dir)
            self._lock.release()


OWN_FILES = frozenset({".lock", ".owner", ".server", "feedback.jsonl"})  # qa's files beside Chroma's


def move_aside(index_dir: Path) -> Path:
    """Move Chroma's files out of ``index_dir`` (qa's lock and feedback stay) into a sibling
    folder ``<name>.broken-<time>``, kept for inspection; returns that folder."""
    aside = index_dir.parent / f"{index_dir.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}"
    aside.mkdir(parents=True, exist_ok=True)
    for entry in index_dir.iterdir():
        if entry.name not in OWN_FILES:
            entry.rename(aside / entry.name)
    return aside
