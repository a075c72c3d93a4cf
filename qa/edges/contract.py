"""What leaves the process, in one place: the request and response models of the JSON API
(the typed client, the MCP tools and the OpenAI-compatible replies use the same ones) and
the one serialiser from our records to them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from qa.answer.citations import verify_citations
from qa.answer.shapes import ShapeKind
from qa.core.errors import ErrorType
from qa.core.records import answer_record as answer_record  # the edges serialise with the core's records
from qa.core.records import citation_record, feedback_record
from qa.core.records import passage_record as passage_record
from qa.core.records import provenance_record as provenance_record
from qa.core.schema import Citation, Document, Health, IndexedDocument, Provenance, UploadOutcome


class Passage(BaseModel):
    """A retrieved passage: ``text`` is exactly the document's text[start:end]."""

    text: str
    doc_id: str
    title: str
    start: int
    end: int
    score: float = Field(description="Rank score, higher is better; comparable only within one result list "
                         "(hybrid: fused and reranked; dense only: cosine similarity).")
    chunk_id: str
    dense_score: float | None = Field(None, description="Cosine similarity of query and passage (MiniLM).")
    bm25_score: float | None = Field(None, description="BM25 score of the passage (hybrid retrieval only).")


class RetrieveResponse(BaseModel):
    passages: list[Passage]


class CitationOut(BaseModel):
    doc_id: str
    title: str
    start: int
    end: int
    quote: str = Field(description="Exactly original_text[start:end] of the document.")
    page: int | None = Field(None, description="The 1-based page the quote starts on (PDF documents).")


class AbstentionOut(BaseModel):
    """Why qa said "not found"."""

    reason: Literal["nothing_retrieved", "judge_refused", "citation_unverified", "asks_other", "no_speaker",
                    "no_credits", "no_summary", "llm_not_found"] = Field(
        description="nothing_retrieved: no passage to read; judge_refused: the closest sentence's probability is "
        "under the threshold; citation_unverified: the drafted answer could not be cited from the text; "
        "asks_other: the sentences that answer state another role, quantity or entity than the one asked for; "
        "no_speaker: no sentence has the named speaker as its source; no_credits: the document does not say who "
        "wrote or published it; no_summary: no summary of the documents in scope; llm_not_found: the LLM found "
        "no answer in the passages.")
    probability: float = Field(ge=0, le=1, description="The closest sentence's probability that it answers.")
    threshold: float | None = Field(description="The probability qa answers from (null: an LLM answerer).")
    closest: CitationOut | None = Field(description="The sentence the judge found most likely to answer.")


class AskResponse(BaseModel):
    answer: str = Field(description="The answer: a sentence, a paragraph, or a list (one '- ' line per item), every "
                        "part a passage of the source (or a credit's value), each with its citation.")
    abstained: bool
    conflict: bool = Field(description="The sources disagree: the answer says so and cites each side.")
    citations: list[CitationOut]
    passages: list[Passage]
    standalone_question: str
    answer_id: str
    confidence: float = Field(
        ge=0, le=1, description="Extractive answerer: the judge's calibrated probability that the answer "
        "sentence answers the question (for an abstention, that of the best sentence found).")
    answer_phrase: CitationOut | None = Field(None, description="The words that answer, inside the first "
                                              "citation (extractive answerer; null if it cannot tell).")
    answerer: str = Field(description="Which answerer wrote the answer: extractive or llm.")
    abstention: AbstentionOut | None = Field(None, description="Why not found (null when answered).")
    shape: ShapeKind = Field("factoid", description="The shape of answer the question asked for: overview, "
                                   "source, statement, list, reasons, reaction, comparison, definition, yesno or "
                                   "factoid.")
    layout: Literal["sentence", "paragraph", "list"] = Field("sentence", description="How the parts read.")
    parts: list[str] = Field(default_factory=list, description="The answer's parts, one per citation, in order.")
    timings_ms: dict[str, float]


class Summary(BaseModel):
    """A document's extractive summary, made when it was indexed: its sentences, each cited."""

    text: str
    citations: list[CitationOut]


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    chunks: int
    sha256: str
    size: int | None = Field(None, description="Characters of the (extracted) text.")
    indexed_at: float | None = Field(None, description="When it was indexed (Unix time).")
    metadata: dict[str, str] = Field(default_factory=dict, description="What the text says about itself: "
                                     "source, authors, date ... where present.")
    summary: Summary | None = Field(None, description="Its summary, made at indexing (null where no sentence of it "
                                    "can stand in one). An index written before summaries is rebuilt by `qa index`.")


class DocumentsResponse(BaseModel):
    documents: list[DocumentInfo]


