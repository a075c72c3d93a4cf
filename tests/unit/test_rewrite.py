from qa.answer.rewrite import entities, standalone_question

HISTORY = [
    {"role": "user", "content": "Who co-founded Alibaba?"},
    {"role": "assistant", "content": "The internet company co-founded by Jack Ma plans to spend more."},
]


def test_its_is_replaced_by_the_subject_of_the_last_question() -> None:
    assert standalone_question("How much did its shares fall?", HISTORY) == (
        "How much did Alibaba's shares fall?"
    )


def test_he_is_replaced_by_a_person_named_in_the_conversation() -> None:
    assert standalone_question("What else did he do?", HISTORY) == "What else did Jack Ma do?"


def test_the_company_is_resolved_when_there_is_no_pronoun() -> None:
    assert standalone_question("How far did the company shares fall?", HISTORY) == (
        "How far did Alibaba shares fall?"
    )


def test_questions_without_history_or_pronouns_are_unchanged() -> None:
    assert standalone_question("How much did its shares fall?", []) == "How much did its shares fall?"
    assert standalone_question("Who leads Meta?", HISTORY) == "Who leads Meta?"


def test_entities_skip_leading_question_words() -> None:
    assert entities("Who is Alibaba's chief executive?") == ["Alibaba"]
