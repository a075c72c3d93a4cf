"""Stand-ins for fast unit tests: a deterministic embedder (hashed bag of words,
L2-normalised), a keyword judge, and the answer stage's Evidence over a dict of documents."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

import numpy as np

from qa.answer.calibration import Calibration
from qa.core.schema import Chunk, Citation, Document, EmbeddedDocument, IndexedDocument
from qa.core.text import terms
from qa.index.types import sentence_id


class HashEmbedder:
    model_id = "hash-embedder:1"
    dimension = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for t in terms(text) or ["<empty>"]:
                out[row, int(hashlib.md5(t.encode()).hexdigest(), 16) % self.dimension] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


class KeywordJudge:
    """A deterministic stand-in for the trained judge in unit tests of the answerer: a
    sentence's logit (and span score) grows with the share of the question's terms it holds
    (all of them: +5, none: -5); the calibration reads the logit alone."""

    model_id = "keyword-judge:1"
    calibration = Calibration({"logit": 1.0}, {"logit": 1.0}, 0.5)

    def phrase(self, question: str, title: str, sentence: str) -> tuple[int, int] | None:
        return None

    def judge(self, question: str, passages) -> list[np.ndarray]:
        asked = set(terms(question))
        return [np.array([[10 * len(asked & set(terms(s))) / max(len(asked), 1) - 5] * 2 for s in p.sentences])
                .reshape(-1, 2) for p in passages]


class FakeEvidence:
    """The answer stage's Evidence over a dict of documents: question and sentence vectors by
    ``embed`` (zeros unless given: no sentence restates another), every term equally rare."""

    def __init__(self, documents: dict[str, Document], embed: Callable[[list[str]], np.ndarray] | None = None,
                 dimension: int = 4) -> None:
        self.documents = documents
        self.embed = embed or (lambda texts: np.zeros((len(texts), dimension)))

    def document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def sentence_vectors(self, doc_id: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        return self.embed([self.documents[doc_id].text[s:e] for s, e in spans])

    def idf(self, term: str) -> float:
        return 1.0


class MemoryStore:
    """A VectorStore (qa/index/types.py) in dictionaries: what a second store must do, in
    the fewest lines; it passes the contract tests Chroma passes (tests/unit/test_store_contract.py)."""

    shared = False
    stale = False
    model_changed = False

    def __init__(self) -> None:
        self.listed: dict[str, tuple[Document, int, float]] = {}  # doc_id -> (document, chunks, indexed at)
        self.stored_chunks: dict[str, tuple[Chunk, np.ndarray]] = {}
        self.sentences: dict[str, tuple[str, np.ndarray]] = {}  # sentence id -> (doc_id, vector)

    def stale_reason(self) -> str:
        return ""

    def rebuild(self) -> None:
        self.__init__()  # type: ignore[misc]

    def incomplete_documents(self) -> list[str]:
        stored: dict[str, int] = {}
        for chunk, _ in self.stored_chunks.values():
            stored[chunk.doc_id] = stored.get(chunk.doc_id, 0) + 1
        unlisted = {d for d, _ in self.sentences.values()} | set(stored)
        broken = {d for d, (_, n, _) in self.listed.items() if stored.get(d, 0) != n}
        return sorted(broken | (unlisted - set(self.listed)))

    def close(self) -> None:
        pass

    def manifest(self) -> dict[str, str]:
        return {d: doc.sha256 for d, (doc, _, _) in self.listed.items()}

    def documents(self) -> list[IndexedDocument]:
        return [IndexedDocument(d, doc.title, n, doc.sha256, len(doc.text), at, dict(doc.metadata),
                                tuple(Citation(d, doc.title, s, e, doc.text[s:e]) for s, e in doc.summary))
                for d, (doc, n, at) in sorted(self.listed.items())]

    def document(self, doc_id: str) -> Document | None:
        found = self.listed.get(doc_id)
        return None if found is None else replace(found[0], segments=())

    def write_documents(self, batch: list[EmbeddedDocument], listed: set[str]) -> None:
        self.delete_documents([e.document.doc_id for e in batch if e.document.doc_id in listed])
        for e in batch:
            self.stored_chunks.update({c.chunk_id: (c, v) for c, v in zip(e.chunks, e.vectors)})
            self.sentences.update({sentence_id(e.document.doc_id, s, t): (e.document.doc_id, v)
                                   for (s, t), v in zip(e.sentences, e.sentence_vectors)})
        for e in batch:  # listed last
            self.listed[e.document.doc_id] = (e.document, len(e.chunks), time.time())

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self.listed.pop(doc_id, None)
            self.stored_chunks = {i: cv for i, cv in self.stored_chunks.items() if cv[0].doc_id != doc_id}
            self.sentences = {i: dv for i, dv in self.sentences.items() if dv[0] != doc_id}

    def count(self) -> tuple[int, int]:
        return len(self.listed), len(self.stored_chunks)

    def document_count(self) -> int:
        return len(self.listed)

    def chunks(self, doc_ids: list[str] | None = None) -> Iterator[Chunk]:
        return iter([c for c, _ in self.stored_chunks.values() if doc_ids is None or c.doc_id in doc_ids])

    def chunks_by_id(self, ids: list[str]) -> dict[str, Chunk]:
        return {i: self.stored_chunks[i][0] for i in ids if i in self.stored_chunks}

    def query(self, vector: np.ndarray, n: int, documents: frozenset[str] | None = None) -> list[tuple[str, float]]:
        scored = [(i, float(v @ vector)) for i, (c, v) in self.stored_chunks.items()
                  if documents is None or c.doc_id in documents]
        return sorted(scored, key=lambda x: -x[1])[:n]

    def sentence_count(self) -> int:
        return len(self.sentences)

    def all_sentence_vectors(self) -> Iterator[tuple[str, np.ndarray]]:
        return iter([(i, v) for i, (_, v) in self.sentences.items()])

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        return {i: self.sentences[i][1] for i in ids if i in self.sentences}
