"""Frozen records passed between the stages of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One corpus file: its original text and the spans of it worth indexing.

    ``segments`` are ``(start, end)`` character spans of ``text`` that hold content
    (boilerplate lines are left out); offsets always refer to ``text`` (for HTML and PDF,
    the extracted text). ``metadata`` holds what a text says about itself (headline, source,
    authors, editor's note, date...); ``pages`` the offset where each page starts (PDF).
    """

    doc_id: str
    title: str
    text: str
    sha256: str
    segments: tuple[tuple[int, int], ...]
    metadata: dict[str, str] = field(default_factory=dict)
    pages: tuple[int, ...] = ()
    summary: tuple[tuple[int, int], ...] = ()  # spans of its extractive summary, made at indexing


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: ``text == document.text[start:end]``.

    ``sentences`` are the (start, end) spans of the sentences it is made of, in order.
    """

    chunk_id: str
    doc_id: str
    title: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class EmbeddedDocument:
    """A document ready to store: its chunks and sentence spans with their vectors."""

    document: Document
    chunks: list[Chunk]
    vectors: Any  # numpy array, one row per chunk
    sentences: list[tuple[int, int]]
    sentence_vectors: Any  # numpy array, one row per sentence


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the ranks it got from each retriever, and
    what retrieval learnt of each of its sentences (in ``chunk.sentences`` order) while ranking
    it: the stored vector, its cosine with the query, the IDF-weighted share of the query's
    terms it holds. The answerer reads these instead of asking retrieval again (empty: a hit
    made elsewhere, read through the answerer's Evidence)."""

    chunk: Chunk
    score: float
    fused_score: float | None = None
    dense_score: float | None = None
    dense_rank: int | None = None
    bm25_score: float | None = None
    bm25_rank: int | None = None
    vectors: Any = field(default=None, compare=False, repr=False)  # sentences x dimensions (numpy)
    cosines: tuple[float, ...] = ()
    coverages: tuple[float, ...] = ()


@dataclass(frozen=True)
class Citation:
    """An exact span of a source document: ``quote == text[start:end]``; ``page``: the
    1-based page it starts on, for paged documents (PDF)."""

    doc_id: str
    title: str
    start: int
    end: int
    quote: str
    page: int | None = None


@dataclass(frozen=True)
class Abstention:
    """Why an answer is "not found": ``reason`` is ``nothing_retrieved`` (no passage to read),
    ``judge_refused`` (the closest sentence's probability is under the threshold),
    ``citation_unverified`` (what was drafted could not be cited from the text), ``asks_other``
    (the closest sentence states another role, quantity or entity than the one asked for),
    ``no_speaker`` (no sentence has the named speaker as its source), ``no_credits`` (the
    document says nothing of who wrote or published it) or ``llm_not_found`` (the LLM found no
    answer in the passages); ``closest``
    is the sentence the judge found most likely to answer, with its ``probability`` against
    ``threshold`` (None for an LLM answerer)."""

    reason: str
    probability: float
    threshold: float | None
    closest: Citation | None


@dataclass(frozen=True)
class Answer:
    """The outcome of one question: the answer or an abstention, with its evidence."""

    answer_id: str
    question: str
    standalone_question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    answerer: str
    model: str
    confidence: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    unsupported: tuple[str, ...] = ()
    conflict: bool = False
    phrase: Citation | None = None  # the words that answer, inside the first citation
    abstention: Abstention | None = None  # why, when abstained
    shape: str = "factoid"  # the shape of answer the question asked for (qa/answer/shapes.py)
    layout: str = "sentence"  # how the parts read: one sentence, a paragraph, or a list (one item per part)
    parts: tuple[str, ...] = ()  # the text of each part, one per citation, in order


@dataclass(frozen=True)
class IndexReport:
    """What one run of indexing did."""

    added: int
    updated: int
    unchanged: int
    removed: int
    skipped: tuple[str, ...]
    chunks_written: int
    chunks_total: int
    documents_total: int
    seconds: float


@dataclass(frozen=True)
class IndexedDocument:
    """What the index holds of one document: ``size`` in characters of its text,
    ``indexed_at`` in Unix time (None for an index written before they were kept)."""

    doc_id: str
    title: str
    chunks: int
    sha256: str
    size: int | None
    indexed_at: float | None
    metadata: dict[str, str] = field(default_factory=dict)
    summary: tuple[Citation, ...] = ()  # its extractive summary, sentence by sentence, made at indexing


@dataclass(frozen=True)
class UploadOutcome:
    """A saved upload: ``duplicate`` when the same content was there already, ``indexed``
    when it is searchable now (else it is being indexed in the background)."""

    doc_id: str
    duplicate: bool
    indexed: bool


@dataclass(frozen=True)
class Health:
    """Where the index and the answerer stand. ``status``: ``indexing``, ``degraded`` (built
    under other settings), ``empty`` or ``ready``; ``progress``: (texts embedded, texts to
    embed) while a run goes."""

    status: str
    ready: bool
    documents: int
    chunks: int
    model: str
    answerer: str
    llm: str
    progress: tuple[int, int] | None = None
    last_index_error: str | None = None


@dataclass(frozen=True)
class Feedback:
    """A user's rating of an answer, with when it was given (Unix time)."""

    rating: str
    comment: str
    at: float


@dataclass(frozen=True)
class Provenance:
    """What an answer rested on, as kept after it was served: the answer (question, rewrite,
    passages, citations, timings), the embedding model, when, and the user's feedback."""

    answer: Answer
    embedding_model: str
    created: float
    feedback: Feedback | None = None
