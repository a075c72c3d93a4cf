"""The three Chroma collections of one index (chunks, their sentences, documents), built
under one signature (what the vectors depend on: model, chunking, index format)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qa.index.chroma.lock import move_aside

log = logging.getLogger(__name__)

BATCH = 5000  # Chroma refuses larger batches


def pages(collection: Any, include: list[str], where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """A collection's records (those matching ``where``, if given), ``BATCH`` at a time
    (Chroma's ``get`` result per page)."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=BATCH, offset=offset, where=where)
        if not got["ids"]:
            return
        yield got
        offset += len(got["ids"])


def upsert(collection: Any, ids: list[str], vectors: Any, metadatas: list[dict[str, Any]],
           documents: list[str] | None = None) -> None:
    """Write records, ``BATCH`` at a time (vectors: one row per id)."""
    for i in range(0, len(ids), BATCH):
        collection.upsert(ids=ids[i : i + BATCH], embeddings=vectors[i : i + BATCH],
                          metadatas=metadatas[i : i + BATCH],
                          **({} if documents is None else {"documents": documents[i : i + BATCH]}))


def open_embedded(index_dir: Path, name: str, signature: str) -> Collections:
    """The collections of the persistent index in ``index_dir`` (created if new). A directory
    Chroma cannot open or query is moved aside (kept for inspection) and starts empty."""
    import chromadb

    settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
    try:
        collections = Collections(chromadb.PersistentClient(path=str(index_dir), settings=settings), name, signature)
        collections.docs.count()  # opens and queries: a damaged index fails here, not at the first question
        collections.chunks.count()
        return collections
    except Exception as exc:  # whatever Chroma raises for a damaged directory
        aside = move_aside(index_dir)
        log.warning("the Chroma index in %s could not be opened or queried (%s: %s); it was moved aside to "
                    "%s and starts empty: `qa index` rebuilds it from the corpus", index_dir,
                    type(exc).__name__, exc, aside)
        chromadb.api.client.SharedSystemClient.clear_system_cache()
        return Collections(chromadb.PersistentClient(path=str(index_dir), settings=settings), name, signature)


class Collections:
    """The collections ``<name>-chunks``, ``-sentences`` and ``-docs`` of a client, opened
    or created under ``signature``; an index built under another one is ``stale``."""

    def __init__(self, client: Any, name: str, signature: str) -> None:
        self.client = client
        self.name = name
        self.signature = signature
        self.model_changed = False  # rebuilt under a new signature by this process
        self._open()

    def _open(self) -> None:
        """Open the collections; an index built under another signature is kept as it is
        (``stale``) until a writer calls ``rebuild``: reading never destroys an index."""
        names = self._names()
        existing = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        self.built_signature: str | None = None
        if names[0] in existing:
            current = self.client.get_collection(names[0], embedding_function=None)
            self.built_signature = (current.metadata or {}).get("signature")
            if self.stale:
                if all(n in existing for n in names):
                    self.chunks, self.sentences, self.docs = (
                        self.client.get_collection(n, embedding_function=None) for n in names)
                    return
                log.warning("index %s is incomplete and was built with other settings: it is rebuilt", self.name)
                self.rebuild()
                return
        self._create()

    @property
    def stale(self) -> bool:
        """The index was built under another signature (model, chunking or index format)."""
        return self.built_signature is not None and self.built_signature != self.signature

    def rebuild(self) -> None:
        """Drop a stale index and start empty under the current signature (writers only)."""
        existing = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        for name in self._names():
            if name in existing:
                self.client.delete_collection(name)
        self.model_changed = True
        self._create()

    def incomplete_documents(self) -> list[str]:
        """Documents an interrupted write left behind: listed with another number of chunks
        than stored, or chunks and sentences of a document that is not listed."""
        listed: dict[str, int] = {}
        for page in pages(self.docs, ["metadatas"]):
            listed.update({i: int(m.get("chunks", -1)) for i, m in zip(page["ids"], page["metadatas"])})
        stored: dict[str, int] = {}
        for page in pages(self.chunks, ["metadatas"]):
            for m in page["metadatas"]:
                stored[m["doc_id"]] = stored.get(m["doc_id"], 0) + 1
        unlisted = {m["doc_id"] for page in pages(self.sentences, ["metadatas"])
                    for m in page["metadatas"]} - set(listed)
        broken = {d for d, n in listed.items() if stored.get(d, 0) != n}
        return sorted(broken | (set(stored) - set(listed)) | unlisted)

    def _names(self) -> list[str]:
        return [f"{self.name}-{part}" for part in ("chunks", "sentences", "docs")]

    def _create(self) -> None:
        self.chunks, self.sentences, self.docs = (
            self.client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"signature": self.signature},
            )
            for name in self._names()
        )
        self.built_signature = self.signature
