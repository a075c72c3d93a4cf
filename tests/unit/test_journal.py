"""The indexer's journal: what was begun and not ended outlives the process."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa.index.journal import Journal


def test_documents_begun_and_not_ended_are_pending_after_a_restart(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    assert journal.created and journal.pending() == []
    journal.begin(["penguins.txt", "new.txt", "desert.txt"])
    journal.end(["new.txt"])
    journal.end(["desert.txt", "never-begun.txt"])
    journal.close()  # as a kill would leave it: nothing else is written at the end
    again = Journal(tmp_path / "journal.sqlite3")
    assert not again.created and again.pending() == ["penguins.txt"]
    again.close()


def test_beginning_twice_is_one_entry(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.begin(["a.txt"])
    journal.begin(["a.txt", "b.txt"])
    assert journal.pending() == ["a.txt", "b.txt"]
    journal.end(["a.txt", "b.txt"])
    assert journal.pending() == []
    journal.close()


@pytest.mark.parametrize("damage", [b"not a database at all" * 100, b""])
def test_a_damaged_journal_starts_anew_and_says_it_cannot_tell(tmp_path: Path, damage: bytes,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(damage)
    with caplog.at_level(logging.WARNING):
        journal = Journal(path)
    assert journal.created and journal.pending() == []  # created: the indexer counts every document's chunks
    journal.begin(["a.txt"])
    assert journal.pending() == ["a.txt"]
    journal.close()
