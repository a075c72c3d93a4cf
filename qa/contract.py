"""What leaves the process, in one place: the request and response models of the JSON API
(the typed client, the MCP tools and the OpenAI-compatible replies use the same ones) and
the one serialiser from our records to them."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from qa.errors import InvalidRequest
from qa.schema import Answer, Citation, Document, Hit

MAX_QUERY = 2000


# What a query or question may hold, said once as a regular expression that the OpenAPI
# document carries too: no control character (but tab and line breaks), and one character or
# more that is neither whitespace nor an invisible format character (zero-width space, BOM ...).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
TEXT_PATTERN = f"^[^{_CONTROL}]*[^\\s{_CONTROL}{_INVISIBLE}][^{_CONTROL}]*$"
_HAS_CONTROL = re.compile(f"[{_CONTROL}]")
_TEXT = re.compile(TEXT_PATTERN)


def _not_blank(value: str) -> str:
    """Text with something to read (``TEXT_PATTERN``), stripped."""
    if _HAS_CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not _TEXT.fullmatch(value):
        raise ValueError("must not be empty or whitespace")
    return value.strip()


Text = Annotated[StrictStr, Field(min_length=1, max_length=MAX_QUERY, json_schema_extra={"pattern": TEXT_PATTERN}),
                 AfterValidator(_not_blank)]
_text = TypeAdapter(Text)


def checked_text(name: str, value: object) -> str:
    """``value`` by the API's rules for a query or question, for edges that take text outside
    a request model (MCP tools, OpenAI messages, the Gradio endpoint).

    Raises:
        InvalidRequest: "<name>: <what is wrong>", as the API's 422 says it.
    """
    try:
        return str(_text.validate_python(value))
    except ValidationError as exc:
        raise InvalidRequest(f"{name}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
K_MAX = 50


def _whole(value: object) -> object:
    """A whole number of passages: 8 and 8.0 alike (JSON does not tell them apart); not 2.5,
    "5" or true."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("Input should be a valid integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("Input should be a valid integer")
    return int(value)


K = Annotated[
    Annotated[int, BeforeValidator(_whole), Field(ge=1, le=K_MAX)] | None,
    Field(description="Passages to read (default QA_K)."),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": K_MAX}, {"type": "null"}],
                    "description": "Passages to read (default QA_K)."}),
]
_k = TypeAdapter(K)


def checked_k(value: object) -> int | None:
    """``value`` by the API's rules for k (a whole number 1..50, or none: the default).

    Raises:
        InvalidRequest: "k: <what is wrong>", as the API's 422 says it.
    """
    try:
        return _k.validate_python(value)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise InvalidRequest(f"k: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"query": "How much will Alibaba invest in AI?", "k": 4},
                                         {"query": "battery life", "metadata": {"authors": "Ada Lovelace"}}]},
    )
    query: Annotated[Text, Field(description="Question or keywords (1..2000 characters).")]
    k: K = None
    hybrid: StrictBool = Field(True, description="Fuse BM25 with dense retrieval (false: dense only).")
    documents: Annotated[list[StrictStr] | None, Field(max_length=1000, description="Search these document "
                                                       "ids only.")] = None
    metadata: Annotated[dict[StrictStr, StrictStr] | None, Field(max_length=20, description="Search documents "
                        "whose title or metadata (authors, source, date ...) has exactly these values only.")] = None


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Annotated[StrictStr, Field(max_length=20_000)]


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "Who co-founded Alibaba?"},
                {
                    "question": "How much did its shares fall?",
                    "history": [
                        {"role": "user", "content": "Who co-founded Alibaba?"},
                        {"role": "assistant", "content": "Jack Ma co-founded Alibaba."},
                    ],
                },
            ]
        },
    )
    question: Annotated[Text, Field(description="The question (1..2000 characters).")]
    history: Annotated[list[Turn], Field(max_length=50, description="Earlier turns, oldest first.")] = []
    k: K = None
    hybrid: StrictBool = True


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

    reason: Literal["nothing_retrieved", "judge_refused", "citation_unverified"] = Field(
        description="nothing_retrieved: no passage to read; judge_refused: the closest sentence's probability is "
        "under the threshold; citation_unverified: the drafted answer could not be cited from the text.")
    probability: float = Field(ge=0, le=1, description="The closest sentence's probability that it answers.")
    threshold: float | None = Field(description="The probability qa answers from (null: an LLM answerer).")
    closest: CitationOut | None = Field(description="The sentence the judge found most likely to answer.")


