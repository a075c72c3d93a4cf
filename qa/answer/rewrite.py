"""Follow-up questions -> standalone questions, from the conversation's entities."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.core.text import STOPWORDS

PRONOUNS = {
    "it": "{}", "its": "{}'s", "they": "{}", "them": "{}", "their": "{}'s",
    "he": "{}", "him": "{}", "his": "{}'s", "she": "{}", "her": "{}'s",
}
PERSONAL = {"he", "him", "his", "she", "her"}
QUESTION_WORDS = {"who", "what", "when", "where", "which", "why", "how", "whom", "whose", "is", "are",
                  "does", "did", "do", "was", "were", "can", "could", "will", "would", "should"}
ENTITY = re.compile(r"(?:[A-Z][\w&.’'-]*(?:\s+(?:of|de|the|and|&)\s+|\s+)?)+")
PRONOUN = re.compile(r"\b(" + "|".join(PRONOUNS) + r")\b", re.IGNORECASE)
THE_COMPANY = re.compile(r"\bthe\s+(company|firm|group|analyst|ceo|executive|country|city)\b", re.IGNORECASE)


def entities(text: str) -> list[str]:
    """Capitalised phrases of a text (sentence-initial question words left out), in order."""
    out = []
    for m in ENTITY.finditer(text):
        phrase = m.group(0).strip().rstrip(".,’'")
        phrase = re.sub(r"[’']s$", "", phrase)
        tokens = phrase.split()
        while tokens and tokens[0].lower() in QUESTION_WORDS | STOPWORDS:
            tokens = tokens[1:]
        if tokens:
            out.append(" ".join(tokens))
    return out


def standalone_question(question: str, history: Sequence[dict[str, str]]) -> str:
    """Rewrite a follow-up so it can be retrieved on its own.

    Pronouns (it, its, they, he, his, ...) are replaced by the most recent fitting entity
    of the conversation: a person's name (two or more capitalised words) for he/she, and
    the subject of the last question otherwise. A question without pronouns, or without
    history, is returned unchanged.
    """
    question = question.strip()
    if not history or not (PRONOUN.search(question) or THE_COMPANY.search(question)):
        return question
    users = [t["content"] for t in history if t.get("role") == "user"]
    answers = [t["content"] for t in history if t.get("role") == "assistant"]
    subject = next((e for q in reversed(users) for e in entities(q)), None)
    person = next(
        (e for text in reversed([*users, *answers]) for e in entities(text) if len(e.split()) >= 2),
        None,
    )
    if subject is None and person is None:
        return question

    def replace(m: re.Match[str]) -> str:
        word = m.group(1).lower()
        name = (person or subject) if word in PERSONAL else (subject or person)
        return PRONOUNS[word].format(name) if name else m.group(0)

    rewritten = PRONOUN.sub(replace, question, count=1)
    if rewritten == question and subject:
        rewritten = THE_COMPANY.sub(subject, question, count=1)
    return rewritten
