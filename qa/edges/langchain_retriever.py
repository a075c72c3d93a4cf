"""qa's retrieval as a LangChain retriever, for users' own chains: over a running qa server
(``QARetriever(base_url=...)``) or over an index opened in this process
(``QARetriever.from_settings()``). Each Document's metadata holds the passage's document id,
title, exact character offsets and scores.

    retriever = QARetriever(base_url="http://127.0.0.1:8000", k=4)
    docs = retriever.invoke("How much will Alibaba invest?")
    top = retriever.invoke("How much will Alibaba invest?", k=1)  # k for one call; ainvoke too
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import Field, PrivateAttr

from qa.core.config import Settings
from qa.core.inputs import K_MAX
from qa.edges.client import Client
from qa.edges.contract import Passage
from qa.edges.reader import LocalClient, open_reader

if TYPE_CHECKING:
    from qa.pipeline import Pipeline


def as_document(passage: Passage) -> LCDocument:
    return LCDocument(page_content=passage.text, metadata=passage.model_dump(exclude={"text"}))


class QARetriever(BaseRetriever):
    """qa's hybrid retrieval (dense + BM25, fused and reranked) as a LangChain retriever."""

    base_url: str | None = Field(None, description="URL of a running qa server (qa serve / make run).")
    api_key: str = Field("", description="The server's QA_API_KEY, if it has one.")
    k: int | None = Field(None, ge=1, le=K_MAX, description="Passages per query (None: the server's QA_K).")
    hybrid: bool = True
    timeout: float = 60.0
    _qa: Client | LocalClient | None = PrivateAttr(None)

    def model_post_init(self, context: Any) -> None:
        if self.base_url is not None:
            self._qa = Client(self.base_url, self.api_key, self.timeout)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **fields: Any) -> QARetriever:
        """A retriever over the index of ``settings`` (default: the ``QA_*`` environment),
        through the qa server that owns it when one runs. ``close()`` releases the index."""
        retriever = cls(**fields)
        retriever._qa = open_reader(settings or Settings())
        return retriever

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline, **fields: Any) -> QARetriever:
        """A retriever over a Pipeline this program already holds."""
        retriever = cls(**fields)
        retriever._qa = LocalClient(pipeline)
        return retriever

    def close(self) -> None:
        if self._qa is not None:
            self._qa.close()

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[LCDocument]:
        """``retriever.invoke(query, k=2)`` overrides ``k`` for one call."""
        if self._qa is None:
            raise ValueError("QARetriever needs base_url=... (a qa server) or QARetriever.from_settings()")
        return [as_document(p) for p in self._qa.retrieve(query, k or self.k, hybrid=self.hybrid)]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[LCDocument]:
        return await run_in_executor(None, self._get_relevant_documents, query,
                                     run_manager=run_manager.get_sync(), k=k)
