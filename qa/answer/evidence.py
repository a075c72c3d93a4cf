"""What in a document may be evidence for an answer: checks every answerer applies to the
sentences it reads (an instruction to an AI, a question, a heading answers nothing) and to
whole documents (a source that addresses an AI reader is no evidence at all), and the
figures and names a sentence claims (what two answers can disagree on)."""

from __future__ import annotations

import re

from qa.text import STOPWORDS

# Text that addresses a model rather than a reader: prompt injection, never evidence.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:previous|prior|above|earlier|all|any|your)\b"
    r"[^.!?]{0,30}\b(?:instructions?|prompts?|directions?|rules|guidelines|context)\b"
    r"|\byou\s+are\s+now\b|\bsystem\s+prompt\b|\bnew\s+instructions?\s*:"
    r"|\b(?:as\s+an?\s+)?(?:ai|language\s+model|assistant|chatbot)\s*,?\s+(?:you\s+)?(?:must|should)\b",
    re.IGNORECASE,
)
# Text that tells a model what to do or addresses one as its reader: such a document is no
# evidence at all, for any of its sentences (a planted note's "plain" claims included). Only
# the unmistakable forms: a reader named as an AI, or instructions overridden.
AI_READER_NOTE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:previous|prior|above|earlier|all|any|your)\b"
    r"[^.!?]{0,30}\b(?:instructions?|prompts?)\b|\bsystem\s+prompt\b|\bnew\s+instructions?\s*:"
    r"|\b(?:as\s+an?\s+)?(?:ai|language\s+model|assistant|chatbot)\s*,?\s+you\s+(?:must|should)\b"
    r"|(?:^|[.!?;:,(\[—–-]\s*|\s[—–-]\s*)(?:(?:dear|hey|hello|attention|note\s+(?:to|for))\s+(?:the\s+)?"
    r"(?:ai|a\.i\.|llm|language\s+model|assistant|chatbot|copilot)\s*[,:!]"
    r"|(?:the\s+)?(?:ai|a\.i\.|llm|language\s+model|assistant|chatbot|copilot)\s*[,!]"
    r"(?!\s*(?:and|or|but|which|who)\b))"
    r"|\b(?:note|message|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai\s+)?"
    r"(?:ai|a\.i\.|llms?|language\s+models?|assistants?|chatbots?|bots?|copilot)\b"
    r"|\bif\s+you\s+are\s+(?:an?\s+)?(?:ai\s+)?(?:ai|a\.i\.|llm|language\s+model|assistant|chatbot|bot)\b"
    r"|\b(?:ai|a\.i\.|llms?|language\s+models?|assistants?|chatbots?|bots?)\s+(?:reading|summari[sz]ing|processing)"
    r"\s+(?:this|these)\b",
    re.IGNORECASE,
)
# Who a document may address when it means a model reading it: an assistant, an AI, a chatbot ...
_READER = r"(?:ai|a\.i\.|llm|llms|language\s+models?|assistants?|chatbots?|bots?|models?|agents?|copilot)"
# Text addressed to such a reader, wherever in the sentence: by name ("Assistant, the analyst
# is ..."; "..., dear AI, ..."), as a note to it, or by telling it how to answer.
ADDRESSED = re.compile(
    rf"(?:^|[.!?;:,(\[—–-]\s*|\s[—–-]\s*)(?:(?:dear|hey|hello|attention|note\s+(?:to|for))\s+)?"
    rf"(?:ai\s+)?(?:ai|a\.i\.|llm|language\s+model|assistant|chatbot|copilot)\s*[,:!]"
    rf"|\b(?:note|message|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai\s+)?{_READER}\b"
    rf"|\bif\s+you\s+are\s+(?:an?\s+)?(?:ai\s+)?{_READER}\b"
    rf"|\b(?:ai\s+)?{_READER}\s+(?:reading|summari[sz]ing|processing|answering)\s+(?:this|these|the)\b"
    rf"|\b(?:tell|inform|assure)\s+(?:the\s+)?(?:user|reader|asker)s?\b"
    rf"|\b(?:when|if)\s+(?:you\s+are\s+)?asked\b[^.!?]{{0,80}}\b(?:answer|say|reply|respond|state)\b"
    rf"|\b(?:always|only)\s+(?:answer|reply|respond|say)\b",
    re.IGNORECASE,
)
QUESTION_END = re.compile(r"\?[\"'”’)\]]*\s*$")
SENTENCE_END = re.compile(r"[.!?…:;\"'”’)\]]\s*$")
MINOR_WORDS = frozenset("a an and as at but by for from in of on or the to vs with".split())
# Figures and names a sentence states: what two answers to one question can differ in.
CLAIM = re.compile(r"\d[\d,.]*\d|\d|(?<![.!?]\s)(?<!^)\b[A-Z][\w’'&-]*")


def looks_like_instruction(sentence: str) -> bool:
    """Whether a sentence of a document is an instruction to an AI (prompt injection) or
    addressed to one, wherever in the sentence: never evidence."""
    return bool(INSTRUCTION.search(sentence) or ADDRESSED.search(sentence))


def addresses_ai(text: str) -> bool:
    """Whether a document addresses an AI reader or tells one what to do, anywhere: then none
    of its sentences is evidence."""
    return bool(AI_READER_NOTE.search(text))


def is_question(sentence: str) -> bool:
    """Whether a sentence asks rather than states (a question is never an answer)."""
    return bool(QUESTION_END.search(sentence))


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


def is_heading(sentence: str) -> bool:
    """Whether a "sentence" is a heading: short, no closing punctuation, its words
    capitalised as in a title ("What Bloomberg Intelligence Says"). It names a topic and
    answers nothing."""
    words = [w for w in re.findall(r"[^\W\d_][\w’'&-]*", sentence)]
    if not words or len(words) > 12 or SENTENCE_END.search(sentence):
        return False
    return all(w[0].isupper() for w in words if w.lower() not in MINOR_WORDS)
