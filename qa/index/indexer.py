"""Indexing: bring the store in line with the corpus folder, in batches that are written as
soon as they are embedded (an interrupted run keeps what it wrote and the next one resumes),
and repair what a killed run left half-written."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from qa.core.errors import CorpusError
from qa.core.schema import Chunk, Document, EmbeddedDocument, IndexReport
from qa.corpus.formats import FORMATS, Budget
from qa.corpus.ingest import load_corpus
from qa.index.chunking import chunk_document
from qa.index.embedding import Embedder
from qa.index.journal import Journal
from qa.index.lexical import LexicalIndex, sync
from qa.index.store import ChromaStore
from qa.index.summaries import summarize

log = logging.getLogger(__name__)

BATCH_TEXTS = 512  # texts embedded per write: progress survives a kill, batches stay efficient

Planned = tuple[Document, list[Chunk], list[tuple[int, int]]]  # document, chunks, sentence spans


class Indexer:
    """Adds new documents, replaces changed ones, removes deleted ones; skips unchanged ones
    by content hash. Writes the vector store and the lexical index, journalling each document
    before its write so that a killed run is found and repaired at the next start."""

    def __init__(self, store: ChromaStore, lexical: LexicalIndex, journal: Journal, embedder: Embedder,
                 chunk_size: int, chunk_overlap: int, budget: Budget = Budget()) -> None:
        self.store = store
        self.budget = budget  # what one file may cost to extract
        self.lexical = lexical
        self.journal = journal
        self.embedder = embedder
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.progress = (0, 0)  # texts embedded, texts to embed, in the current run

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
            raise CorpusError(f"no readable document ({', '.join(sorted(FORMATS))}) in {corpus_dir}{detail}")
        self.repair()
        indexed = self.store.manifest()
        self.align_lexical(indexed)
        changed = [d for d in documents if indexed.get(d.doc_id) != d.sha256]
        removed = sorted(set(indexed) - {d.doc_id for d in documents})
        self.remove(removed)
        written = self._write(changed, set(indexed), progress)
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

    def _plan(self, documents: list[Document]) -> Iterator[Planned]:
        for d in documents:
            chunks = chunk_document(d, self.chunk_size, self.chunk_overlap)
            yield d, chunks, sorted({s for c in chunks for s in c.sentences})

    def _write(self, documents: list[Document], listed: set[str], progress: bool) -> int:
        """Embed and write the documents batch by batch; returns the chunks written. Those not
        ``listed`` are new: repair has removed whatever a killed run left of them."""
        planned = list(self._plan(documents))
        total = sum(len(chunks) + len(spans) for _, chunks, spans in planned)
        written = 0
        self.progress = (0, total)
        with tqdm(total=total, unit="text", desc="embedding", disable=not progress or total <= 64) as bar:
            for batch in _batches(planned, BATCH_TEXTS):
                texts = [f"{c.title}\n{c.text}" for _, chunks, _ in batch for c in chunks]
                texts += [f"{d.title}\n{d.text[s:e]}" for d, _, spans in batch for s, e in spans]
                vectors = self.embedder.embed(texts)
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
                bar.update(len(texts))
                self.progress = (self.progress[0] + len(texts), total)
        return written


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
