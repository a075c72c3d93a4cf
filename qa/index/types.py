"""The index's seam: what retrieval, the catalog, the indexer and the lexical sync need of a
vector store (``VectorStore``), and what any store shares (sentence ids, index signatures).
Chroma's implementation is qa/index/chroma/; tests/fakes.py has an in-memory one that passes
the same contract tests (tests/unit/test_store_contract.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np

from qa.core.schema import Chunk, Document, EmbeddedDocument, IndexedDocument

INDEX_FORMAT = 5  # bump when what is stored per document, chunk or sentence changes (4: titles, pages; 5: summaries)


def index_signature(model_id: str, chunk_size: int, chunk_overlap: int) -> str:
    """What stored vectors and chunks depend on; an index with another signature is rebuilt."""
    return f"{model_id}|chunks={chunk_size}/{chunk_overlap}|format={INDEX_FORMAT}"


def describe_change(built: str, wanted: str) -> str:
    """Which of the settings behind two index signatures differ, in the user's words."""
    names = ("embedding model (QA_EMBEDDING_MODEL)", "chunking (QA_CHUNK_SIZE/QA_CHUNK_OVERLAP)",
             "index format (qa version)")
    old, new = built.split("|"), wanted.split("|")
    if len(old) != len(new):
        return f"index built as {built!r}, settings give {wanted!r}"
    return "; ".join(f"{name}: index {a.split('=')[-1]}, settings {b.split('=')[-1]}"
                     for name, a, b in zip(names, old, new) if a != b)


def sentence_id(doc_id: str, start: int, end: int) -> str:
    return f"{doc_id}@{start}-{end}"


class VectorStore(Protocol):
    """Chunks with their vectors, their sentences' vectors, and the documents they come from,
    built under one signature (``stale`` when built under another)."""

    @property
    def shared(self) -> bool:
        """Other qa processes may write to it as well (a server); else this process owns its folder."""
        ...

    @property
    def stale(self) -> bool:
        """Built under other settings (model, chunking or index format)."""
        ...

    @property
    def model_changed(self) -> bool:
        """This process rebuilt it under new settings."""
        ...

    def stale_reason(self) -> str: ...

    def rebuild(self) -> None:
        """Drop what a stale store holds and start empty under the current signature."""
        ...

    def incomplete_documents(self) -> list[str]:
        """Documents with chunks or sentences but no listing (a write that did not finish)."""
        ...

    def close(self) -> None: ...

    def manifest(self) -> dict[str, str]:
        """doc_id -> sha256 of every listed document."""
        ...

    def documents(self) -> list[IndexedDocument]: ...

    def document(self, doc_id: str) -> Document | None: ...

    def write_documents(self, batch: list[EmbeddedDocument], listed: set[str]) -> None:
        """New versions of documents (those in ``listed`` replace their old ones); listed last."""
        ...

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Unlisted first, then their chunks and sentences."""
        ...

    def count(self) -> tuple[int, int]:
        """(documents, chunks)."""
        ...

    def document_count(self) -> int: ...

    def chunks(self, doc_ids: list[str] | None = None) -> Iterator[Chunk]: ...

    def chunks_by_id(self, ids: list[str]) -> dict[str, Chunk]: ...

    def query(self, vector: np.ndarray, n: int, documents: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """The ``n`` nearest chunk ids with their cosine, best first (of ``documents`` only, if given)."""
        ...

    def sentence_count(self) -> int: ...

    def all_sentence_vectors(self) -> Iterator[tuple[str, np.ndarray]]: ...

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors by sentence id (unknown ids left out)."""
        ...
