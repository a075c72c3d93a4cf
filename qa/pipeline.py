"""The composition root: API, UI, CLI and evaluation all go through Pipeline."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from qa.answer.extractive import Answerer, Draft, ExtractiveAnswerer
from qa.answer.finalize import finalize
from qa.answer.provenance import AnswerLog
from qa.config import Settings, packaged_model_path
from qa.corpus.library import Library
from qa.errors import IndexNotReady, NotFound
from qa.index.background import Background
from qa.index.bm25 import LexicalIndex
from qa.index.embedding import Embedder, open_embedder
from qa.index.indexer import Indexer, describe_change, index_signature
from qa.index.store import ChromaStore, IndexLock
from qa.retrieval import RetrievalConfig, Retriever
from qa.schema import Answer, Document, Hit, IndexReport

log = logging.getLogger(__name__)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


FEEDBACK_FILE = "feedback.jsonl"  # beside the index: users' ratings with the answers' provenance
LEXICAL_FILE = "lexical.sqlite3"  # beside the index (each qa process's own, also with a Chroma server)


def make_embedder(settings: Settings) -> Embedder:
    """The embedding model of the settings, on their backend (loaded at its first use)."""
    return open_embedder(settings.model_path(), settings.embedding_backend, settings.embedding_batch_size,
                         settings.model_cache_dir)


def retrieval_config(settings: Settings) -> RetrievalConfig:
    """The retriever's knobs, from Settings."""
    return RetrievalConfig(
        candidates=settings.candidates, rrf_k=settings.rrf_k, dense_weight=settings.dense_weight,
        bm25_weight=settings.bm25_weight,
        rerank_depth=settings.rerank_depth, fusion_scale=settings.rerank_fusion_scale,
        sentence_weight=settings.rerank_sentence_weight,
        coverage_weight=settings.rerank_coverage_weight,
    )


