"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank fusion."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import bm25s
import numpy as np

from .embedding import Embedder
from .lexical import terms, weighted_coverage
from .schema import Chunk, Hit
from .store import ChromaStore, sentence_id

logging.getLogger("bm25s").setLevel(logging.WARNING)

VECTOR_CACHE = 200_000  # sentence vectors kept in memory (about 300 MB at 384 dimensions)


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
    """BM25 (bm25s, Lucene variant) over the chunks' stemmed terms.

    k1=0.9, b=0.4 (Anserini's passage defaults) beat 1.2/0.75 on SQuAD-48: passages here
    are short and of similar length, so length normalisation should count for less.
    """

    def __init__(self, chunks: list[Chunk], k1: float = 0.9, b: float = 0.4) -> None:
        self.chunks = chunks
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        self._by_id = {c.chunk_id: i for i, c in enumerate(chunks)}
        self._doc_ids = np.array([c.doc_id for c in chunks], dtype=object)
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

    def search(self, query: str, n: int, documents: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """The ``n`` best chunk ids with their BM25 scores (of ``documents`` only, if given)."""
        query_terms = terms(query)
        if not self.chunks or not query_terms:
            return []
        scores = self._bm25.get_scores(query_terms)
        if documents is not None:
            scores = np.where(np.isin(self._doc_ids, list(documents)), scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks[i].chunk_id, float(scores[i])) for i in top if scores[i] > 0]


@dataclass(frozen=True)
class RetrievalConfig:
    """Knobs of retrieval (from Settings); the defaults are the measured best."""

    candidates: int = 30
    rrf_k: int = 20
    dense_weight: float = 1.0
    bm25_weight: float = 1.5
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    rerank_depth: int = 20
    fusion_scale: float = 20.0
    sentence_weight: float = 1.0
    coverage_weight: float = 1.0


class Retriever:
    """Dense + BM25 candidates, fused with RRF, then reranked with sentence-level evidence.

    The rerank adds, to the scaled fused score, the best cosine between the query and one
    of the passage's sentences (sentence vectors are stored at index time, so this costs a
    lookup, not an encode) and the IDF-weighted share of the query's terms the passage holds.
    """

    def __init__(self, store: ChromaStore, embedder: Embedder, config: RetrievalConfig | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vectors_lock = threading.Lock()
        self._snapshot: tuple[BM25Index, dict[str, Chunk]] | None = None  # loaded on first use
        self._loading = threading.Lock()

    @property
    def bm25(self) -> BM25Index:
        return self._current()[0]

    @property
    def _chunks(self) -> dict[str, Chunk]:
        return self._current()[1]

    def _current(self) -> tuple[BM25Index, dict[str, Chunk]]:
        """The snapshot searches read; loaded at the first search, so that opening an index
        to write (``qa index`` with nothing changed) does not read every chunk."""
        snapshot = self._snapshot
        if snapshot is None:
            with self._loading:
                if self._snapshot is None:
                    self.refresh()
                snapshot = self._snapshot
        assert snapshot is not None
        return snapshot

    def refresh(self) -> None:
        """Reload the chunk snapshot and rebuild BM25 (after indexing); searches running
        meanwhile use the old snapshot, which is swapped in one step."""
        chunks = list(self.store.chunks())
        chunks.sort(key=lambda c: (c.doc_id, c.start))
        vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        if self.store.sentence_count() <= VECTOR_CACHE:
            # small enough to hold: reranking then never waits on the store
            vectors.update(self.store.all_sentence_vectors())
        bm25 = BM25Index(chunks, self.config.bm25_k1, self.config.bm25_b)
        with self._vectors_lock:
            self._snapshot, self._vectors = (bm25, {c.chunk_id: c for c in chunks}), vectors
        self.embed_query.cache_clear()

    def bm25_idf(self, term: str) -> float:
        """IDF of a stemmed term in the current snapshot."""
        return self.bm25.idf(term)

    @lru_cache(maxsize=512)  # noqa: B019 - one retriever per process; cleared on refresh
    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def sentence_vectors(self, doc_id: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Stored vectors of a document's sentences (zeros for any not stored), LRU-cached."""
        ids = [sentence_id(doc_id, s, e) for s, e in spans]
        missing = [i for i in ids if i not in self._vectors]
        if missing:
            fetched = self.store.sentence_vectors(missing)
            with self._vectors_lock:
                self._vectors.update(fetched)
                while len(self._vectors) > VECTOR_CACHE:
                    self._vectors.popitem(last=False)
        zero = np.zeros(self.embedder.dimension, dtype=np.float32)
        return np.stack([self._vectors.get(i, zero) for i in ids]) if ids else np.zeros((0, len(zero)))

    def search(self, query: str, k: int, hybrid: bool = True, rerank: bool = True,
               documents: frozenset[str] | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first.

        Args:
            query: the question or keywords.
            k: number of hits.
            hybrid: False uses dense retrieval alone (and no rerank).
            rerank: False keeps the fused order.
            documents: search these documents only (None: all).
        """
        cfg = self.config
        bm25, chunks = self._current()  # one snapshot for the whole search
        n = max(cfg.candidates, k)
        vector = self.embed_query(query)
        dense = [(i, s) for i, s in self.store.query(vector, n, documents) if i in chunks]
        lexical = [(i, s) for i, s in bm25.search(query, n, documents) if i in chunks] if hybrid else []
        fused = reciprocal_rank_fusion(
            [[i for i, _ in dense], [i for i, _ in lexical]], cfg.rrf_k, (cfg.dense_weight, cfg.bm25_weight)
        )
        if hybrid and rerank:
            scored = self._rerank(query, vector, fused[: max(cfg.rerank_depth, k)], chunks, bm25)
        else:
            scored = [(i, s, s) for i, s in fused]
        dense_at = {i: (r, s) for r, (i, s) in enumerate(dense, start=1)}
        bm25_at = {i: (r, s) for r, (i, s) in enumerate(lexical, start=1)}
        hits = []
        for chunk_id, score, fused_score in scored[:k]:
            d, b = dense_at.get(chunk_id), bm25_at.get(chunk_id)
            hits.append(
                Hit(
                    chunks[chunk_id],
                    round(score, 6),
                    fused_score=round(fused_score, 6),
                    dense_score=d[1] if d else None,
                    dense_rank=d[0] if d else None,
                    bm25_score=b[1] if b else None,
                    bm25_rank=b[0] if b else None,
                )
            )
        return hits

    def _rerank(
        self,
        query: str,
        vector: np.ndarray,
        fused: list[tuple[str, float]],
        chunks: dict[str, Chunk],
        bm25: BM25Index,
    ) -> list[tuple[str, float, float]]:
        cfg = self.config
        q_terms = terms(query)
        out = []
        for chunk_id, fused_score in fused:
            chunk = chunks[chunk_id]
            sentence_cos = 0.0
            if chunk.sentences:
                sentence_cos = float(np.max(self.sentence_vectors(chunk.doc_id, chunk.sentences) @ vector))
            coverage = weighted_coverage(q_terms, set(chunk_terms(chunk)), bm25.idf)
            score = cfg.fusion_scale * fused_score + cfg.sentence_weight * sentence_cos + cfg.coverage_weight * coverage
            out.append((chunk_id, score, fused_score))
        out.sort(key=lambda x: -x[1])
        return out
