"""Indexing: bring the store in line with the corpus folder, in batches that are written as
soon as they are embedded (an interrupted run keeps what it wrote and the next one resumes),
and repair what a killed run left half-written."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa.core.errors import CorpusError
from qa.core.schema import Chunk, Document, EmbeddedDocument, IndexReport
from qa.corpus.formats import Budget, formats_read
from qa.corpus.ingest import load_corpus
from qa.index.chunking import chunk_document
from qa.index.embedding import Embedder
from qa.index.journal import Journal
from qa.index.lexical import LexicalIndex, sync
from qa.index.summaries import summarize
from qa.index.types import VectorStore

log = logging.getLogger(__name__)

BATCH_TEXTS = 512  # texts embedded per write: progress survives a kill, batches stay efficient
SLICE_TEXTS = 512  # texts per embedding call: progress is said, and a cancel heard, after each

Planned = tuple[Document, list[Chunk], list[tuple[int, int]]]  # document, chunks, sentence spans


class Indexer:
    """Adds new documents, replaces changed ones, removes deleted ones; skips unchanged ones
    by content hash. Writes the vector store and the lexical index, journalling each document
    before its write so that a killed run is found and repaired at the next start."""

    def __init__(self, store: VectorStore, lexical: LexicalIndex, journal: Journal, embedder: Embedder,
                 chunk_size: int, chunk_overlap: int, budget: Budget = Budget(), max_texts: int = 50_000) -> None:
        self.store = store
        self.budget = budget  # what one file may cost to extract
        self.max_texts = max_texts  # passages and sentences one document may give to embed
        self.lexical = lexical
        self.journal = journal
        self.embedder = embedder
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.progress = (0, 0)  # texts embedded, texts to embed, in the current run
        self.writing: frozenset[str] = frozenset()  # the documents the current run embeds
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop the run in progress at its next batch of texts: what it wrote stays written
        whole, the rest waits for the next run."""
        self._cancel.set()

    def repair(self) -> list[str]:
        """Drop documents a killed run left half-written (they are no longer listed, and the
        next run adds them again); returns them.

        The journal names them; a journal that is new (or was unreadable) cannot, so then
        every document's chunks are counted as well."""
        broken = self.journal.pending()
        if self.journal.created:
            broken = sorted(set(broken) | set(self.store.incomplete_documents()))
        if broken:
            log.warning("%d document(s) were half-indexed by an interrupted run and are removed until the "
                        "next `qa index`: %s", len(broken), ", ".join(broken))
            self.remove(broken)
        return broken

    def align_lexical(self, manifest: dict[str, str] | None = None) -> None:
        """Bring the lexical index in line with the store (``manifest``: the store's, if just
        read) where they may differ: the lexical index is new, the store is shared with other
        writers (a Chroma server), or they hold different numbers of documents (an index rebuilt
        under new settings). A single-owner index otherwise stays in line by the journal, and
        reading the store's whole manifest (2.4 s at 34k documents) is skipped."""
        if self.lexical.created or self.store.shared or self.lexical.document_count() != self.store.document_count():
            sync(self.lexical, self.store.manifest() if manifest is None else manifest, self.store.chunks)

    def remove(self, doc_ids: list[str]) -> None:
        """Delete documents from the store and the lexical index (journalled)."""
        if doc_ids:
            self.journal.begin(doc_ids)
            self.store.delete_documents(doc_ids)
            self.lexical.delete(doc_ids)
            self.journal.end(doc_ids)

    def run(self, corpus_dir: Path, progress: bool = False) -> IndexReport:
        """Raises:
        CorpusError: the folder is missing or holds no readable document."""
        t0 = time.perf_counter()
        loaded = list(load_corpus(corpus_dir, self.budget))
        documents = [d for d in loaded if isinstance(d, Document)]
        skipped = tuple(str(e) for e in loaded if isinstance(e, CorpusError))
        if not documents:
            detail = f" ({len(skipped)} skipped: {'; '.join(skipped)})" if skipped else ""
            raise CorpusError(f"no readable document ({formats_read()}) in {corpus_dir}{detail}")
        self.repair()
        indexed = self.store.manifest()
        self.align_lexical(indexed)
        changed = [d for d in documents if indexed.get(d.doc_id) != d.sha256]
        removed = sorted(set(indexed) - {d.doc_id for d in documents})
        self.remove(removed)
        planned, too_long = plan(changed, self.chunk_size, self.chunk_overlap, self.max_texts)
        skipped += too_long
        self._cancel.clear()
        self.writing = frozenset(d.doc_id for d, _, _ in planned)
        try:
            written = self._write(planned, set(indexed), progress)
        finally:
            self.writing = frozenset()
        docs_total, chunks_total = self.store.count()
        return IndexReport(
            added=sum(d.doc_id not in indexed for d in changed),
            updated=sum(d.doc_id in indexed for d in changed),
            unchanged=len(documents) - len(changed),
            removed=len(removed),
            skipped=skipped,
            chunks_written=written,
            chunks_total=chunks_total,
            documents_total=docs_total,
            seconds=round(time.perf_counter() - t0, 3),
        )

    def _embed(self, texts: list[str], bar: tqdm, total: int) -> np.ndarray | None:
        """``texts`` embedded ``SLICE_TEXTS`` at a time (a batch of one huge document too),
        progress said after each; None when the run is cancelled meanwhile."""
        parts = []
        for at in range(0, len(texts), SLICE_TEXTS):
            if self._cancel.is_set():
                return None
            parts.append(self.embedder.embed(texts[at : at + SLICE_TEXTS]))
            done = len(parts[-1])
            bar.update(done)
            self.progress = (self.progress[0] + done, total)
        return np.concatenate(parts) if parts else np.zeros((0, self.embedder.dimension), dtype=np.float32)

    def _write(self, planned: list[Planned], listed: set[str], progress: bool) -> int:
        """Embed and write the documents batch by batch; returns the chunks written. Those not
        ``listed`` are new: repair has removed whatever a killed run left of them. A cancelled
        run stops before its next batch of texts (nothing of a document is written half)."""
        total = sum(len(chunks) + len(spans) for _, chunks, spans in planned)
        written = 0
        self.progress = (0, total)
        with tqdm(total=total, unit="text", desc="embedding", disable=not progress or total <= 64) as bar:
            for batch in _batches(planned, BATCH_TEXTS):
                texts = [f"{c.title}\n{c.text}" for _, chunks, _ in batch for c in chunks]
                texts += [f"{d.title}\n{d.text[s:e]}" for d, _, spans in batch for s, e in spans]
                vectors = self._embed(texts, bar, total)
                if vectors is None:
                    log.warning("indexing was cancelled; %d texts of %d were written", self.progress[0], total)
                    break
                at = sum(len(chunks) for _, chunks, _ in batch)
                chunk_vectors, sentence_vectors = vectors[:at], vectors[at:]
                c_at = s_at = 0
                embedded = []
                for document, chunks, spans in batch:
                    vectors_of = sentence_vectors[s_at : s_at + len(spans)]
                    summarised = replace(document, summary=summarize(document, spans, vectors_of))
                    embedded.append(EmbeddedDocument(summarised, chunks, chunk_vectors[c_at : c_at + len(chunks)],
                                                     spans, vectors_of))
                    c_at += len(chunks)
                    s_at += len(spans)
                ids = [d.doc_id for d, _, _ in batch]
                self.journal.begin(ids)
                self.store.write_documents(embedded, listed)
                self.lexical.replace((d.doc_id, d.sha256, chunks) for d, chunks, _ in batch)
                self.journal.end(ids)
                written += len(texts[:at])
        return written


