"""Chroma store of chunks and their vectors, plus a manifest of indexed documents."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from qa.errors import IndexLocked
from qa.schema import Chunk, Document, Embedded

log = logging.getLogger(__name__)

BATCH = 5000  # Chroma refuses larger batches


def encode_spans(spans: Iterable[tuple[int, int]]) -> str:
    """Sentence spans as Chroma metadata (scalars only): ``"0:12;13:40"``."""
    return ";".join(f"{s}:{e}" for s, e in spans)


def decode_spans(text: str) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    return tuple((int(s), int(e)) for s, e in (p.split(":") for p in text.split(";")))


def sentence_id(doc_id: str, start: int, end: int) -> str:
    return f"{doc_id}@{start}-{end}"


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


class ChromaStore:
    """Chunks with vectors in one collection, their sentences' vectors in a second, and
    documents (original text, hash) in a third.

    Works the same over an embedded ``PersistentClient`` and a ``HttpClient`` (server mode):
    everything needed to serve, originals included, lives in Chroma.
    """

    def __init__(self, client: Any, name: str, signature: str, lock: IndexLock | None = None) -> None:
        """Args:
            client: a chromadb client (embedded or HTTP).
            name: prefix of the collections.
            signature: what the vectors depend on (model, chunking, index format); an index
                built under another signature is ``stale``: kept for a writer to ``rebuild``.
        """
        self._client = client
        self._lock = lock
        self.shared = False  # a Chroma server, which other qa processes may write to as well
        self.name = name
        self.signature = signature
        self.model_changed = False
        self._open_collections()

    @classmethod
    def embedded(cls, index_dir: Path, name: str, signature: str, lock: IndexLock | None = None) -> ChromaStore:
        """Open (or create) the persistent index in ``index_dir``; one process owns it.

        Args:
            lock: the directory's lock, if the caller took it already (before loading a model).

        Raises:
            IndexLocked: another process (or another pipeline of this one) has it open.
        """
        import chromadb

        lock = lock or IndexLock(index_dir)
        settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
        try:
            try:
                store = cls(chromadb.PersistentClient(path=str(index_dir), settings=settings), name, signature, lock)
                store.count()  # opens and queries: a damaged index fails here, not at the first question
                return store
            except Exception as exc:  # whatever Chroma raises for a damaged directory
                aside = move_aside(index_dir)
                log.warning("the Chroma index in %s could not be opened or queried (%s: %s); it was moved aside to "
                            "%s and starts empty: `qa index` rebuilds it from the corpus", index_dir,
                            type(exc).__name__, exc, aside)
                chromadb.api.client.SharedSystemClient.clear_system_cache()
                return cls(chromadb.PersistentClient(path=str(index_dir), settings=settings), name, signature, lock)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def server(cls, host: str, port: int, name: str, signature: str) -> ChromaStore:
        """Connect to a Chroma server (keep it on 127.0.0.1: old servers allow remote code)."""
        import chromadb

        settings = chromadb.Settings(anonymized_telemetry=False)
        store = cls(chromadb.HttpClient(host=host, port=port, settings=settings), name, signature)
        store.shared = True
        return store

    def _open_collections(self) -> None:
        """Open the collections; an index built under another signature is kept as it is
        (``stale``) until a writer calls ``rebuild``: reading never destroys an index."""
        names = self._names()
        existing = {c if isinstance(c, str) else c.name for c in self._client.list_collections()}
        self.built_signature: str | None = None
        if names[0] in existing:
            current = self._client.get_collection(names[0], embedding_function=None)
            self.built_signature = (current.metadata or {}).get("signature")
            if self.stale:
                if all(n in existing for n in names):
                    self._chunks, self._sentences, self._docs = (
                        self._client.get_collection(n, embedding_function=None) for n in names)
                    return
                log.warning("index %s is incomplete and was built with other settings: it is rebuilt", self.name)
                self.rebuild()
                return
        self._create_collections()

    @property
    def stale(self) -> bool:
        """The index was built under another signature (model, chunking or index format)."""
        return self.built_signature is not None and self.built_signature != self.signature

    def rebuild(self) -> None:
        """Drop a stale index and start empty under the current signature (writers only)."""
        existing = {c if isinstance(c, str) else c.name for c in self._client.list_collections()}
        for name in self._names():
            if name in existing:
                self._client.delete_collection(name)
        self.model_changed = True
        self._create_collections()

    def _names(self) -> list[str]:
        return [f"{self.name}-{part}" for part in ("chunks", "sentences", "docs")]

    def _create_collections(self) -> None:
        self._chunks, self._sentences, self._docs = (
            self._client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"signature": self.signature},
            )
            for name in self._names()
        )
        self.built_signature = self.signature

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- manifest ---------------------------------------------------------------------------

    def manifest(self) -> dict[str, str]:
        """doc_id -> sha256 of every indexed document."""
        out: dict[str, str] = {}
        for page in self._pages(self._docs, ["metadatas"]):
            out.update({i: m["sha256"] for i, m in zip(page["ids"], page["metadatas"])})
        return out

    def documents(self) -> list[dict[str, Any]]:
        """doc_id, title, chunks, sha256, size (characters of text), indexed_at (Unix time)
        and metadata of every indexed document, by id."""
        out: list[dict[str, Any]] = []
        for page in self._pages(self._docs, ["metadatas"]):
            out.extend({"doc_id": i, "title": m["title"], "chunks": int(m.get("chunks", 0)), "sha256": m["sha256"],
                        "size": m.get("chars"), "indexed_at": m.get("indexed_at"),
                        "metadata": json.loads(m.get("metadata") or "{}")}
                       for i, m in zip(page["ids"], page["metadatas"]))
        return sorted(out, key=lambda d: d["doc_id"])

    def document(self, doc_id: str) -> Document | None:
        got = self._docs.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0]
        return Document(doc_id, meta["title"], got["documents"][0], meta["sha256"], (),
                        json.loads(meta.get("metadata") or "{}"), tuple(json.loads(meta.get("pages") or "[]")))

    # --- writes -----------------------------------------------------------------------------

    def write_documents(self, batch: list[Embedded], listed: set[str]) -> None:
        """Store new versions of documents, in one write per collection (Chroma's cost is per
        call as much as per record). Those in ``listed`` are unlisted and their old chunks
        dropped first; the others are new (nothing to delete). The manifest entries are written
        last, so a kill in between leaves no half document listed and the next run redoes it."""
        self.delete_documents([e.document.doc_id for e in batch if e.document.doc_id in listed])
        chunks = [c for e in batch for c in e.chunks]
        vectors = np.concatenate([e.vectors for e in batch]) if chunks else np.zeros((0, 0))
        for i in range(0, len(chunks), BATCH):
            part = chunks[i : i + BATCH]
            self._chunks.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i : i + BATCH],
                documents=[c.text for c in part],
                metadatas=[
                    {"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end,
                     "sentences": encode_spans(c.sentences)}
                    for c in part
                ],
            )
        sentences = [(e.document.doc_id, s, t) for e in batch for s, t in e.sentences]
        sentence_vectors = np.concatenate([e.sentence_vectors for e in batch]) if sentences else np.zeros((0, 0))
        for i in range(0, len(sentences), BATCH):
            part_s = sentences[i : i + BATCH]
            self._sentences.upsert(
                ids=[sentence_id(d, s, t) for d, s, t in part_s],
                embeddings=sentence_vectors[i : i + BATCH],
                metadatas=[{"doc_id": d, "start": s, "end": t} for d, s, t in part_s],
            )
        now = time.time()
        self._docs.upsert(
            ids=[e.document.doc_id for e in batch],
            embeddings=[[1.0]] * len(batch),
            documents=[e.document.text for e in batch],
            metadatas=[{"title": e.document.title, "sha256": e.document.sha256, "chunks": len(e.chunks),
                        "metadata": json.dumps(e.document.metadata, ensure_ascii=False),
                        "pages": json.dumps(e.document.pages), "chars": len(e.document.text), "indexed_at": now}
                       for e in batch],
        )

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Unlist each document first, then drop its chunks and sentences (a kill in
        between leaves unlisted leftovers that ``incomplete_documents`` finds)."""
        for doc_id in doc_ids:
            self._docs.delete(ids=[doc_id])
            self._chunks.delete(where={"doc_id": doc_id})
            self._sentences.delete(where={"doc_id": doc_id})

    def incomplete_documents(self) -> list[str]:
        """Documents an interrupted write left behind: listed with another number of chunks
        than stored, or chunks and sentences of a document that is not listed."""
        listed: dict[str, int] = {}
        for page in self._pages(self._docs, ["metadatas"]):
            listed.update({i: int(m.get("chunks", -1)) for i, m in zip(page["ids"], page["metadatas"])})
        stored: dict[str, int] = {}
        for page in self._pages(self._chunks, ["metadatas"]):
            for m in page["metadatas"]:
                stored[m["doc_id"]] = stored.get(m["doc_id"], 0) + 1
        unlisted = {m["doc_id"] for page in self._pages(self._sentences, ["metadatas"])
                    for m in page["metadatas"]} - set(listed)
        broken = {d for d, n in listed.items() if stored.get(d, 0) != n}
        return sorted(broken | (set(stored) - set(listed)) | unlisted)

    # --- reads ------------------------------------------------------------------------------

    def count(self) -> tuple[int, int]:
        """(documents, chunks) in the index."""
        return self.document_count(), self._chunks.count()

    def document_count(self) -> int:
        return self._docs.count()

    def chunks(self, doc_ids: list[str] | None = None) -> Iterator[Chunk]:
        """Every stored chunk, or those of ``doc_ids``, page by page."""
        where = None if doc_ids is None else {"doc_id": {"$in": doc_ids}}
        for page in self._pages(self._chunks, ["metadatas", "documents"], where):
            yield from self._as_chunks(page)

    def chunks_by_id(self, ids: list[str]) -> dict[str, Chunk]:
        """Stored chunks by id (unknown ids are left out)."""
        if not ids:
            return {}
        got = self._chunks.get(ids=ids, include=["metadatas", "documents"])
        return {c.chunk_id: c for c in self._as_chunks(got)}

    @staticmethod
    def _as_chunks(got: dict[str, Any]) -> Iterator[Chunk]:
        for i, m, t in zip(got["ids"], got["metadatas"], got["documents"]):
            yield Chunk(i, m["doc_id"], m["title"], m["start"], m["end"], t, decode_spans(m.get("sentences", "")))

    def query(self, vector: np.ndarray, n: int, documents: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, best first (of ``documents`` only, if given)."""
        if documents is not None and not documents:
            return []
        where = None if documents is None else {"doc_id": {"$in": sorted(documents)}}
        # more results than chunks is fine for Chroma (fewer come back): no count() first, which
        # costs as much as the query at 100k chunks
        got = self._chunks.query(query_embeddings=[vector], n_results=n, include=["distances"], where=where)
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0])]

    def sentence_count(self) -> int:
        return self._sentences.count()

    def all_sentence_vectors(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored sentence vector, page by page."""
        for page in self._pages(self._sentences, ["embeddings"]):
            yield from zip(page["ids"], np.asarray(page["embeddings"], dtype=np.float32))

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of sentences by id (unknown ids are left out)."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), BATCH):
            got = self._sentences.get(ids=ids[i : i + BATCH], include=["embeddings"])
            out.update({k: np.asarray(v, dtype=np.float32) for k, v in zip(got["ids"], got["embeddings"])})
        return out

    @staticmethod
    def _pages(collection: Any, include: list[str], where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """A collection's records (those matching ``where``, if given), ``BATCH`` at a time
        (Chroma's ``get`` result per page)."""
        offset = 0
        while True:
            got = collection.get(include=include, limit=BATCH, offset=offset, where=where)
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])
