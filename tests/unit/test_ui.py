"""The UI's rendering of answers: text shown literally, the answering phrase set off."""

from qa.schema import Answer, Citation
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
