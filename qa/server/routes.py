"""The JSON API's routes, one router per feature (health, asking, documents, answers), each
route one call to the Pipeline and one serialisation by qa/edges/contract.py. Errors are raised
(``QAError``) and rendered once by the app's handlers (qa/server/api.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import StreamingResponse

from qa.core.errors import QAError, error_body
from qa.core.schema import Answer
from qa.edges.contract import (
    QUESTION_ERRORS,
    AskResponse,
    DocumentsResponse,
    DocumentText,
    HealthResponse,
    RetrieveResponse,
    UploadResponse,
    answer_record,
    document_info_record,
    document_record,
    error_responses,
    health_record,
    passage_record,
    provenance_record,
    rating_record,
    upload_record,
)
from qa.pipeline import Pipeline
from qa.server.requests import AskRequest, FeedbackRequest, RetrieveRequest

NDJSON: dict[int | str, dict[str, Any]] = {
    200: {"description": "NDJSON lines", "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}}


def health_router(pipeline: Pipeline) -> APIRouter:
    router = APIRouter()

    @router.get("/api/health", response_model=HealthResponse)
    def health() -> dict[str, Any]:
        """Readiness: documents and chunks indexed, embedding model, answerer."""
        return health_record(pipeline.health())

    return router


def ask_router(pipeline: Pipeline) -> APIRouter:
    router = APIRouter()

    @router.post("/api/retrieve", response_model=RetrieveResponse, responses=error_responses(400, 401, 413, 422, 503))
    def retrieve(body: RetrieveRequest) -> dict[str, Any]:
        """The best passages for a query (hybrid dense + BM25, fused by RRF), best first,
        each with exact character offsets into its document; ``documents`` and ``metadata``
        restrict the search to some documents."""
        return {"passages": [passage_record(h) for h in pipeline.retrieve(
            body.query, body.k, hybrid=body.hybrid, documents=body.documents, metadata=body.metadata)]}

    @router.post("/api/ask", response_model=AskResponse, responses={**QUESTION_ERRORS, **error_responses(404)})
    def ask(body: AskRequest) -> dict[str, Any]:
        """Answer a question with verified citations (every quote is exactly the source text
        at its offsets), or abstain when the documents do not say. ``shape`` says what shape of
        answer the question asked for (a summary, a list, what someone said ...); ``documents``
        restricts it to some documents."""
        return answer_record(pipeline.ask(body.question, [t.model_dump() for t in body.history], body.k, body.hybrid,
                                          documents=body.documents))

    @router.post("/api/ask/stream", response_class=StreamingResponse,
                 responses={**NDJSON, **QUESTION_ERRORS, **error_responses(404)})
    def ask_stream(body: AskRequest) -> StreamingResponse:
        """Like /api/ask, as NDJSON: {"type":"token","text":...} lines as the answer comes,
        then one {"type":"answer", ...} line with the final answer and verified citations."""
        stream = pipeline.ask_stream(body.question, [t.model_dump() for t in body.history], body.k, body.hybrid,
                                     documents=body.documents)
        return StreamingResponse(ndjson(stream), media_type="application/x-ndjson")

    return router


def ndjson(stream: Iterator[str | Answer]) -> Iterator[str]:
    """The lines of a streamed answer. Its first piece is taken at once, so that errors before
    any text (an empty index, the LLM down) are the request's error, not a line."""
    first = next(stream)

    def lines() -> Iterator[str]:
        try:
            for piece in chain((first,), stream):
                if isinstance(piece, str):
                    yield json.dumps({"type": "token", "text": piece}) + "\n"
                else:
                    yield json.dumps({"type": "answer", **answer_record(piece)}) + "\n"
        except QAError as exc:
            yield json.dumps({"type": "error", **error_body(exc.type, str(exc))}) + "\n"

    return lines()


def documents_router(pipeline: Pipeline) -> APIRouter:
    router = APIRouter()

    @router.post("/api/index", responses=error_responses(400, 401, 409))
    def reindex() -> dict[str, Any]:
        """Re-index the server's corpus folder (new, changed and removed files) without a
        restart; questions are answered from the previous index until it is done. One run at a
        time: while one is in progress, 409 at once."""
        report = pipeline.index(wait=False)
        return {**report.__dict__, "skipped": list(report.skipped)}

    @router.get("/api/documents", response_model=DocumentsResponse, responses=error_responses(401))
    def documents() -> dict[str, Any]:
        """The indexed documents: id, title, number of chunks, content hash, metadata."""
        return {"documents": [document_info_record(d) for d in pipeline.documents()]}

    @router.post("/api/documents", response_model=UploadResponse, status_code=202,
                 responses={200: {"model": UploadResponse, "description": "Already indexed (the same content)"},
                            **error_responses(400, 401, 413, 415, 422, 429, 507)})
    def upload(file: Annotated[UploadFile, File(description="The document (.txt, .md, .html, .pdf).")],
               response: Response) -> dict[str, Any]:
        """Add a document: saved into the corpus folder under a sanitised name (the same
        content twice is one document), then indexed in the background (progress in
        /api/health)."""
        outcome = pipeline.upload(file.filename or "", file.file.read(pipeline.settings.max_upload_bytes + 1))
        response.status_code = 200 if outcome.indexed else 202
        return upload_record(outcome)

    @router.delete("/api/documents/{doc_id:path}", responses=error_responses(401, 404, 409, 422))
    def delete(doc_id: str) -> dict[str, Any]:
        """Remove an indexed document, or one being indexed: its file from the corpus folder and
        its passages from the index (404 for anything qa neither lists nor is indexing). A run in
        progress stops at its next batch of texts first and starts again after, without it."""
        pipeline.delete_document(doc_id, wait=False)
        return {"deleted": doc_id}

    @router.get("/api/documents/{doc_id:path}", response_model=DocumentText, responses=error_responses(401, 404, 422))
    def document(doc_id: str) -> dict[str, Any]:
        """An indexed document's original text (citation offsets refer to it)."""
        return document_record(pipeline.get_document(doc_id))

    return router


def answers_router(pipeline: Pipeline) -> APIRouter:
    router = APIRouter()

    @router.get("/api/answers/{answer_id}", responses=error_responses(401, 404, 422))
    def provenance(answer_id: str) -> dict[str, Any]:
        """The provenance record of an answer: question, rewrite, passages with scores,
        answerer and model ids, timings."""
        return provenance_record(pipeline.provenance(answer_id))

    @router.post("/api/answers/{answer_id}/feedback", responses=error_responses(400, 401, 404, 422, 507))
    def feedback(answer_id: str, body: FeedbackRequest) -> dict[str, Any]:
        """Rate an answer (up or down, with an optional comment): kept with its provenance
        record and appended to feedback.jsonl beside the index (one rating per answer: a new
        one replaces the last)."""
        return rating_record(pipeline.feedback(answer_id, body.rating, body.comment))

    return router
