"""The answer stage's Evidence (qa/answer/types.py) over this process's index: documents
from the catalog (cached, forgotten after indexing), query and sentence vectors and term
weights from retrieval (cached likewise). The composition root builds it once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.core.schema import Document
from qa.index.catalog import Catalog
from qa.index.retrieval import Retriever


class IndexSources:
    def __init__(self, catalog: Catalog, retriever: Retriever) -> None:
        self.catalog = catalog
        self.retriever = retriever

    def document(self, doc_id: str) -> Document | None:
        return self.catalog.document(doc_id)

    def embed_query(self, text: str) -> np.ndarray:
        return self.retriever.embed_query(text)

    def sentence_vectors(self, doc_id: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        return self.retriever.sentence_vectors(doc_id, spans)

    def idf(self, term: str) -> float:
        return self.retriever.idf(term)