class Pipeline:
    """Owns the embedder, the store, the retriever and the answerer, wired from Settings."""

    def __init__(self, settings: Settings, embedder: Embedder, store: ChromaStore) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.lexical = LexicalIndex(settings.index_dir / LEXICAL_FILE, settings.bm25_k1, settings.bm25_b)
        self.indexer = Indexer(store, self.lexical, embedder, settings.chunk_size, settings.chunk_overlap)
        if not store.stale:
            self.indexer.repair()  # what a killed run left half-written is never served
            self.indexer.align_lexical()
        self.retriever = Retriever(store, self.lexical, embedder, retrieval_config(settings))
        self._documents: dict[str, Document] = {}
        self.answers = AnswerLog(settings.answers_kept, embedder.model_id, settings.index_dir / FEEDBACK_FILE)
        self._index_lock = threading.Lock()  # one indexing run at a time (CLI, API)
        self.library = Library(settings.corpus_dir, settings.max_upload_bytes)
        self.background_index = Background(self.index, "background indexing")
        self._answerer_lock = threading.Lock()
        self._answerer: Answerer | None = None
        if settings.llm != "none":  # cheap, and a bad LLM setting fails here, not at the first question
            try:
                self._answerer = self._make_answerer()
            except Exception:
                store.close()  # ... and must not leave the index locked
                raise

    def prepare_answering(self) -> None:
        """Load what answering needs (the embedding model, the judge) now rather than at the
        first question."""
        self.retriever.embed_query("")
        self.retriever.warm()
        self.answerer.name  # noqa: B018 - the property loads the judge

    @property
    def answerer(self) -> Answerer:
        """The answerer; the extractive one (the judge's weights) loads on first use."""
        with self._answerer_lock:
            if self._answerer is None:
                self._answerer = self._make_answerer()
            return self._answerer

    @classmethod
    def from_settings(cls, settings: Settings | None = None, embedder: Embedder | None = None) -> Pipeline:
        """Build the pipeline: load the model, open the index (embedded or server Chroma)."""
        settings = settings or Settings()
        # a second owner of an embedded index is refused at once, not after the model loads
        lock = None if settings.chroma_host else IndexLock(settings.index_dir)
        try:
            embedder = embedder or make_embedder(settings)
            signature = index_signature(embedder.model_id, settings.chunk_size, settings.chunk_overlap)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        if settings.chroma_host:
            store = ChromaStore.server(settings.chroma_host, settings.chroma_port, settings.collection, signature)
        else:
            store = ChromaStore.embedded(settings.index_dir, settings.collection, signature, lock)
        return cls(settings, embedder, store)

    def _make_answerer(self) -> Answerer:
        if self.settings.llm != "none":
            from qa.answer.llm import LLMAnswerer

            return LLMAnswerer.from_settings(self.settings, self.document)
        from qa.answer.judge import JUDGE_DIR, Judge  # torch: loaded when answering, not to index

        judge = Judge.load(packaged_model_path(), self.settings.judge_dir or JUDGE_DIR)
        threshold = self.settings.abstain_threshold
        return ExtractiveAnswerer(
            judge,
            self.document,
            self.retriever.embed_query,
            self.retriever.sentence_vectors,
            self.retriever.idf,
            threshold=judge.calibration.threshold_for(self.settings.max_wrong_rate) if threshold is None else threshold,
            max_words=self.settings.answer_words,
        )

    def close(self) -> None:
        self.lexical.close()
        self.store.close()

    # --- indexing ---------------------------------------------------------------------------

    def index(self, corpus_dir: Path | None = None, progress: bool = False) -> IndexReport:
        """Bring the index in line with the corpus folder: add, replace, skip, remove.

        Questions keep being answered while it runs: each batch of documents shows in their
        results once written whole (a changed document is missing while its batch is written).

        Raises:
            CorpusError: the folder is missing or holds no readable document.
        """
        with self._index_lock:
            return self._index(corpus_dir, progress)

    def _stale_reason(self) -> str:
        return describe_change(self.store.built_signature or "", self.store.signature)

    def _index(self, corpus_dir: Path | None, progress: bool) -> IndexReport:
        if self.store.stale:
            log.warning("the index is rebuilt: %s", self._stale_reason())
            self.store.rebuild()
        report = self.indexer.run(Path(corpus_dir or self.settings.corpus_dir), progress)
        if report.added or report.updated or report.removed or self.store.model_changed:
            self.retriever.refresh()
            self._documents.clear()
        return report

    # --- the library (the corpus folder) ------------------------------------------------------

    def upload(self, name: str, data: bytes) -> dict[str, Any]:
        """Save a document into the corpus folder and index it in the background.

        Raises:
            TooLarge, UnsupportedFormat, CorpusError: the upload is refused; nothing is written.
        """
        indexed = self.store.manifest()
        saved = self.library.save(name, data, indexed)
        if saved.doc_id in indexed:
            return {"doc_id": saved.doc_id, "duplicate": saved.duplicate, "status": "indexed"}
        self.background_index.request()
        return {"doc_id": saved.doc_id, "duplicate": saved.duplicate, "status": "indexing"}

    def delete_document(self, doc_id: str) -> None:
        """Remove a document: its file from the corpus folder, then its chunks from the index.

        Raises:
            NotFound: no such file in the corpus folder.
        """
        with self._index_lock:
            self.library.delete(doc_id)
            self.indexer.remove([doc_id])
            self.retriever.refresh()
            self._documents.clear()

    # --- reading ----------------------------------------------------------------------------

    def document(self, doc_id: str) -> Document | None:
        """An indexed document (original text) by id, cached."""
        if doc_id not in self._documents:
            doc = self.store.document(doc_id)
            if doc is None:
                return None
            self._documents[doc_id] = doc
        return self._documents[doc_id]

    def get_document(self, doc_id: str) -> Document:
        """Like ``document`` but raises NotFound."""
        doc = self.document(doc_id)
        if doc is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return doc

    def documents(self) -> list[dict[str, Any]]:
        """What is indexed, one record per document (a ``contract.DocumentInfo``)."""
        return self.store.documents()

    def health(self) -> dict[str, Any]:
        documents, chunks = self.store.count()
        indexing = self._index_lock.locked() or self.background_index.running()
        status = ("indexing" if indexing else "degraded" if self.store.stale
                  else "empty" if chunks == 0 else "ready")
        done, total = self.indexer.progress
        return {
            "progress": {"texts_embedded": done, "texts_total": total} if indexing else None,
            "last_index_error": self.background_index.error,
            "ready": chunks > 0 and not self.store.stale,
            "status": status,
            "documents": documents,
            "chunks": chunks,
            "model": self.embedder.model_id,
            "answerer": "extractive" if self.settings.llm == "none" else "llm",
            "llm": self.settings.llm,
        }

    def retrieve(self, query: str, k: int | None = None, hybrid: bool = True, rerank: bool = True,
                 documents: Sequence[str] | None = None, metadata: dict[str, str] | None = None) -> list[Hit]:
        """The best ``k`` passages for a query, best first; only of the ``documents`` (ids)
        and of documents whose metadata holds every ``metadata`` key with that value, if given.

        Raises:
            IndexNotReady: nothing is indexed yet, or the index was built with other settings.
        """
        if self.store.stale:
            raise IndexNotReady(f"the index was built with other settings ({self._stale_reason()}): "
                                "run `qa index` (or `qa serve --refresh`) to rebuild it")
        if self.retriever.empty:
            raise IndexNotReady("the index is empty: run `qa index` first")
        return self.retriever.search(query.strip(), k or self.settings.k, hybrid=hybrid, rerank=rerank,
                                     documents=self._documents_matching(documents, metadata))

    def _documents_matching(self, ids: Sequence[str] | None, metadata: dict[str, str] | None) -> frozenset[str] | None:
        if ids is None and not metadata:
            return None
        listed = self.documents()
        wanted = {d["doc_id"] for d in listed} if ids is None else set(ids)
        return frozenset(d["doc_id"] for d in listed if d["doc_id"] in wanted
                         and all({**d["metadata"], "title": d["title"]}.get(key) == value
                                 for key, value in (metadata or {}).items()))

    # --- answering --------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[dict[str, str]] = (),
        k: int | None = None,
        hybrid: bool = True,
        rerank: bool = True,
    ) -> Answer:
        """Answer a question from the index, with verified citations, or abstain."""
        *_, answer = self.ask_stream(question, history, k, hybrid, rerank)
        assert isinstance(answer, Answer)
        return answer

    def ask_stream(
        self,
        question: str,
        history: Sequence[dict[str, str]] = (),
        k: int | None = None,
        hybrid: bool = True,
        rerank: bool = True,
    ) -> Iterator[str | Answer]:
        """Yield pieces of answer text as they come, then the final Answer.

        The final Answer's text is authoritative: a generated answer may lose unsupported
        sentences at the grounding gate after streaming.
        """
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        standalone = self.rewrite(question, history)
        timings["rewrite"] = _ms(t0)
        t1 = time.perf_counter()
        hits = self.retrieve(standalone, k, hybrid=hybrid, rerank=rerank)
        timings["retrieve"] = _ms(t1)
        t2 = time.perf_counter()
        draft: Draft | None = None
        for piece in self.answerer.stream(standalone, hits):
            if isinstance(piece, Draft):
                draft = piece
            else:
                yield piece
        assert draft is not None
        timings["answer"] = _ms(t2)
        timings["total"] = _ms(t0)
        answer = finalize(draft, question, standalone, hits, self.answerer.name, self.answerer.model, self.document,
                          timings)
        self.answers.remember(answer)
        yield answer

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        return self.answerer.rewrite(question, history) if history else question.strip()

    def feedback(self, answer_id: str, rating: Literal["up", "down"], comment: str = "") -> dict[str, Any]:
        """Keep a user's rating of an earlier answer with its provenance record.

        Raises:
            NotFound: unknown id (or one no longer kept).
        """
        return self.answers.feedback(answer_id, rating, comment)

    def answer_record(self, answer_id: str) -> dict[str, Any]:
        """The provenance record of an earlier answer (NotFound when unknown)."""
        return self.answers.get(answer_id)
