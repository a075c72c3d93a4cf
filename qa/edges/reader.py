"""``Client``'s interface over a Pipeline in this process (``LocalClient``), and the choice
between the two for whatever reads an index (``open_reader``): the index itself, or the qa
server that owns it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.edges.client import Client
from qa.edges.contract import (
    AskResponse,
    DocumentInfo,
    DocumentText,
    Passage,
    answer_record,
    document_info_record,
    document_record,
    health_record,
    passage_record,
)

if TYPE_CHECKING:
    from qa.core.config import Settings
    from qa.pipeline import Pipeline


class LocalClient:
    """``Client``'s interface over a Pipeline in this process: the MCP tools and the CLI
    use either, and get the same typed results."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def retrieve(self, query: str, k: int | None = None, hybrid: bool = True, documents: list[str] | None = None,
                 metadata: dict[str, str] | None = None) -> list[Passage]:
        hits = self.pipeline.retrieve(query, k, hybrid=hybrid, documents=documents, metadata=metadata)
        return [Passage.model_validate(passage_record(h)) for h in hits]

    def ask(self, question: str, k: int | None = None, history: list[dict[str, str]] | None = None,
            documents: list[str] | None = None) -> AskResponse:
        return AskResponse.model_validate(answer_record(self.pipeline.ask(question, history or (), k,
                                                                          documents=documents)))

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo.model_validate(document_info_record(d)) for d in self.pipeline.documents()]

    def document(self, doc_id: str) -> DocumentText:
        return DocumentText.model_validate(document_record(self.pipeline.get_document(doc_id)))

    def health(self) -> dict[str, Any]:
        return health_record(self.pipeline.health())

    def close(self) -> None:
        self.pipeline.close()


def open_reader(settings: Settings) -> Client | LocalClient:
    """What reads the index of ``settings``: the index itself, in this process, or, when a
    qa server owns it (its lock is taken), that server.

    Raises:
        IndexLocked: another process owns the index and no server says it serves it.
    """
    from qa.core.errors import IndexLocked
    from qa.pipeline import Pipeline, shared_store

    try:
        return LocalClient(Pipeline.from_settings(settings))
    except IndexLocked:
        client = None if shared_store(settings) else Client.for_index(settings.index_dir, settings.api_key)
        if client is None:
            raise
        return client
