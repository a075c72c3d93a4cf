"""The lexical index: BM25 over the chunks' stemmed terms, in SQLite FTS5 on disk beside the
vector index. It is written document by document (a change never rebuilds it), survives
restarts, and is searched in SQLite: nothing of it is held in memory.

It keeps the content hash of every document it holds, so ``sync`` can bring it in line with
the vector store after an index built before it existed, or another qa process that wrote to
a shared Chroma server.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from qa.core.schema import Chunk
from qa.core.text import terms

log = logging.getLogger(__name__)

SCHEMA = 3  # PRAGMA user_version of the file; another value: the file is rebuilt by sync
TABLES = f"""
    DROP TABLE IF EXISTS vocab; DROP TABLE IF EXISTS terms; DROP TABLE IF EXISTS chunks;
    DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS pending;
    CREATE TABLE docs (doc_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
                         length INTEGER NOT NULL);
    CREATE INDEX chunks_by_doc ON chunks (doc_id);
    CREATE VIRTUAL TABLE terms USING fts5 (text, tokenize = 'ascii');
    CREATE VIRTUAL TABLE vocab USING fts5vocab (terms, 'row');
    PRAGMA user_version = {SCHEMA};
"""  # the file's tables, anew (``pending`` was the indexer's journal before schema 3)
SYNC_BATCH = 200  # documents read back from the vector store per step of sync
SHORTLIST = 4  # FTS5's own ranking shortlists this many times the chunks asked for, rescored


def chunk_terms(chunk: Chunk) -> list[str]:
    """What the lexical index holds for a chunk: its document title's terms and its text's."""
    return terms(f"{chunk.title}\n{chunk.text}")


def _tokens(words: Iterable[str]) -> list[str]:
    """Terms as FTS5 tokens: letters and digits only (``o'neil`` -> ``oneil``), on both sides."""
    return [t for t in (w.replace("'", "") for w in words) if t]


class LexicalIndex:
    """BM25 over stemmed chunk terms, with a manifest of documents.

    FTS5 finds and ranks the matching chunks with its own BM25 (k1 1.2, b 0.75, fixed); the
    best ``SHORTLIST * n`` are rescored with ``k1`` and ``b`` (0.9 and 0.4, Anserini's passage
    values, beat FTS5's on SQuAD-48: passages here are short and of similar length, so length
    should count for less), from the term counts FTS5 stores.
    """

    def __init__(self, path: Path, k1: float, b: float) -> None:
        self.k1, self.b = k1, b
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()  # one connection, shared by the server's threads
        try:
            self._open()
        except sqlite3.DatabaseError as exc:  # damaged: it only mirrors the store, so start anew
            log.warning("the lexical index %s could not be opened (%s); it is rebuilt from the vector store",
                        path, exc)
            self._db.close()  # the connection to the damaged file, before its files go
            for f in path.parent.glob(f"{path.name}*"):
                f.unlink()
            self._open()
        self.document_frequency = lru_cache(maxsize=100_000)(self._document_frequency)
        self._count: int | None = None
        self._mean_length: float | None = None

    def _open(self) -> None:
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self.created = self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA
        if self.created:  # new, or of another schema: what it held is unknown until a sync
            with self._lock:
                self._db.executescript(TABLES)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writes -----------------------------------------------------------------------------

    def replace(self, documents: Iterable[tuple[str, str, list[Chunk]]]) -> None:
        """Swap each (doc_id, sha256, chunks) for its new chunks, all in one transaction."""
        with self._lock, self._transaction():
            for doc_id, sha256, chunks in documents:
                self._delete(doc_id)
                for chunk in chunks:
                    tokens = _tokens(chunk_terms(chunk))
                    row = self._db.execute("INSERT INTO chunks (chunk_id, doc_id, length) VALUES (?, ?, ?)",
                                           (chunk.chunk_id, doc_id, len(tokens))).lastrowid
                    self._db.execute("INSERT INTO terms (rowid, text) VALUES (?, ?)", (row, " ".join(tokens)))
                self._db.execute("INSERT INTO docs (doc_id, sha256) VALUES (?, ?)", (doc_id, sha256))
        self._changed()

    def delete(self, doc_ids: Iterable[str]) -> None:
        with self._lock, self._transaction():
            for doc_id in doc_ids:
                self._delete(doc_id)
        self._changed()

    def _changed(self) -> None:
        self.document_frequency.cache_clear()
        self._count = self._mean_length = None

    def _delete(self, doc_id: str) -> None:
        self._db.execute("DELETE FROM terms WHERE rowid IN (SELECT id FROM chunks WHERE doc_id = ?)", (doc_id,))
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self._db.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error (the connection is in autocommit)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- reads ------------------------------------------------------------------------------

    def manifest(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT doc_id, sha256 FROM docs").fetchall())

    def document_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def count(self) -> int:
        """Chunks in the index."""
        if self._count is None:
            with self._lock:
                self._count = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        return self._count

    def mean_length(self) -> float:
        """Mean number of terms per chunk."""
        if self._mean_length is None:
            with self._lock:
                self._mean_length = float(self._db.execute("SELECT avg(length) FROM chunks").fetchone()[0] or 0)
        return self._mean_length

    def search(self, query_terms: list[str], n: int,
               documents: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """The ``n`` best chunk ids with their BM25 scores for stemmed ``query_terms`` (of
        ``documents`` only, if given), best first; chunks sharing no term are left out."""
        tokens = list(dict.fromkeys(_tokens(query_terms)))
        if not tokens or n < 1 or documents is not None and not documents:
            return []
        match = " OR ".join(f'"{t}"' for t in tokens)  # tokens are [a-z0-9]+: nothing to escape
        sql = ("SELECT c.chunk_id, c.length, t.text FROM (SELECT rowid, text, rank FROM terms WHERE terms MATCH ?{}"
               " ORDER BY rank LIMIT ?) AS t JOIN chunks AS c ON c.id = t.rowid")
        params: list[object] = [match]
        within = ""
        if documents is not None:
            marks = ",".join("?" * len(documents))  # placeholders only: the ids are bound parameters
            within = f" AND rowid IN (SELECT id FROM chunks WHERE doc_id IN ({marks}))"  # nosec B608
            params.extend(sorted(documents))
        with self._lock:
            rows = self._db.execute(sql.format(within), [*params, SHORTLIST * n]).fetchall()  # nosec B608
        total = self.count()  # Lucene's BM25, as bm25s computes it
        weights = {t: math.log(1 + (total - (df := self.document_frequency(t)) + 0.5) / (df + 0.5)) for t in tokens}
        norm = self.k1 / max(self.mean_length(), 1e-9)
        scored = []
        for chunk_id, length, text in rows:
            counts = Counter(w for w in text.split() if w in weights)
            saturation = self.k1 * (1 - self.b) + self.b * norm * length
            scored.append((chunk_id, sum(weights[t] * f / (f + saturation) for t, f in counts.items())))
        scored.sort(key=lambda x: -x[1])
        return scored[:n]

    def _document_frequency(self, term: str) -> int:
        token = "".join(_tokens([term]))
        with self._lock:
            row = self._db.execute("SELECT doc FROM vocab WHERE term = ?", (token,)).fetchone()
        return int(row[0]) if row else 0

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency of a stemmed term (unknown terms score high)."""
        n = self.count()
        return math.log(1 + (n + 1) / (self.document_frequency(term) + 0.5))


def sync(index: LexicalIndex, manifest: dict[str, str], chunks_of: Callable[[list[str]], Iterator[Chunk]]) -> int:
    """Bring ``index`` in line with the vector store's ``manifest`` (doc_id -> sha256):
    drop documents it no longer lists, (re)read the chunks of those it holds otherwise.
    Returns the number of documents changed. Afterwards ``index`` is no longer ``created``:
    what it holds is known."""
    mine = index.manifest()
    gone = [d for d in mine if d not in manifest]
    changed = sorted(d for d, sha in manifest.items() if mine.get(d) != sha)
    if gone or changed:
        log.info("lexical index: %d document(s) to add or replace, %d to drop", len(changed), len(gone))
    index.delete(gone)
    for i in range(0, len(changed), SYNC_BATCH):
        batch = changed[i : i + SYNC_BATCH]
        grouped: dict[str, list[Chunk]] = {d: [] for d in batch}
        for chunk in chunks_of(batch):
            grouped[chunk.doc_id].append(chunk)
        index.replace((d, manifest[d], grouped[d]) for d in batch)
    index.created = False
    return len(gone) + len(changed)