class AskResponse(BaseModel):
    answer: str
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
    timings_ms: dict[str, float]


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rating": "up"}]})
    rating: Literal["up", "down"]
    comment: Annotated[StrictStr, Field(max_length=2000)] = ""


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    chunks: int
    sha256: str
    size: int | None = Field(None, description="Characters of the (extracted) text.")
    indexed_at: float | None = Field(None, description="When it was indexed (Unix time).")
    metadata: dict[str, str] = Field(default_factory=dict, description="What the text says about itself: "
                                     "source, authors, date ... where present.")


class DocumentsResponse(BaseModel):
    documents: list[DocumentInfo]


class DocumentText(BaseModel):
    doc_id: str
    title: str
    text: str = Field(description="The original (for HTML and PDF: the extracted) text; offsets refer to it.")
    sha256: str
    metadata: dict[str, str]
    pages: list[int] = Field(default_factory=list, description="Offset where each page starts (PDF).")


class UploadResponse(BaseModel):
    doc_id: str = Field(description="The document's id: its (sanitised) file name in the corpus folder.")
    duplicate: bool = Field(description="The same content was already there; nothing new was saved.")
    status: Literal["indexing", "indexed"] = Field(description="indexing: in the background (see "
                                                   "/api/health); indexed: already searchable.")


class ErrorInfo(BaseModel):
    type: str = Field(description="invalid_request, not_found, too_large, overloaded, IndexNotReady, ...")
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The one error shape of every 4xx and 5xx the API answers."""

    error: ErrorInfo


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route answers, each in the one shape."""
    meaning = {400: "Unparsable body, or a file that cannot be read", 401: "API key missing or wrong "
               "(QA_API_KEY is set)", 404: "Not found", 413: "Body too large", 415: "Unsupported file type",
               422: "Invalid request", 502: "The configured LLM failed",
               503: "Index not ready, or busy (Retry-After)"}
    return {code: {"model": ErrorBody, "description": meaning[code]} for code in codes}


QUESTION_ERRORS = error_responses(400, 401, 413, 422, 502, 503)


# --- the serialiser -------------------------------------------------------------------------


def passage_record(hit: Hit) -> dict[str, Any]:
    """A retrieved hit as it leaves the process (a ``Passage``)."""
    c = hit.chunk
    return {
        "text": c.text,
        "doc_id": c.doc_id,
        "title": c.title,
        "start": c.start,
        "end": c.end,
        "score": hit.score,
        "chunk_id": c.chunk_id,
        "dense_score": None if hit.dense_score is None else round(hit.dense_score, 4),
        "bm25_score": None if hit.bm25_score is None else round(hit.bm25_score, 4),
    }


def citation_record(citation: Citation) -> dict[str, Any]:
    return {"doc_id": citation.doc_id, "title": citation.title, "start": citation.start, "end": citation.end,
            "quote": citation.quote, "page": citation.page}


def answer_record(answer: Answer) -> dict[str, Any]:
    """An answer as it leaves the process (an ``AskResponse``)."""
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "conflict": answer.conflict,
        "citations": [citation_record(c) for c in answer.citations],
        "passages": [passage_record(h) for h in answer.hits],
        "standalone_question": answer.standalone_question,
        "answer_id": answer.answer_id,
        "answer_phrase": None if answer.phrase is None else citation_record(answer.phrase),
        "confidence": answer.confidence,
        "answerer": answer.answerer,
        "abstention": None if answer.abstention is None else {
            "reason": answer.abstention.reason, "probability": answer.abstention.probability,
            "threshold": answer.abstention.threshold,
            "closest": None if answer.abstention.closest is None else citation_record(answer.abstention.closest)},
        "timings_ms": answer.timings_ms,
    }


def document_record(document: Document) -> dict[str, Any]:
    """A document's text as it leaves the process (a ``DocumentText``)."""
    return {"doc_id": document.doc_id, "title": document.title, "text": document.text,
            "sha256": document.sha256, "metadata": document.metadata, "pages": list(document.pages)}