class DocumentText(BaseModel):
    doc_id: str
    title: str
    text: str = Field(description="The original (for HTML and PDF: the extracted) text; offsets refer to it.")
    sha256: str
    metadata: dict[str, str]
    pages: list[int] = Field(default_factory=list, description="Offset where each page starts (PDF).")
    summary: Summary | None = Field(None, description="Its summary, made at indexing.")


class IndexProgress(BaseModel):
    texts_embedded: int
    texts_total: int


class HealthResponse(BaseModel):
    ready: bool = Field(description="Something is indexed, under the current settings: questions are answered.")
    status: Literal["ready", "indexing", "empty", "degraded"] = Field(
        description="indexing: a run is writing (questions are still answered); degraded: built with other "
        "settings (run `qa index`).")
    documents: int
    chunks: int
    model: str = Field(description="The embedding model.")
    answerer: Literal["extractive", "llm"]
    llm: str = Field(description="QA_LLM.")
    progress: IndexProgress | None = Field(None, description="While indexing: texts embedded of those to embed.")
    last_index_error: str | None = Field(None, description="Why the last background indexing failed, if it did.")


class UploadResponse(BaseModel):
    doc_id: str = Field(description="The document's id: its (sanitised) file name in the corpus folder.")
    duplicate: bool = Field(description="The same content was already there; nothing new was saved.")
    status: Literal["indexing", "indexed"] = Field(description="indexing: in the background (see "
                                                   "/api/health); indexed: already searchable.")


class ErrorInfo(BaseModel):
    type: ErrorType = Field(description="What kind of error: one snake_case word (the list is "
                            "qa.core.errors.ErrorType).")
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The one error shape of every 4xx and 5xx the API answers."""

    error: ErrorInfo


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route answers, each in the one shape."""
    meaning = {400: "Unparsable body, or a file that cannot be read", 401: "API key missing or wrong "
               "(QA_API_KEY is set)", 404: "Not found", 409: "An indexing run is in progress",
               413: "Body too large", 415: "Unsupported file type", 422: "Invalid request",
               429: "Too many requests of this kind (Retry-After)", 502: "The configured LLM failed",
               507: "A storage limit is reached (QA_CORPUS_MAX_BYTES, QA_FEEDBACK_MAX_BYTES)",
               503: "Index not ready, or busy (Retry-After)"}
    return {code: {"model": ErrorBody, "description": meaning[code]} for code in codes}


QUESTION_ERRORS = error_responses(400, 401, 413, 422, 502, 503)


# --- the serialiser -------------------------------------------------------------------------


def summary_record(citations: tuple[Citation, ...]) -> dict[str, Any] | None:
    """A summary as it leaves the process (a ``Summary``), or None when there is none."""
    if not citations:
        return None
    return {"text": " ".join(c.quote for c in citations), "citations": [citation_record(c) for c in citations]}


def document_record(document: Document) -> dict[str, Any]:
    """A document's text as it leaves the process (a ``DocumentText``)."""
    summary = verify_citations([(document.doc_id, s, e) for s, e in document.summary], lambda _: document)
    return {"doc_id": document.doc_id, "title": document.title, "text": document.text,
            "sha256": document.sha256, "metadata": document.metadata, "pages": list(document.pages),
            "summary": summary_record(summary)}


def document_info_record(document: IndexedDocument) -> dict[str, Any]:
    """What the index holds of a document as it leaves the process (a ``DocumentInfo``)."""
    return {"doc_id": document.doc_id, "title": document.title, "chunks": document.chunks,
            "sha256": document.sha256, "size": document.size, "indexed_at": document.indexed_at,
            "metadata": document.metadata, "summary": summary_record(document.summary)}


def upload_record(outcome: UploadOutcome) -> dict[str, Any]:
    """A saved upload as it leaves the process (an ``UploadResponse``)."""
    return {"doc_id": outcome.doc_id, "duplicate": outcome.duplicate,
            "status": "indexed" if outcome.indexed else "indexing"}


def health_record(health: Health) -> dict[str, Any]:
    """Health as it leaves the process (a ``HealthResponse``)."""
    progress = None if health.progress is None else dict(zip(("texts_embedded", "texts_total"), health.progress))
    return {"ready": health.ready, "status": health.status, "documents": health.documents, "chunks": health.chunks,
            "model": health.model, "answerer": health.answerer, "llm": health.llm, "progress": progress,
            "last_index_error": health.last_index_error}


def rating_record(provenance: Provenance) -> dict[str, Any]:
    """What rating an answer returns: its id and the feedback now kept with it."""
    assert provenance.feedback is not None
    return {"answer_id": provenance.answer.answer_id, "feedback": feedback_record(provenance.feedback)}


