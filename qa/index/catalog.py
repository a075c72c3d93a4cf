"""The documents qa serves: the corpus folder and its index, kept in line by one indexing run
at a time (in the foreground, or in the background after an upload), and the originals read
back from the index."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.core.errors import AlreadyIndexing, IndexNotReady, NotFound
from qa.core.schema import Document, IndexedDocument, IndexReport, UploadOutcome
from qa.core.trust import document_addresses_ai
from qa.corpus.folder import CorpusFolder
from qa.index.background import Background
from qa.index.indexer import Indexer
from qa.index.types import VectorStore

log = logging.getLogger(__name__)


class Catalog:
    """The corpus folder (``folder``) and the index (``store`` and the ``indexer`` that writes
    it and the lexical index); ``changed`` is called after a run changed what is indexed."""

    def __init__(self, store: VectorStore, indexer: Indexer, folder: CorpusFolder, changed: Callable[[], None]) -> None:
        self.store = store
        self.indexer = indexer
        self.folder = folder
        self.changed = changed
        self._lock = threading.Lock()  # one indexing run at a time (CLI, API, background)
        self.background = Background(self.index, "background indexing")
        self._documents: dict[str, Document] = {}
        if not store.stale:
            indexer.repair()  # what a killed run left half-written is never served
            indexer.align_lexical()

    def index(self, corpus_dir: Path | None = None, progress: bool = False, wait: bool = True) -> IndexReport:
        """Bring the index in line with ``corpus_dir`` (the folder if None): add,
        replace, skip, remove; an index built under other settings is rebuilt first.

        Args:
            wait: wait for a run in progress to end first; if False, refuse at once.

        Raises:
            CorpusError: the folder is missing or holds no readable document.
            AlreadyIndexing: a run is in progress and ``wait`` is False.
        """
        with self._exclusive(wait):
            if self.store.stale:
                log.warning("the index is rebuilt: %s", self.store.stale_reason())
                self.store.rebuild()
            report = self.indexer.run(corpus_dir or self.folder.corpus_dir, progress)
            if report.added or report.updated or report.removed or self.store.model_changed:
                self._changed()
            return report

    @contextmanager
    def _exclusive(self, wait: bool) -> Iterator[None]:
        """The one indexing run's lock; without ``wait``, AlreadyIndexing rather than a parked thread."""
        if not self._lock.acquire(blocking=wait):
            raise AlreadyIndexing("an indexing run is in progress: this request is not queued behind it; "
                                  "GET /api/health says when it is done")
        try:
            yield
        finally:
            self._lock.release()

    def _changed(self) -> None:
        self._documents.clear()
        self.changed()

    def indexing(self) -> bool:
        """A run is writing (in the foreground or the background)."""
        return self._lock.locked() or self.background.running()

    def status(self, chunks: int) -> str:
        """``indexing`` (a run is writing; questions are still answered), ``degraded`` (built
        under other settings), ``empty`` or ``ready``."""
        return ("indexing" if self.indexing() else "degraded" if self.store.stale
                else "empty" if chunks == 0 else "ready")

    def ready(self, chunks: int) -> bool:
        return chunks > 0 and not self.store.stale

    def check_current(self) -> None:
        """Raises IndexNotReady when the index was built under other settings."""
        if self.store.stale:
            raise IndexNotReady(f"the index was built with other settings ({self.store.stale_reason()}): "
                                "run `qa index` (or `qa serve --refresh`) to rebuild it")

    def upload(self, name: str, data: bytes) -> UploadOutcome:
        """Save a document into the corpus folder and index it in the background.

        Raises:
            TooLarge, UnsupportedFormat, CorpusError: the upload is refused; nothing is written.
        """
        indexed = self.store.manifest()
        saved = self.folder.save(name, data, indexed)
        if saved.doc_id not in indexed:
            self.background.request()
        return UploadOutcome(saved.doc_id, saved.duplicate, indexed=saved.doc_id in indexed)

    def delete(self, doc_id: str, wait: bool = True) -> None:
        """Remove an indexed document: its file from the corpus folder, then its chunks from the
        index. Files qa does not list (never indexed, or not documents) are not touched.

        Raises:
            NotFound: no such indexed document (nor one being indexed).

        A run in progress (a document being indexed, or any run when ``wait`` is False) is
        cancelled first, at its next batch of texts, and started again in the background after.
        """
        being_indexed = doc_id in self.indexer.writing
        if not being_indexed and doc_id not in self.store.manifest():  # nothing of ours to wait for
            raise NotFound(f"no document with id {doc_id!r}")
        # a run in progress stops at its next batch of texts (seconds), then the document goes,
        # and what the run had still to do is done by the next one
        resume = being_indexed or (not wait and self.indexing())
        if resume:
            self.indexer.cancel()
        with self._exclusive(wait or resume):
            if doc_id not in self.store.manifest() and not being_indexed:
                raise NotFound(f"no document with id {doc_id!r}")
            self.folder.delete(doc_id)
            self.indexer.remove([doc_id])
            self._changed()
        if resume:
            self.background.request()

    def document(self, doc_id: str) -> Document | None:
        """An indexed document (original text) by id, cached."""
        if doc_id not in self._documents:
            doc = self.store.document(doc_id)
            if doc is None:
                return None
            self._documents[doc_id] = doc
        return self._documents[doc_id]

    def trusted(self, doc_id: str) -> bool:
        """Whether an indexed document may be evidence: it addresses no AI reader (qa/core/trust.py)."""
        doc = self.document(doc_id)
        return doc is not None and not document_addresses_ai(doc)

    def get_document(self, doc_id: str) -> Document:
        """Like ``document`` but raises NotFound."""
        doc = self.document(doc_id)
        if doc is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return doc

    def documents(self) -> list[IndexedDocument]:
        """What is indexed, by id."""
        return self.store.documents()
