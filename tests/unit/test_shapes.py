"""Question shapes and their composers: what a question asks for, and answers built only of
cited sentences of the source (with a keyword judge and hashed vectors: no model)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.answer.asked import asks_other
from qa.answer.attribution import sections, speaks_for
from qa.answer.extractive import ExtractiveAnswerer
from qa.answer.finalize import finalize
from qa.answer.selection import Selector
from qa.answer.shaped import ShapedAnswerer
from qa.answer.shapes import shape_of
from qa.core.schema import Document, Hit
from qa.corpus.ingest import document_from_text
from qa.index.chunking import chunk_document
from qa.index.summaries import summarize
from tests.fakes import FakeEvidence, HashEmbedder, KeywordJudge
from tests.support import CHUNKING, DEFAULTS

STORY = (
    "ROME (Wire) -- The city council of Verona approved a new tram line on Tuesday, a project that will cost "
    "240 million euros over five years.\n\n"
    "The line will link the railway station with the hospital and the university, the council said.\n\n"
    "Mayor Anna Ricci said the tram would cut traffic in the old town by a third. \"This is the biggest "
    "investment in transport the city has made,\" she told reporters.\n\n"
    "Shop owners protested outside the town hall because they fear two years of roadworks.\n\n"
    "Opposition councillor Marco Bini argued that buses would be cheaper and faster to build.\n\n"
    "What The Transport Institute Says\n\n"
    "The tram is a sound plan but a costly one for a city of this size.\n\n"
    "– Laura Conti and Piero Gallo, researchers\n\n"
    "Local shares of builder Costra rose 4% after the vote.\n\n"
    "By Giulia Neri\n"
    "–With assistance from Paolo Sala."
)


@pytest.mark.parametrize(("question", "kind"), [
    ("What is this story about?", "overview"),
    ("Summarize the document.", "overview"),
    ("Give me the key points.", "overview"),
    ("Who wrote this article?", "source"),
    ("Which news agency published the story?", "source"),
    ("Who contributed to the reporting?", "source"),
    ("What did the mayor say?", "statement"),
    ("What does the opposition think of the plan?", "statement"),
    ("Who backs the plan, according to the council?", "statement"),
    ("Which groups are mentioned?", "list"),
    ("What are the main risks?", "list"),
    ("Why did shop owners protest?", "reasons"),
    ("How did investors react to the vote?", "reaction"),
    ("How does the tram compare with buses?", "comparison"),
    ("What is a tram?", "definition"),
    ("Is the project expensive?", "yesno"),
    ("How much will the tram line cost?", "factoid"),
    ("Who is the mayor of Verona?", "factoid"),
    ("Which city approved the tram line?", "factoid"),
])
def test_a_question_reads_as_its_shape(question: str, kind: str) -> None:
    assert shape_of(question).kind == kind


def test_the_shape_carries_who_and_what() -> None:
    assert shape_of("What did Verona's mayor say about the tram?").subject == "Verona's mayor"
    assert shape_of("How does the tram compare with buses?").sides == ("tram", "buses")
    assert shape_of("Who wrote the article?").asks == ("authors",)
    assert not shape_of("What will it cost, according to the council?").strict


@pytest.mark.parametrize(("question", "sentence", "other"), [
    ("Who is the company's chief financial officer?", "Chief Executive Officer Ann Lee spoke.", "role"),
    ("Who is the company's CEO?", "Chief Executive Officer Ann Lee spoke.", None),
    ("What was the firm's revenue last year?", "The firm has a market value of $3 billion.", "quantity"),
    ("What was the firm's revenue last year?", "The firm's revenue was $3 billion.", None),
    ("How much will Tencent spend on AI?", "Microsoft will spend $80 billion on AI.", "entity"),
    ("How much will Microsoft spend on AI?", "Microsoft will spend $80 billion on AI.", None),
    ("What has Acme built since Brexit began?", "Since the vote, Acme has built two plants.", None),
])
def test_a_sentence_must_state_what_is_asked(question: str, sentence: str, other: str | None) -> None:
    assert asks_other(question, sentence, "") == other


def story() -> Document:
    return document_from_text("verona.txt", STORY, "Verona tram", "sha")


def test_a_summary_starts_with_the_lede_without_its_dateline_and_cites_whole_sentences() -> None:
    doc = story()
    spans = sorted({s for c in chunk_document(doc, *CHUNKING) for s in c.sentences})
    summary = summarize(doc, spans, HashEmbedder().embed([doc.text[s:e] for s, e in spans]), min_words=30)
    first = doc.text[slice(*summary[0])]
    assert first.startswith("The city council of Verona approved") and "(Wire)" not in first
    assert all(s in {a for a, _ in spans} or doc.text[s:e] == first for s, e in summary)
    words = sum(len(doc.text[s:e].split()) for s, e in summary)
    assert 30 <= words <= 120
    assert not any("By Giulia" in doc.text[s:e] or "What The" in doc.text[s:e] for s, e in summary)


def test_a_speaker_is_the_source_by_a_verb_of_speech_or_a_signed_passage() -> None:
    doc = story()
    signed = sections(doc)
    sentence = lambda text: (doc.text.index(text), doc.text.index(text) + len(text))  # noqa: E731
    assert speaks_for("Anna Ricci", doc, sentence("Mayor Anna Ricci said the tram would cut traffic in the old "
                                                  "town by a third."), signed)
    assert speaks_for("the mayor", doc, sentence("Mayor Anna Ricci said the tram would cut traffic in the old "
                                                 "town by a third."), signed)
    plan = sentence("The tram is a sound plan but a costly one for a city of this size.")
    assert speaks_for("the Transport Institute", doc, plan, signed)
    assert speaks_for("researchers", doc, plan, signed)
    assert not speaks_for("Marco Bini", doc, plan, signed)
    assert not speaks_for("shop owners", doc, sentence("Shop owners protested outside the town hall because they "
                                                       "fear two years of roadworks."), signed)


def shaped(texts: dict[str, str], threshold: float = 0.0) -> tuple[ShapedAnswerer, list[Hit], FakeEvidence]:
    docs = {n: document_from_text(n, t, n, n) for n, t in texts.items()}
    embedder = HashEmbedder()
    for name, doc in docs.items():
        spans = sorted({s for c in chunk_document(doc, *CHUNKING) for s in c.sentences})
        vectors = embedder.embed([doc.text[s:e] for s, e in spans])
        docs[name] = Document(doc.doc_id, doc.title, doc.text, doc.sha256, doc.segments, doc.metadata, (),
                              summarize(doc, spans, vectors, min_words=20))
    evidence = FakeEvidence(docs, embedder.embed)
    hits = [Hit(c, 1.0) for d in docs.values() for c in chunk_document(d, *CHUNKING)]
    judge = KeywordJudge()
    extractive = ExtractiveAnswerer(judge, evidence, threshold=threshold, max_words=DEFAULTS.answer_words,  # type: ignore[arg-type]
                                    restated=DEFAULTS.restated_cosine)
    selector = Selector(extractive.candidates, evidence, {"factoid": threshold}, DEFAULTS.restated_cosine,
                        extractive.states_what_is_asked)
    return ShapedAnswerer(extractive, evidence, selector), hits, evidence


def answered(question: str, texts: dict[str, str] | None = None, threshold: float = 0.0):  # type: ignore[no-untyped-def]
    answerer, hits, evidence = shaped(texts or {"verona.txt": STORY}, threshold)
    draft = answerer.answer(question, hits)
    return finalize(draft, question, question, hits, answerer.name, answerer.model, evidence.document, {})


def test_every_part_of_a_composed_answer_is_cited_verbatim() -> None:
    for question in ("What is this story about?", "What did the mayor say?", "Which groups are mentioned?",
                     "Why did shop owners protest?", "Who wrote this article?"):
        answer = answered(question)
        assert not answer.abstained and len(answer.parts) == len(answer.citations) >= 1, question
        doc = story()
        for citation in answer.citations:
            assert doc.text[citation.start : citation.end] == citation.quote


def test_an_overview_is_the_summary_made_at_indexing() -> None:
    answer = answered("Summarize the story.")
    assert answer.shape == "overview" and answer.layout == "paragraph"
    assert answer.answer.startswith("The city council of Verona approved a new tram line")


def test_an_overview_of_several_documents_is_one_line_each() -> None:
    answer = answered("What are these documents about?", {"verona.txt": STORY, "b.txt": "Bees make honey in "
                                                          "summer when flowers bloom across the wide valley."})
    assert answer.layout == "list" and len(answer.parts) == 2 and len({c.doc_id for c in answer.citations}) == 2


def test_the_source_comes_from_the_credit_lines() -> None:
    answer = answered("Who wrote the article?")
    assert answer.shape == "source" and answer.parts == ("Written by: Giulia Neri",)
    assert [c.quote for c in answer.citations] == ["Giulia Neri"]
    contributors = answered("Who contributed to the reporting?")
    assert [c.quote for c in contributors.citations] == ["Paolo Sala"]


def test_a_document_without_credits_says_so() -> None:
    answer = answered("Who wrote the article?", {"a.txt": "Bees make honey in summer when flowers bloom."})
    assert answer.abstained and answer.abstention is not None and answer.abstention.reason == "no_credits"


def test_a_statement_comes_only_from_its_speaker() -> None:
    answer = answered("What did Marco Bini argue?")
    assert not answer.abstained and "buses would be cheaper" in answer.answer
    refused = answered("What did Paolo Rossi say about the tram?")
    assert refused.abstained and refused.abstention is not None and refused.abstention.reason == "no_speaker"


def test_a_reason_is_the_sentence_that_gives_the_cause() -> None:
    answer = answered("Why did shop owners protest?")
    assert answer.shape == "reasons" and "because they fear two years of roadworks" in answer.answer


def test_a_list_has_no_repeats_and_at_most_five_items() -> None:
    answer = answered("Which groups are mentioned?")
    assert answer.layout in ("list", "sentence") and len(answer.parts) <= 5
    assert len(set(answer.parts)) == len(answer.parts)
    assert answer.answer == "\n".join(f"- {p}" for p in answer.parts) or len(answer.parts) == 1


def test_a_high_threshold_refuses_a_composed_shape_too() -> None:
    answer = answered("Which groups are mentioned?", threshold=1.0)
    assert answer.abstained and answer.shape == "list"


def test_a_vector_per_sentence_is_what_the_summary_reads() -> None:
    doc = story()
    spans = sorted({s for c in chunk_document(doc, *CHUNKING) for s in c.sentences})
    assert summarize(doc, spans, np.zeros((len(spans), 8))) != ()
