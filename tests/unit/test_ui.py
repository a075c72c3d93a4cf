"""The UI's rendering of answers: text shown literally, the answering phrase set off."""

from qa.core.schema import Answer, Citation
from ui.app import answer_message

SENTENCE = "Alibaba's shares slid as much as 3% on *Monday*."


def answer(phrase: Citation | None, text: str = SENTENCE) -> Answer:
    cite = Citation("a.txt", "A", 100, 100 + len(SENTENCE), SENTENCE)
    return Answer("id", "q?", "q?", text, False, (cite,), (), "extractive", "judge", 0.9, phrase=phrase)


def test_the_answering_phrase_is_bold_inside_the_escaped_sentence() -> None:
    lo = SENTENCE.index("3%")
    message = answer_message(answer(Citation("a.txt", "A", 100 + lo, 100 + lo + 2, "3%")))
    assert message.startswith("Alibaba's shares slid as much as **3%** on \\*Monday\\*\\.")
    assert "[\\[1\\]](#qa-cite-1)" in message


def test_without_a_phrase_or_when_the_text_is_not_the_quote_nothing_is_set_off() -> None:
    assert "**" not in answer_message(answer(None))
    lo = SENTENCE.index("3%")
    other = answer(Citation("a.txt", "A", 100 + lo, 100 + lo + 2, "3%"), text="The sources disagree: ...")
    assert "**" not in answer_message(other)


def test_a_list_is_one_bullet_per_part_and_a_paragraph_one_marker_per_sentence() -> None:
    parts = ("Costs *rose* by 4%.", "Shop owners protested.")
    cites = tuple(Citation("a.txt", "A", i * 40, i * 40 + len(p), p) for i, p in enumerate(parts))
    listed = Answer("id", "q?", "q?", "\n".join(f"- {p}" for p in parts), False, cites, (), "extractive", "judge",
                    0.9, layout="list", parts=parts, shape="list")
    lines = answer_message(listed).splitlines()
    assert lines == ["- Costs \\*rose\\* by 4%\\. [\\[1\\]](#qa-cite-1)",
                     "- Shop owners protested\\. [\\[2\\]](#qa-cite-2)"]
    paragraph = Answer("id", "q?", "q?", " ".join(parts), False, cites, (), "extractive", "judge", 0.9,
                       layout="paragraph", parts=parts, shape="overview")
    assert answer_message(paragraph) == ("Costs \\*rose\\* by 4%\\. [\\[1\\]](#qa-cite-1) Shop owners protested\\. "
                                         "[\\[2\\]](#qa-cite-2)")
