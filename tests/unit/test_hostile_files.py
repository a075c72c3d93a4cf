"""Hostile files are skipped with a reason, never fatal: mutated PDFs and HTML pages (seeded
fuzzing of a valid file) are either read or refused with CorpusError, never another
exception (pypdf raises TypeError and AssertionError on some; those were 500s on upload and
made `qa index` exit 1 with nothing indexed)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

from qa.core.errors import CorpusError
from qa.core.schema import Document
from qa.corpus.formats import Budget, extract
from qa.corpus.ingest import load_corpus
from tests.documents import HTML, HTML_TOKENS, PDF_TOKENS, crashes_pypdf, make_pdf, mutations


@pytest.fixture(autouse=True)
def quiet() -> None:
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)


def test_mutated_pdfs_are_read_or_refused_and_never_crash() -> None:
    base = make_pdf(["The Zorblax gadget was unveiled in Lisbon.", "It weighs 140 grams."], title="Zorblax")
    crashed_pypdf = 0
    for raw in mutations(base, PDF_TOKENS, 400, seed=7):
        crashed_pypdf += crashes_pypdf(raw)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert extract("hostile.pdf", raw).text is not None
        except CorpusError as exc:
            assert str(exc).startswith("hostile.pdf: ")
    assert crashed_pypdf > 0  # the fuzzing reaches pypdf's failures that are not PyPdfError


def test_mutated_html_pages_are_read_or_refused_and_never_crash() -> None:
    for raw in mutations(HTML.encode(), HTML_TOKENS, 150, seed=11):
        try:
            extract("hostile.html", raw)
        except CorpusError as exc:
            assert str(exc).startswith("hostile.html: ")


def test_files_over_the_extraction_budget_are_refused_with_the_setting_to_change() -> None:
    page = HTML.replace("</article>", "<p>" + "Filler text of a long page. " * 2000 + "</p></article>").encode()
    with pytest.raises(CorpusError, match="QA_MAX_HTML_BYTES"):
        extract("long.html", page, Budget(html_bytes=10_000))
    assert extract("long.html", page, Budget(html_bytes=len(page))).text
    with pytest.raises(CorpusError, match="QA_MAX_PDF_PAGES"):
        extract("long.pdf", make_pdf(["One page.", "Two pages.", "Three pages."]), Budget(pdf_pages=2))


def test_a_corpus_with_hostile_files_indexes_the_rest(tmp_path: Path) -> None:
    base = make_pdf(["The Zorblax gadget was unveiled in Lisbon."])
    for i, raw in enumerate(mutations(base, PDF_TOKENS, 30, seed=7)):
        (tmp_path / f"hostile-{i}.pdf").write_bytes(raw)
    (tmp_path / "good.txt").write_text("Penguins swim in the cold southern ocean.\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = list(load_corpus(tmp_path))
    assert len(results) == 31 and all(isinstance(r, (Document, CorpusError)) for r in results)
    assert "good.txt" in {r.doc_id for r in results if isinstance(r, Document)}
