from qa.citations import verify_citations
from qa.schema import Document

DOC = Document("a.txt", "A", "Alpha beta gamma. Delta epsilon.", "sha", ())


def lookup(doc_id: str) -> Document | None:
    return DOC if doc_id == "a.txt" else None


def test_quote_is_the_source_text_at_the_offsets() -> None:
    (c,) = verify_citations([("a.txt", 0, 17)], lookup)
    assert c.quote == "Alpha beta gamma." == DOC.text[c.start : c.end]
    assert c.title == "A"


def test_spans_that_do_not_match_a_source_are_dropped() -> None:
    spans = [("missing.txt", 0, 5), ("a.txt", 30, 99), ("a.txt", 5, 5), ("a.txt", -1, 3),
             ("a.txt", 17, 18)]
    assert verify_citations(spans, lookup) == ()


def test_duplicate_spans_are_cited_once() -> None:
    assert len(verify_citations([("a.txt", 0, 5), ("a.txt", 0, 5)], lookup)) == 1
