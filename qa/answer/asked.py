"""What a question asks for must be what the sentence states: a role (chief financial officer is
not chief executive officer), a quantity (revenue is not market value), an entity (a company the
sentence and its context never name). General checks over the question's words, not one
document's."""

from __future__ import annotations

import re

from qa.core.text import terms

ROLE = re.compile(
    r"\b(?:chief\s+[a-z]+\s+officer|c[efot]o|cmo|cio|chair(?:man|woman|person)?|(?:vice[\s-])?president"
    r"|minister|secretary|spokes(?:man|woman|person)|governor|mayor|senator|treasurer|ambassador|chancellor"
    r"|commissioner|general\s+counsel)\b", re.IGNORECASE)  # titles, not roles a verb says ("directed by")
QUANTITY = re.compile(
    r"\b(?:net\s+)?(?:revenues?|sales|profits?|earnings|income|loss(?:es)?|prices?|costs?|valuation|budget|salary"
    r"|salaries|wages?|population|debt|deficit|margins?|dividends?|fees?|market\s+(?:value|cap(?:italization)?)"
    r"|turnover|gdp|unemployment|inflation|interest\s+rates?|headcount|employees|workforce|attendance"
    r"|enrollment|ticket\s+sales)\b", re.IGNORECASE)
ASKS_FIGURE = re.compile(r"^\s*(?:how\s+(?:much|many|big|large)|what\s+(?:is|was|are|were|will\s+be)\b)",
                         re.IGNORECASE)
FIGURE = re.compile(r"\d")
NAME = re.compile(r"[\w’'&-]+")  # a question's words; those capitalised but its first are names
WHEN_CLAUSE = re.compile(r"(?<=\w)\s+(?:since|after|before|until|while|during|when|once)\s+(?=\w)", re.IGNORECASE)
CONTEXT = 300  # characters before a sentence that may name what it speaks of ("the company", "it")


def asks_other(question: str, sentence: str, context: str) -> str | None:
    """What the question asks for that ``sentence`` does not state, or None.

    Args:
        question: the question as it reads on its own.
        sentence: the candidate answer sentence.
        context: what the sentence may lean on for the names it implies: its document's title
            and the text just before it.

    Returns:
        "role", "quantity" or "entity" when the sentence speaks of another one, else None.
    """
    said = set(terms(sentence))
    for role in ROLE.finditer(question):
        if not set(terms(role.group(0))) <= said:
            return "role"
    if ASKS_FIGURE.search(question):
        for quantity in QUANTITY.finditer(question):
            if not set(terms(quantity.group(0))) <= said or not FIGURE.search(sentence):
                return "quantity"
    around = set(terms(f"{context} {sentence}"))
    asked = WHEN_CLAUSE.split(question, maxsplit=1)[0]  # "... since ChatGPT came out": when, not what
    if any(not set(terms(name)) <= around for name in NAME.findall(asked)[1:] if name[:1].isupper()):
        return "entity"
    return None
