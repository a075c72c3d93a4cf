"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank fusion."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import bm25s
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from .embedding import Embedder
from .lexical import terms
from .schema import Chunk, Hit
from .store import ChromaStore

logging.getLogger("bm25s").setLevel(logging.WARNING)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: ``score(id) = sum_i w_i / (k + rank_i(id))``, ranks from 1.

    Args:
        rankings: one list of ids per retriever, best first.
        k: the RRF constant (60 in Cormack et al. 2009); larger flattens the rank curve.
        weights: one weight per ranking (default all 1).

    Returns:
        (id, score) pairs, best first; ties keep the order of first appearance.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"weights has {len(weights)} entries for {len(rankings)} rankings")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def chunk_terms(chunk: Chunk) -> list[str]:
    """What BM25 indexes for a chunk: its document title and its text."""
    return terms(f"{chunk.title}\n{chunk.text}")


class BM25Index:
    """BM25 (bm25s, Lucene variant) over the chunks' stemmed terms."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self._bm25 = bm25s.BM25()
        self._by_id = {c.chunk_id: i for i, c in enumerate(chunks)}
        self._doc_freq: dict[str, int] = {}
        tokenized = [chunk_terms(c) for c in chunks]
        for toks in tokenized:
            for t in set(toks):
                self._doc_freq[t] = self._doc_freq.get(t, 0) + 1
        if chunks:
            self._bm25.index(tokenized, show_progress=False)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency of a stemmed term (unknown terms score high)."""
        n = len(self.chunks)
        return float(np.log(1 + (n + 1) / (self._doc_freq.get(term, 0) + 0.5)))

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        query_terms = terms(query)
        if not self.chunks or not query_terms:
            return []
        scores = self._bm25.get_scores(query_terms)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks[i].chunk_id, float(scores[i])) for i in top if scores[i] > 0]


class Retriever:
    """Dense + BM25 candidates, fused with RRF; the chunks come from the BM25 snapshot."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        candidates: int = 30,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        bm25_weight: float = 1.0,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.weights = (dense_weight, bm25_weight)
        self.refresh()

    def refresh(self) -> None:
        """Reload the chunk snapshot and rebuild BM25 (after indexing)."""
        chunks = list(self.store.chunks())
        chunks.sort(key=lambda c: (c.doc_id, c.start))
        self.bm25 = BM25Index(chunks)
        self._chunks = {c.chunk_id: c for c in chunks}

    def search(self, query: str, k: int, hybrid: bool = True) -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first.

        Args:
            query: the question or keywords.
            k: number of hits.
            hybrid: False uses dense retrieval alone.
        """
        n = max(self.candidates, k)
        vector = self.embedder.embed([query])[0]
        dense = [(i, s) for i, s in self.store.query(vector, n) if i in self._chunks]
        lexical = self.bm25.search(query, n) if hybrid else []
        fused = reciprocal_rank_fusion(
            [[i for i, _ in dense], [i for i, _ in lexical]], self.rrf_k, self.weights
        )
        dense_at = {i: (r, s) for r, (i, s) in enumerate(dense, start=1)}
        bm25_at = {i: (r, s) for r, (i, s) in enumerate(lexical, start=1)}
        hits = []
        for chunk_id, score in fused[:k]:
            d, b = dense_at.get(chunk_id), bm25_at.get(chunk_id)
            hits.append(
                Hit(
                    self._chunks[chunk_id],
                    round(score, 6),
                    dense_score=d[1] if d else None,
                    dense_rank=d[0] if d else None,
                    bm25_score=b[1] if b else None,
                    bm25_rank=b[0] if b else None,
                )
            )
        return hits


class LangChainRetriever(BaseRetriever):
    """qa's hybrid retrieval as a LangChain retriever, for users' own chains.

    ``LangChainRetriever(search=pipeline.retrieve, k=4).invoke("question")``
    """

    search: Callable[..., list[Hit]]
    k: int = 4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [
            LCDocument(
                page_content=h.chunk.text,
                metadata={
                    "doc_id": h.chunk.doc_id,
                    "title": h.chunk.title,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "score": h.score,
                    "chunk_id": h.chunk.chunk_id,
                },
            )
            for h in self.search(query, k=self.k)
        ]
