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


# Text that addresses a model rather than a reader: prompt injection, never evidence.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:previous|prior|above|earlier|all|any|your)\b"
    r"[^.!?]{0,30}\b(?:instructions?|prompts?|directions?|rules|guidelines|context)\b"
    r"|\byou\s+are\s+now\b|\bsystem\s+prompt\b|\bnew\s+instructions?\s*:"
    r"|\b(?:as\s+an?\s+)?(?:ai|language\s+model|assistant|chatbot)\s*,?\s+(?:you\s+)?(?:must|should)\b",
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


def looks_like_instruction(sentence: str) -> bool:
    """Whether a sentence of a document is an instruction to an AI (prompt injection) or
    addressed to one, wherever in the sentence: never evidence."""
    return bool(INSTRUCTION.search(sentence) or ADDRESSED.search(sentence))
