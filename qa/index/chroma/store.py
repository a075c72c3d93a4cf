"""The Chroma VectorStore (qa/index/types.py): chunks and their vectors, their sentences' vectors
and the documents (original text, hash, summary) in three collections, embedded or on a server."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from qa.core.schema import Chunk, Citation, Document, EmbeddedDocument, IndexedDocument
from qa.core.text import page_of
from qa.index.chroma.collections import BATCH, Collections, open_embedded, pages, upsert
from qa.index.chroma.lock import IndexLock
from qa.index.types import describe_change, sentence_id

log = logging.getLogger(__name__)



def encode_spans(spans: Iterable[tuple[int, int]]) -> str:
    """Sentence spans as Chroma metadata (scalars only): ``"0:12;13:40"``."""
    return ";".join(f"{s}:{e}" for s, e in spans)


def decode_spans(text: str) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    return tuple((int(s), int(e)) for s, e in (p.split(":") for p in text.split(";")))


class ChromaStore:
    """Chunks with vectors in one collection, their sentences' vectors in a second, and
    documents (original text, hash) in a third.

    Works the same over an embedded ``PersistentClient`` and a ``HttpClient`` (server mode):
    everything needed to serve, originals included, lives in Chroma.
    """

    def __init__(self, collections: Collections, lock: IndexLock | None = None, shared: bool = False) -> None:
        """``collections``: opened under the current signature (``collections.stale`` if built
        under another); ``lock``: the embedded directory's, released by ``close``; ``shared``: a
        Chroma server, which other qa processes may write to as well."""
        self._lock = lock
        self.shared = shared
        self._c = collections

    @property
    def stale(self) -> bool:
        """The index was built under other settings (model, chunking or index format)."""
        return self._c.stale

    @property
    def model_changed(self) -> bool:
        """This process rebuilt the index under new settings."""
        return self._c.model_changed

    def stale_reason(self) -> str:
        """What differs between the settings the index was built under and the current ones."""
        return describe_change(self._c.built_signature or "", self._c.signature)

    def rebuild(self) -> None:
        """Drop a stale index and start empty under the current settings (writers only)."""
        self._c.rebuild()

    def incomplete_documents(self) -> list[str]:
        """Documents listed without all their chunks (a write that did not finish)."""
        return self._c.incomplete_documents()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- manifest ---------------------------------------------------------------------------

    def manifest(self) -> dict[str, str]:
        """doc_id -> sha256 of every indexed document."""
        out: dict[str, str] = {}
        for page in pages(self._c.docs, ["metadatas"]):
            out.update({i: m["sha256"] for i, m in zip(page["ids"], page["metadatas"])})
        return out

    def documents(self) -> list[IndexedDocument]:
        """Every indexed document, by id."""
        out = [IndexedDocument(i, m["title"], int(m.get("chunks", 0)), m["sha256"], m.get("chars"),
                               m.get("indexed_at"), json.loads(m.get("metadata") or "{}"), _summary(i, m))
               for page in pages(self._c.docs, ["metadatas"]) for i, m in zip(page["ids"], page["metadatas"])]
        return sorted(out, key=lambda d: d.doc_id)

    def document(self, doc_id: str) -> Document | None:
        got = self._c.docs.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0]
        return Document(doc_id, meta["title"], got["documents"][0], meta["sha256"], (),
                        json.loads(meta.get("metadata") or "{}"), tuple(json.loads(meta.get("pages") or "[]")),
                        tuple((s, e) for s, e, _ in json.loads(meta.get("summary") or "[]")))

    # --- writes -----------------------------------------------------------------------------

    def write_documents(self, batch: list[EmbeddedDocument], listed: set[str]) -> None:
        """Store new versions of documents, in one write per collection (Chroma's cost is per
        call as much as per record). Those in ``listed`` are unlisted and their old chunks
        dropped first; the others are new (nothing to delete). The manifest entries are written
        last, so a kill in between leaves no half document listed and the next run redoes it."""
        self.delete_documents([e.document.doc_id for e in batch if e.document.doc_id in listed])
        chunks = [c for e in batch for c in e.chunks]
        upsert(self._c.chunks, [c.chunk_id for c in chunks], _stacked([e.vectors for e in batch]),
               [{"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end,
                 "sentences": encode_spans(c.sentences)} for c in chunks], [c.text for c in chunks])
        sentences = [(e.document.doc_id, s, t) for e in batch for s, t in e.sentences]
        upsert(self._c.sentences, [sentence_id(d, s, t) for d, s, t in sentences],
               _stacked([e.sentence_vectors for e in batch]),
               [{"doc_id": d, "start": s, "end": t} for d, s, t in sentences])
        now, documents = time.time(), [e.document for e in batch]
        upsert(self._c.docs, [d.doc_id for d in documents], np.ones((len(batch), 1)),
               [{"title": d.title, "sha256": d.sha256, "chunks": len(e.chunks),
                 "metadata": json.dumps(d.metadata, ensure_ascii=False), "pages": json.dumps(d.pages),
                 "summary": json.dumps([(s, e, d.text[s:e]) for s, e in d.summary], ensure_ascii=False),
                 "chars": len(d.text), "indexed_at": now} for d, e in zip(documents, batch)],
               [d.text for d in documents])

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Unlist each document first, then drop its chunks and sentences (a kill in
        between leaves unlisted leftovers that ``collections.incomplete_documents`` finds)."""
        for doc_id in doc_ids:
            self._c.docs.delete(ids=[doc_id])
            self._c.chunks.delete(where={"doc_id": doc_id})
            self._c.sentences.delete(where={"doc_id": doc_id})

    # --- reads ------------------------------------------------------------------------------

    def count(self) -> tuple[int, int]:
        """(documents, chunks) in the index."""
        return self.document_count(), self._c.chunks.count()

    def document_count(self) -> int:
        return self._c.docs.count()

    def chunks(self, doc_ids: list[str] | None = None) -> Iterator[Chunk]:
        """Every stored chunk, or those of ``doc_ids``, page by page."""
        where = None if doc_ids is None else {"doc_id": {"$in": doc_ids}}
        for page in pages(self._c.chunks, ["metadatas", "documents"], where):
            yield from _as_chunks(page)

    def chunks_by_id(self, ids: list[str]) -> dict[str, Chunk]:
        """Stored chunks by id (unknown ids are left out)."""
        if not ids:
            return {}
        got = self._c.chunks.get(ids=ids, include=["metadatas", "documents"])
        return {c.chunk_id: c for c in _as_chunks(got)}

    def query(self, vector: np.ndarray, n: int, documents: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, best first (of ``documents`` only, if given)."""
        if documents is not None and not documents:
            return []
        where = None if documents is None else {"doc_id": {"$in": sorted(documents)}}
        # more results than chunks is fine for Chroma (fewer come back): no count() first, which
        # costs as much as the query at 100k chunks
        got = self._c.chunks.query(query_embeddings=[vector], n_results=n, include=["distances"], where=where)
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0])]

    def sentence_count(self) -> int:
        return self._c.sentences.count()

    def all_sentence_vectors(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored sentence vector, page by page."""
        for page in pages(self._c.sentences, ["embeddings"]):
            yield from zip(page["ids"], np.asarray(page["embeddings"], dtype=np.float32))

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of sentences by id (unknown ids are left out)."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), BATCH):
            got = self._c.sentences.get(ids=ids[i : i + BATCH], include=["embeddings"])
            out.update({k: np.asarray(v, dtype=np.float32) for k, v in zip(got["ids"], got["embeddings"])})
        return out


def _summary(doc_id: str, meta: dict[str, Any]) -> tuple[Citation, ...]:
    """A document's stored summary, sentence by sentence (each checked against its text when written)."""
    pages_at = tuple(json.loads(meta.get("pages") or "[]"))
    return tuple(Citation(doc_id, meta["title"], s, e, quote, page_of(pages_at, s))
                 for s, e, quote in json.loads(meta.get("summary") or "[]"))


def _as_chunks(got: dict[str, Any]) -> Iterator[Chunk]:
    for i, m, t in zip(got["ids"], got["metadatas"], got["documents"]):
        yield Chunk(i, m["doc_id"], m["title"], m["start"], m["end"], t, decode_spans(m.get("sentences", "")))


def _stacked(parts: list[np.ndarray]) -> np.ndarray:
    """Row blocks as one array (none: an empty one)."""
    rows = [p for p in parts if len(p)]
    return np.concatenate(rows) if rows else np.zeros((0, 0))


def embedded_store(index_dir: Path, name: str, signature: str, lock: IndexLock | None = None) -> ChromaStore:
    """Open (or create) the persistent index in ``index_dir``; one process owns it.

    Args:
        lock: the directory's lock, if the caller took it already (before loading a model).

    Raises:
        IndexLocked: another process (or another pipeline of this one) has it open.
    """
    lock = lock or IndexLock(index_dir)
    try:
        return ChromaStore(open_embedded(index_dir, name, signature), lock)
    except BaseException:
        lock.release()
        raise


def server_store(host: str, port: int, name: str, signature: str) -> ChromaStore:
    """Connect to a Chroma server (keep it on 127.0.0.1: old servers allow remote code)."""
    import chromadb

    settings = chromadb.Settings(anonymized_telemetry=False)
    return ChromaStore(Collections(chromadb.HttpClient(host=host, port=port, settings=settings), name, signature),
                       shared=True)
