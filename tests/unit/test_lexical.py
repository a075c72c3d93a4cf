"""The persistent lexical index (SQLite FTS5) on its own: written per document, kept across
restarts, brought in line with a store's manifest, and never served from a damaged file."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.core.schema import Chunk
from qa.core.text import terms
from qa.index.lexical import LexicalIndex, sync
from tests.support import BM25


def chunk(doc_id: str, i: int, text: str, title: str = "") -> Chunk:
    return Chunk(f"{doc_id}#{i}", doc_id, title or "notes", i * 100, i * 100 + len(text), text, ())


DOCS = {
    "penguins.txt": ["Emperor penguins breed in the Antarctic winter.", "Penguins eat krill and fish."],
    "desert.txt": ["The Sahara is the largest hot desert.", "Camels store fat in their humps."],
    "irish.txt": ["O'Neill's pub serves stew in Dublin."],
}


def filled(path: Path) -> LexicalIndex:
    index = LexicalIndex(path, *BM25)
    index.replace((d, f"sha-{d}", [chunk(d, i, t) for i, t in enumerate(texts)]) for d, texts in DOCS.items())
    return index


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [i for i, _ in hits]


def test_search_ranks_by_bm25_and_leaves_out_chunks_without_a_term(tmp_path: Path) -> None:
    index = filled(tmp_path / "lex.sqlite3")
    hits = index.search(terms("What do penguins eat?"), 10)
    assert ids(hits)[0] == "penguins.txt#1" and set(ids(hits)) == {"penguins.txt#0", "penguins.txt#1"}
    assert hits[0][1] > hits[1][1] > 0
    assert index.search(terms("volcano"), 10) == [] and index.search([], 10) == []
    assert ids(index.search(terms("O'Neill's stew"), 10)) == ["irish.txt#0"]  # apostrophes fold alike


def test_search_within_documents(tmp_path: Path) -> None:
    index = filled(tmp_path / "lex.sqlite3")
    assert ids(index.search(terms("penguins desert"), 10, frozenset({"desert.txt"}))) == ["desert.txt#0"]
    assert index.search(terms("penguins"), 10, frozenset()) == []


def test_it_survives_a_restart_and_changes_one_document_at_a_time(tmp_path: Path) -> None:
    filled(tmp_path / "lex.sqlite3").close()
    index = LexicalIndex(tmp_path / "lex.sqlite3", *BM25)
    assert not index.created and index.count() == 5
    index.replace([("penguins.txt", "sha-2", [chunk("penguins.txt", 0, "Adelie penguins nest on rocks.")])])
    assert ids(index.search(terms("krill"), 10)) == []
    assert ids(index.search(terms("rocks"), 10)) == ["penguins.txt#0"]
    index.delete(["desert.txt"])
    assert index.count() == 2 and index.search(terms("camels"), 10) == []
    assert index.manifest() == {"penguins.txt": "sha-2", "irish.txt": "sha-irish.txt"}


def test_idf_follows_the_chunks_it_holds(tmp_path: Path) -> None:
    index = filled(tmp_path / "lex.sqlite3")
    assert index.idf("penguin") < index.idf("camel") < index.idf("neverseen")
    before = index.idf("camel")
    index.delete(["desert.txt"])
    assert index.idf("camel") > before  # no longer held: as rare as an unknown term


def test_sync_drops_adds_and_rereads_what_the_store_lists_otherwise(tmp_path: Path) -> None:
    index = filled(tmp_path / "lex.sqlite3")
    store = {"penguins.txt": [chunk("penguins.txt", 0, "Penguins eat krill.")],
             "glacier.txt": [chunk("glacier.txt", 0, "Glaciers carve valleys.")],
             "irish.txt": [chunk("irish.txt", 0, "O'Neill's pub serves stew in Dublin.")]}
    manifest = {"penguins.txt": "sha-new", "glacier.txt": "sha-g", "irish.txt": "sha-irish.txt"}
    asked: list[list[str]] = []

    def chunks_of(doc_ids: list[str]) -> Iterator[Chunk]:
        asked.append(doc_ids)
        return (c for d in doc_ids for c in store[d])

    assert sync(index, manifest, chunks_of) == 3  # desert dropped, penguins re-read, glacier added
    assert sorted(d for batch in asked for d in batch) == ["glacier.txt", "penguins.txt"]  # irish unchanged
    assert index.manifest() == manifest and index.count() == 3
    assert sync(index, manifest, chunks_of) == 0


@pytest.mark.parametrize("damage", [b"not a database at all" * 100, b""])
def test_a_damaged_file_is_started_anew(tmp_path: Path, damage: bytes, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "lex.sqlite3"
    filled(path).close()
    path.write_bytes(damage)
    for f in tmp_path.glob("lex.sqlite3-*"):
        f.unlink()
    index = LexicalIndex(path, *BM25)
    assert index.created and index.count() == 0 and index.manifest() == {}
