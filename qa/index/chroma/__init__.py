"""Chroma as the index's VectorStore (qa/index/types.py): embedded in the index folder (owned
by one process: its lock; a folder Chroma cannot open is moved aside) or a Chroma server
(shared). The composition root opens it through ``open_store``."""

from __future__ import annotations

from qa.core.config import Settings
from qa.index.chroma.lock import IndexLock
from qa.index.chroma.store import ChromaStore, embedded_store, server_store


def shared(settings: Settings) -> bool:
    """Whether the settings' store is shared with other processes (a Chroma server)."""
    return bool(settings.chroma_host)


def take_folder(settings: Settings) -> IndexLock | None:
    """The index folder's lock, where the store owns the folder (taken before any model loads)."""
    return None if shared(settings) else IndexLock(settings.index_dir)


def open_store(settings: Settings, signature: str, lock: IndexLock | None) -> ChromaStore:
    """The settings' store: a Chroma server's collections, or the embedded index (``lock`` held)."""
    if settings.chroma_host:
        return server_store(settings.chroma_host, settings.chroma_port, settings.collection, signature)
    return embedded_store(settings.index_dir, settings.collection, signature, lock)


__all__ = ["ChromaStore", "IndexLock", "open_store", "shared", "take_folder"]
