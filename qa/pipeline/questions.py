"""A question's trip: rewritten from the conversation, retrieved (of the documents asked about),
answered by the answerer of its shape, finalized with verified citations, and remembered."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from qa.answer.finalize import finalize
from qa.answer.provenance import AnswerLog
from qa.answer.types import Answerer, Draft
from qa.core.errors import NotFound
from qa.core.schema import Answer, Hit, IndexedDocument
from qa.index.catalog import Catalog
from qa.index.retrieval import Retriever, matching


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


def known(listed: Sequence[IndexedDocument], doc_ids: Sequence[str]) -> None:
    """Raises NotFound for any of ``doc_ids`` that names no ``listed`` document."""
    unknown = sorted(set(doc_ids) - {d.doc_id for d in listed})
    if unknown:
        raise NotFound(f"no document with id {unknown[0]!r}" + (f" (and {len(unknown) - 1} more)"
                                                                if len(unknown) > 1 else ""))


class Questions:
    """Retrieval and answering of one question at a time, over the pipeline's parts."""

    def __init__(self, catalog: Catalog, retriever: Retriever, answerer: Callable[[], Answerer], answers: AnswerLog,
                 k: int) -> None:
        self.catalog = catalog
        self.retriever = retriever
        self._answerer = answerer  # loaded on first use (the judge's weights)
        self.answers = answers
        self.k = k

    def retrieve(self, query: str, k: int | None = None, hybrid: bool = True, rerank: bool = True,
                 documents: Sequence[str] | None = None, metadata: dict[str, str] | None = None) -> list[Hit]:
        """The best ``k`` passages for a query, best first; only of the ``documents`` (ids)
        and of documents whose metadata holds every ``metadata`` key with that value, if given.

        Raises:
            IndexNotReady: nothing is indexed yet, or the index was built with other settings.
        """
        self.catalog.check_current()
        within = (None if documents is None and not metadata
                  else matching(self.catalog.documents(), documents, metadata or {}))
        return self.retriever.search(query.strip(), k or self.k, hybrid=hybrid, rerank=rerank,
                                     documents=within)

    def ask_stream(self, question: str, history: Sequence[dict[str, str]] = (), k: int | None = None,
                   hybrid: bool = True, rerank: bool = True, documents: Sequence[str] | None = None
                   ) -> Iterator[str | Answer]:
        """Yield pieces of answer text as they come, then the final Answer.

        The final Answer's text is authoritative: a generated answer may lose unsupported
        sentences at the grounding gate after streaming. NotFound: ``documents`` names no indexed document.
        """
        if documents is not None:
            known(self.catalog.documents(), documents)
        answerer = self._answerer()
        t0 = time.perf_counter()
        standalone = answerer.rewrite(question, history) if history else question.strip()
        timings = {"rewrite": _ms(t0)}
        t1 = time.perf_counter()
        hits = self.retrieve(standalone, k, hybrid=hybrid, rerank=rerank, documents=documents)
        timings["retrieve"] = _ms(t1)
        t2 = time.perf_counter()
        draft: Draft | None = None
        for piece in answerer.stream(standalone, hits):
            if isinstance(piece, Draft):
                draft = piece
            else:
                yield piece
        assert draft is not None
        timings["answer"] = _ms(t2)
        timings["total"] = _ms(t0)
        answer = finalize(draft, question, standalone, hits, answerer.name, answerer.model, self.catalog.document,
                          timings)
        self.answers.remember(answer)
        yield answer
