"""The corpus folder: uploads saved into it safely (within a quota), files removed from it.

The folder stays the source of truth (the index is rebuilt from it): an upload is written
there under a sanitised name, never outside it, whole or not at all; the same content twice
is recognised by its hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.core.errors import NotFound, RateLimited, StorageFull, TooLarge, UnsupportedFormat
from qa.core.limits import Window
from qa.corpus.formats import Budget, extract, formats_read, supported

MAX_NAME = 120


@dataclass(frozen=True)
class SavedFile:
    """An upload's outcome: the document id it is (or already was) known by."""

    doc_id: str
    duplicate: bool


def safe_name(name: str) -> str:
    """A file name that can only land in the corpus folder itself: the last path component,
    letters and digits of any script, ``.``, ``-`` and ``_`` (others become ``_``), no leading dot.

    Raises:
        UnsupportedFormat: nothing usable is left, or the format is not one qa reads.
    """
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^\w.-]+", "_", stem if dot else base).strip("._-")[:MAX_NAME]
    cleaned = f"{stem or 'document'}.{suffix.lower()}" if dot else stem
    if not dot or not supported(cleaned):
        raise UnsupportedFormat(f"{name!r}: unsupported file type (qa reads {formats_read()})")
    return cleaned


@dataclass(frozen=True)
class Quota:
    """How much may be uploaded: per file, per minute (files and bytes) and in all (the folder)."""

    file_bytes: int
    files_per_minute: int
    bytes_per_minute: int
    folder_bytes: int


class CorpusFolder:
    """Saves uploads into and removes files from ``corpus_dir``, within a ``Quota``."""

    def __init__(self, corpus_dir: Path, quota: Quota, budget: Budget = Budget()) -> None:
        self.corpus_dir = corpus_dir
        self.budget = budget
        self.quota = quota
        self.max_bytes = quota.file_bytes
        self._recent = Window(60.0, quota.files_per_minute, quota.bytes_per_minute)

    def folder_bytes(self) -> int:
        if not self.corpus_dir.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.corpus_dir.rglob("*") if p.is_file())

    def _within_quota(self, size: int) -> None:
        """Count an upload of ``size`` bytes (refused ones count too); raises RateLimited (per
        minute) or StorageFull (the folder) rather than take it."""
        if self.folder_bytes() + size > self.quota.folder_bytes:
            raise StorageFull(f"the corpus folder would pass {self.quota.folder_bytes:,} bytes (QA_CORPUS_MAX_BYTES): "
                              "delete documents first")
        wait = self._recent.admit(size)
        if wait:
            raise RateLimited(f"uploads are limited to {self.quota.files_per_minute} files and "
                              f"{self.quota.bytes_per_minute:,} bytes a minute (QA_UPLOADS_PER_MINUTE, "
                              f"QA_UPLOAD_BYTES_PER_MINUTE): retry in {wait:.0f} s", wait)

    def save(self, name: str, data: bytes, indexed: dict[str, str]) -> SavedFile:
        """Write an upload into the corpus folder.

        Args:
            name: the file name the client gave (sanitised here).
            data: the file's bytes.
            indexed: doc_id -> sha256 of what the index holds (the same content is not saved twice).

        Raises:
            TooLarge: over ``max_bytes``.
            UnsupportedFormat: a type qa does not read.
            CorpusError: the file cannot be read in its format (nothing is written).
            RateLimited, StorageFull: over the quota (nothing is written).
        """
        if len(data) > self.max_bytes:
            raise TooLarge(f"the file is {len(data):,} bytes; uploads are limited to {self.max_bytes:,} "
                           "(QA_MAX_UPLOAD_BYTES)")
        target = safe_name(name)
        digest = hashlib.sha256(data).hexdigest()
        same = next((doc_id for doc_id, sha in sorted(indexed.items()) if sha == digest), None)
        if same is not None:
            return SavedFile(same, True)
        self._within_quota(len(data))
        extract(target, data, self.budget)  # an unreadable file is refused before anything is written
        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.corpus_dir, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            return self._claim(tmp, target, digest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _claim(self, tmp: str, name: str, digest: str) -> SavedFile:
        """Give the written file ``tmp`` the name ``name``, or ``name-2``, ``name-3`` ... when
        another file has it, each name taken atomically (a hard link never replaces a file:
        uploads of one name at once each keep their own file); a file with the same bytes is
        the same document."""
        stem, suffix = name.rsplit(".", 1)
        for n in range(1, 10_000):
            path = self.corpus_dir / (name if n == 1 else f"{stem}-{n}.{suffix}")
            try:
                os.link(tmp, path)
            except FileExistsError:
                if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                    return SavedFile(path.name, True)  # the same bytes, saved before and not yet indexed
                continue
            return SavedFile(path.name, False)
        raise TooLarge(f"too many files named like {name}")

    def delete(self, doc_id: str) -> None:
        """Remove a document's file from the corpus folder.

        Raises:
            NotFound: no such file inside the corpus folder.
        """
        root = self.corpus_dir.resolve()
        path = (root / doc_id).resolve()
        if root not in path.parents or not path.is_file():
            raise NotFound(f"no document {doc_id!r} in the corpus folder")
        path.unlink()
