"""The composition root: API, UI, CLI and evaluation all go through Pipeline."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from qa.answer.extractive import ExtractiveAnswerer
from qa.answer.provenance import AnswerLog
from qa.answer.selection import Selector
from qa.answer.shaped import ShapedAnswerer, shape_thresholds
from qa.answer.types import Answerer, Evidence
from qa.core.config import Settings, packaged_model_path
from qa.core.records import provenance_record
from qa.core.schema import Answer, Document, Health, Hit, IndexedDocument, IndexReport, Provenance, UploadOutcome
from qa.corpus.folder import CorpusFolder, Quota
from qa.corpus.formats import Budget
from qa.index import chroma as stores  # the store: the one line that names it
from qa.index.catalog import Catalog
from qa.index.embedding import ENCODE_BATCH, Embedder, SentenceTransformerEmbedder, open_embedder
from qa.index.indexer import Indexer
from qa.index.journal import Journal
from qa.index.lexical import LexicalIndex
from qa.index.query_encoder import QueryEncoder
from qa.index.retrieval import RetrievalConfig, Retriever
from qa.index.sources import IndexSources
from qa.index.types import VectorStore, index_signature
from qa.pipeline.questions import Questions

log = logging.getLogger(__name__)


FEEDBACK_FILE = "feedback.jsonl"  # beside the index: users' ratings with the answers' provenance
LEXICAL_FILE = "lexical.sqlite3"  # beside the index (each qa process's own, also with a Chroma server)
JOURNAL_FILE = "journal.sqlite3"  # beside the index: the indexer's journal (each qa process's own)


def make_embedder(settings: Settings) -> Embedder:
    """The embedding model of the settings, on their backend (loaded at its first use)."""
    return open_embedder(settings.model_path(), settings.embedding_backend, ENCODE_BATCH,
                         settings.model_cache_dir)


def query_embedder(settings: Settings, embedder: Embedder) -> Embedder:
    """What embeds questions: the index's own embedder, or, where that is sentence-transformers
    on torch, the same model on ONNX Runtime for single texts (QA_QUERY_BACKEND)."""
    if settings.query_backend == "onnx" and isinstance(embedder, SentenceTransformerEmbedder):
        return QueryEncoder(embedder, settings.model_cache_dir)
    return embedder


def open_index(settings: Settings, embedder: Embedder | None) -> tuple[Embedder, VectorStore]:
    """The embedder (``embedder``, or the settings' model) and the index of the settings."""
    # a second owner of an embedded index is refused at once, not after the model loads
    lock = stores.take_folder(settings)
    try:
        embedder = embedder or make_embedder(settings)
        signature = index_signature(embedder.model_id, settings.chunk_size, settings.chunk_overlap)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return embedder, stores.open_store(settings, signature, lock)


def shared_store(settings: Settings) -> bool:
    """Whether the settings' store is shared with other processes (then no folder lock is held)."""
    return stores.shared(settings)


def make_answerer(settings: Settings, evidence: Evidence) -> Answerer:
    """The answerer of the settings, reading documents and vectors through ``evidence``, behind
    the composers of each question shape (qa/answer/shaped.py)."""
    if settings.llm != "none":
        from qa.answer.llm import LLMAnswerer

        return ShapedAnswerer(LLMAnswerer.from_settings(settings, evidence), evidence)
    from qa.answer.judge import JUDGE_DIR, Judge  # torch: loaded when answering, not to index

    judge = Judge.load(packaged_model_path(), settings.judge_dir or JUDGE_DIR, settings.judge_backend,
                       settings.model_cache_dir, settings.torch_threads)
    threshold = settings.abstain_threshold
    extractive = ExtractiveAnswerer(
        judge, evidence,
        threshold=judge.calibration.threshold_for(settings.max_wrong_rate) if threshold is None else threshold,
        max_words=settings.answer_words, restated=settings.restated_cosine,
    )
    thresholds = shape_thresholds(extractive.threshold, judge.calibration.shape_thresholds(settings.max_wrong_rate))
    selector = Selector(extractive.candidates, evidence, thresholds, settings.restated_cosine,
                        extractive.states_what_is_asked)
    return ShapedAnswerer(extractive, evidence, selector)


class Pipeline:
    """Owns the embedder, the catalog (corpus folder and index), the retriever and the
    answerer, wired from Settings."""

    def __init__(self, settings: Settings, embedder: Embedder, store: VectorStore,
                 ranking: RetrievalConfig | None = None) -> None:
        """``ranking``: retrieval's constants (unset: the fitted ones, qa/models/ranking.json)."""
        self.settings = settings
        self.embedder = embedder
        self.store = store
        ranking = ranking or RetrievalConfig.fitted()
        self.lexical = LexicalIndex(settings.index_dir / LEXICAL_FILE, ranking.bm25_k1, ranking.bm25_b)
        self.journal = Journal(settings.index_dir / JOURNAL_FILE)
        budget = Budget(settings.max_html_bytes, settings.max_pdf_pages, settings.extract_seconds)
        self.indexer = Indexer(store, self.lexical, self.journal, embedder, settings.chunk_size,
                               settings.chunk_overlap, budget, settings.max_document_texts)
        quota = Quota(settings.max_upload_bytes, settings.uploads_per_minute, settings.upload_bytes_per_minute,
                      settings.corpus_max_bytes)
        self.catalog = Catalog(store, self.indexer, CorpusFolder(settings.corpus_dir, quota, budget),
                               lambda: self.retriever.refresh())
        # planted notes (documents that address an AI reader) are never found, so never evidence
        self.retriever = Retriever(store, self.lexical, query_embedder(settings, embedder), ranking,
                                   self.catalog.trusted)
        self.sources = IndexSources(self.catalog, self.retriever)  # what answerers read besides passages
        self.answers = AnswerLog(settings.answers_kept, embedder.model_id, settings.index_dir / FEEDBACK_FILE,
                                 provenance_record, settings.feedback_max_bytes)
        self.questions = Questions(self.catalog, self.retriever, lambda: self.answerer, self.answers, settings.k)
        self._answerer_lock = threading.Lock()
        self._answerer: Answerer | None = None
        if settings.llm != "none":  # cheap, and a bad LLM setting fails here, not at the first question
            try:
                self._answerer = make_answerer(settings, self.sources)
            except Exception:
                self.close()  # ... and must not leave the index locked
                raise

    @classmethod
    def from_settings(cls, settings: Settings | None = None, embedder: Embedder | None = None) -> Pipeline:
        """Build the pipeline: load the model, open the index (embedded or server Chroma)."""
        settings = settings or Settings()
        return cls(settings, *open_index(settings, embedder))

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
                self._answerer = make_answerer(self.settings, self.sources)
            return self._answerer

    def close(self) -> None:
        self.journal.close()
        self.lexical.close()
        self.store.close()

    def index(self, corpus_dir: Path | None = None, progress: bool = False, wait: bool = True) -> IndexReport:
        """``Catalog.index``: questions keep being answered while it runs; each batch of
        documents shows in their results once written whole."""
        return self.catalog.index(corpus_dir, progress, wait)

    def upload(self, name: str, data: bytes) -> UploadOutcome:
        """``Catalog.upload``: saved into the corpus folder, indexed in the background."""
        return self.catalog.upload(name, data)

    def delete_document(self, doc_id: str, wait: bool = True) -> None:
        """``Catalog.delete``: the file, then its chunks (NotFound: no such indexed document)."""
        self.catalog.delete(doc_id, wait)

    def document(self, doc_id: str) -> Document | None:
        return self.catalog.document(doc_id)

    def get_document(self, doc_id: str) -> Document:
        return self.catalog.get_document(doc_id)

    def documents(self) -> list[IndexedDocument]:
        return self.catalog.documents()

    def health(self) -> Health:
        documents, chunks = self.store.count()
        indexing = self.catalog.indexing()
        return Health(self.catalog.status(chunks), self.catalog.ready(chunks), documents, chunks,
                      self.embedder.model_id, "extractive" if self.settings.llm == "none" else "llm", self.settings.llm,
                      self.indexer.progress if indexing else None, self.catalog.background.error)

    # --- answering (qa/pipeline/questions.py) ---------------------------------------------

    def retrieve(self, query: str, k: int | None = None, hybrid: bool = True, rerank: bool = True,
                 documents: Sequence[str] | None = None, metadata: dict[str, str] | None = None) -> list[Hit]:
        """``Questions.retrieve``: the best ``k`` passages for a query, best first."""
        return self.questions.retrieve(query, k, hybrid, rerank, documents, metadata)

    def ask(self, question: str, history: Sequence[dict[str, str]] = (), k: int | None = None, hybrid: bool = True,
            rerank: bool = True, documents: Sequence[str] | None = None) -> Answer:
        """Answer a question from the index (of ``documents`` only), with verified citations, or abstain."""
        *_, answer = self.ask_stream(question, history, k, hybrid, rerank, documents)
        assert isinstance(answer, Answer)
        return answer

    def ask_stream(self, question: str, history: Sequence[dict[str, str]] = (), k: int | None = None,
                   hybrid: bool = True, rerank: bool = True, documents: Sequence[str] | None = None
                   ) -> Iterator[str | Answer]:
        """``Questions.ask_stream``: pieces of answer text as they come, then the final Answer."""
        return self.questions.ask_stream(question, history, k, hybrid, rerank, documents)

    def feedback(self, answer_id: str, rating: Literal["up", "down"], comment: str = "") -> Provenance:
        """Keep a user's rating of an earlier answer with its provenance record (NotFound:
        unknown id, or one no longer kept)."""
        return self.answers.feedback(answer_id, rating, comment)

    def provenance(self, answer_id: str) -> Provenance:
        """The provenance record of an earlier answer (NotFound when unknown)."""
        return self.answers.get(answer_id)
