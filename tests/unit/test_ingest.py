from pathlib import Path

import pytest

from qa.core.errors import CorpusError
from qa.core.news import content_segments
from qa.corpus.ingest import corpus_files, load_corpus, load_document
from tests.support import ARTICLE

NEWS = """(Reuters) - Acme Corp. said on Tuesday it will buy Widget Ltd. for $2 billion.
Most Read from Reuters
The deal closes next year.
Story Continues
Click here for the full report.
Sign up for our newsletter to get the latest news.
Copyright 2024 Reuters. All rights reserved.
Analysts welcomed the deal.
"""


def kept(text: str) -> list[str]:
    return [text[s:e] for s, e in content_segments(text)]


def test_boilerplate_lines_are_left_out_by_general_rules() -> None:
    assert kept(NEWS) == [
        "(Reuters) - Acme Corp. said on Tuesday it will buy Widget Ltd. for $2 billion.",
        "The deal closes next year.",
        "Analysts welcomed the deal.",
    ]


def test_article_boilerplate_is_dropped_and_its_credits_are_kept_as_text_and_metadata() -> None:
    doc = load_document(ARTICLE, ARTICLE.parent)
    joined = "\n".join(doc.text[s:e] for s, e in doc.segments)
    for line in ("Most Read from Bloomberg", "Story Continues", "Click here for the research.", "©2025 Bloomberg L.P."):
        assert line not in joined
    for line in ("(Bloomberg) — Alibaba Group Holding Ltd. pledged", "– Robert Lea and Jasmine Lyu, analysts",
                 "–With assistance from Mark Anderson and Vlad Savov.", "(Updates with analysts’ comments",
                 "Eddie Wu declared"):
        assert line in joined
    assert doc.metadata == {
        "source": "Bloomberg",
        "attribution": "Robert Lea and Jasmine Lyu, analysts",
        "contributors": "Mark Anderson and Vlad Savov",
        "editor_note": "Updates with analysts’ comments from the fourth paragraph. An earlier version corrected "
                       "the timing of Xi’s conference",
    }
    assert doc.title == "Alibaba AI infrastructure"  # no headline line: the file name


def test_a_headline_byline_and_date_become_metadata_and_the_headline_the_title(tmp_path: Path) -> None:
    text = ("Acme to Buy Widget in $2 Billion Deal\nBy Jane Doe and John Roe\nMarch 3, 2025\n"
            "Acme Corp. said on Tuesday it will buy Widget Ltd.\nPhoto: Reuters\n")
    path = tmp_path / "acme-deal.txt"
    path.write_text(text, encoding="utf-8")
    doc = load_document(path, tmp_path)
    assert doc.title == "Acme to Buy Widget in $2 Billion Deal"
    assert doc.metadata == {"headline": "Acme to Buy Widget in $2 Billion Deal", "authors": "Jane Doe and John Roe",
                            "date": "March 3, 2025", "photo_credit": "Reuters"}
    assert kept(text)[0] == "Acme to Buy Widget in $2 Billion Deal"  # citable too


def test_a_first_line_that_is_a_sentence_is_not_a_headline(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("The deal closes next year.\nAnalysts welcomed it.\n", encoding="utf-8")
    doc = load_document(path, tmp_path)
    assert doc.title == "Note" and "headline" not in doc.metadata


def test_content_lines_mentioning_boilerplate_words_are_kept() -> None:
    text = "Readers can subscribe, the company said, in a statement about its copyright policy.\n"
    assert kept(text) == [text.strip()]


def test_invalid_utf8_and_empty_files_are_skipped_with_their_names(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A real sentence about things.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 latin-1 text")
    (tmp_path / "empty.md").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    results = list(load_corpus(tmp_path))
    docs = [r for r in results if not isinstance(r, CorpusError)]
    problems = [str(r) for r in results if isinstance(r, CorpusError)]
    assert [d.doc_id for d in docs] == ["good.txt"]
    assert any("bad.txt" in p and "UTF-8" in p for p in problems)
    assert any("empty.md" in p and "empty" in p for p in problems)


def test_doc_id_is_the_relative_path_and_title_comes_from_the_name(tmp_path: Path) -> None:
    (tmp_path / "news").mkdir()
    path = tmp_path / "news" / "big_deal-2024.md"
    path.write_text("Text.", encoding="utf-8")
    doc = load_document(path, tmp_path)
    assert doc.doc_id == "news/big_deal-2024.md"
    assert doc.title == "Big deal 2024"


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus folder not found"):
        corpus_files(tmp_path / "nope")


@pytest.mark.parametrize(("name", "title"), [
    ("alibaba-ai-infrastructure.txt", "Alibaba AI infrastructure"),
    ("us_china-trade.md", "Us china trade"),
    ("q3-report_of-the-eu.pdf", "Q3 report of the EU"),
    ("notes.txt", "Notes"),
])
def test_titles_from_file_names_read_well(name: str, title: str) -> None:
    from qa.corpus.ingest import title_of

    assert title_of(Path(name)) == title
