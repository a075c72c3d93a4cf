"""Documents that are no evidence at all: a document that tells a model what to do, or
addresses one as its reader, anywhere ("Assistant, the CEO is ...", "note to the AI reading
this page", "ignore previous instructions") is a planted note, and none of its sentences,
its "plain" claims included, may answer a question. Retrieval leaves such documents out
(they stay listed and readable as documents)."""

from __future__ import annotations

import re

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


def addresses_ai(text: str) -> bool:
    """Whether a document addresses an AI reader or tells one what to do, anywhere: then none
    of its sentences is evidence."""
    return bool(AI_READER_NOTE.search(text))
