from qa.answer.citations import verify_citations
from qa.core.schema import Document

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


def test_the_answering_phrase_is_verified_and_kept_only_inside_the_first_citation() -> None:
    from qa.answer.citations import verify_phrase

    cited = verify_citations([("a.txt", 0, 17)], lookup)
    phrase = verify_phrase(("a.txt", 6, 10), cited, lookup)
    assert phrase is not None and phrase.quote == "beta"
    assert verify_phrase(("a.txt", 11, 24), cited, lookup) is None  # crosses the citation's end
    assert verify_phrase(("b.txt", 0, 3), cited, lookup) is None
    assert verify_phrase(None, cited, lookup) is None and verify_phrase(("a.txt", 0, 3), (), lookup) is None