def plan(documents: list[Document], chunk_size: int, chunk_overlap: int, max_texts: int
         ) -> tuple[list[Planned], tuple[str, ...]]:
    """Each document's chunks and sentences; one that would give more than ``max_texts`` texts
    to embed is skipped with its reason, before any of it is embedded."""
    planned, skipped = [], []
    for d in documents:
        chunks = chunk_document(d, chunk_size, chunk_overlap)
        spans = sorted({s for c in chunks for s in c.sentences})
        if len(chunks) + len(spans) > max_texts:
            skipped.append(f"{d.doc_id}: too long to index ({len(chunks)} passages and {len(spans)} sentences; "
                           f"at most {max_texts:,} texts a document, QA_MAX_DOCUMENT_TEXTS)")
            log.warning("skipped %s", skipped[-1])
            continue
        planned.append((d, chunks, spans))
    return planned, tuple(skipped)


def _batches(planned: list[Planned], size: int) -> Iterator[list[Planned]]:
    """Whole documents, grouped until a group holds about ``size`` texts."""
    batch: list[Planned] = []
    texts = 0
    for item in planned:
        batch.append(item)
        texts += len(item[1]) + len(item[2])
        if texts >= size:
            yield batch
            batch, texts = [], 0
    if batch:
        yield batch
