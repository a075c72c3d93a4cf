"""What in a document may be evidence for an answer: checks every answerer applies to the
sentences it reads (an instruction to an AI, a question, a heading answers nothing; a figure
question is answered by a figure), and the figures and names a sentence claims (what two
answers can disagree on). Whole documents that address an AI reader are never evidence
(qa/core/trust.py: retrieval leaves them out)."""

from __future__ import annotations

import re

from qa.core.text import STOPWORDS, is_heading, is_question  # noqa: F401
from qa.core.trust import looks_like_instruction  # noqa: F401 - checks every answerer applies

# Figures and names a sentence states: what two answers to one question can differ in.
CLAIM = re.compile(r"\d[\d,.]*\d|\d|(?<![.!?]\s)(?<!^)\b[A-Z][\w’'&-]*")


# A question that asks for a figure: a count, an amount, an age, a share, a year.
FIGURE_QUESTION = re.compile(
    r"^\s*(?:how\s+(?:many|much|old)\b|what\s+(?:percentage|percent|proportion|number|year|age)\b"
    r"|(?:in|by|during|from|since|until)\s+(?:what|which)\s+year\b|which\s+year\b)", re.IGNORECASE)
_NUMBER_WORDS = ("zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                 "hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|quarter|third|twice|thrice|once|"
                 "single|double|triple|several|few|many|numerous|multiple|couple|handful|none|no|all|most|"
                 "majority|minority|first|second|last|decades?|centuries|century|years?|months?|weeks?|days?|"
                 "hours?|minutes?")
FIGURE = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
HOW_MANY = re.compile(r"^\s*how\s+many\s+([\w-]+)", re.IGNORECASE)
MONEY_NOUN = re.compile(r"dollar|yuan|renminbi|euro|pound|yen|rupee|franc|peso|cent|won\b", re.IGNORECASE)
MONEY = re.compile(
    r"(?:[$€£¥]|\b(?:US|HK|A|C|NZ|S)\$)\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|bn|m|k)\b)?"
    r"|\b\d[\d,.]*\s?(?:million|billion|trillion)?\s?(?:yuan|renminbi|dollars?|euros?|pounds?|yen|rupees?|francs?"
    r"|pesos?)\b", re.IGNORECASE)

WHEN = re.compile(r"\b(?:in|since|by|from|until|during|before|after|of)\s+(?:early\s+|late\s+|mid-?)?"
                  r"(?:1[0-9]{3}|20[0-9]{2})\b", re.IGNORECASE)  # a year named as a time, not a count


def can_state_the_figure(question: str, sentence: str) -> bool:
    """Whether ``sentence`` can answer ``question`` by its kind: a question asking for a figure
    (how many, how much, how old, what year, what percentage ...) is answered only by a sentence
    stating one (a digit or a number word), and "how many <things>" of things that are not money
    not by money amounts or years alone ("How many employees?" is not answered by "$100 billion
    of market value in 2025"). Any other question: True. On SQuAD v1.0 train, 0.4 % of the
    answer sentences of such questions state no figure (the answer is "a small number", "every" ...)."""
    if not FIGURE_QUESTION.search(question):
        return True
    counted = HOW_MANY.search(question)
    if counted and not MONEY_NOUN.search(counted.group(1)):
        sentence = WHEN.sub(" ", MONEY.sub(" ", sentence))
    return bool(FIGURE.search(sentence))


def claims(sentence: str, question: str) -> set[str]:
    """The figures and names a sentence states that the question does not already hold."""
    asked = {w.lower().rstrip("’'s") for w in re.findall(r"[\w’'&-]+", question)}
    found = {m.group(0).lower().replace(",", "").rstrip(".’'s") for m in CLAIM.finditer(sentence)}
    return {c for c in found if c and c not in asked and c not in STOPWORDS}


def names(question: str) -> set[str]:
    """The names a question asks about (capitalised words but its first), lower-cased and
    without a possessive: "How much did Alibaba's shares fall?" -> {"alibaba"}."""
    words = re.findall(r"[\w’'&-]+", question)[1:]
    return {re.sub(r"[’']s$", "", w).lower() for w in words if w[:1].isupper() and w.lower() not in STOPWORDS}


def figures(claimed: set[str]) -> set[str]:
    return {c for c in claimed if c[:1].isdigit()}
