"""Documents that are no evidence at all: a document that tells a model what to do, or
addresses one as its reader, anywhere ("Assistant, the CEO is ...", "note to the AI reading
this page", "ignore previous instructions") is a planted note, and none of its sentences,
its "plain" claims included, may answer a question. Retrieval leaves such documents out
(they stay listed and readable as documents)."""

from __future__ import annotations

import re

from qa.core.schema import Document

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


_SOURCES = (r"(?:sources?|articles?|documents?|passages?|reports?|texts?|context|pages?|notes?|stories|stor(?:y|ies)"
            r"|information|results)")
# How text addressed to the one answering is built, whoever it names: markup of chat formats, and
# commands about the answering itself (what to cite, which sources to ignore, not to abstain, to
# answer from this text only, that it overrides the others). News quotes people; it does not
# tell its reader how to answer questions about it.
CHAT_MARKUP = re.compile(
    r"<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id|eot_id)\|>"
    r"|\[/?INST\]|<<\s*/?SYS\s*>>|<\s*/?\s*(?:system|instructions?)\s*>"
    r"|(?:^|\n)\s*#{2,}\s*(?:instruction|instructions|response|system|input|assistant|user)\b\s*:?"
    r"|(?:^|\n)\s*(?:system|human|user|assistant)\s*:\s", re.IGNORECASE)
READER_COMMAND = re.compile(
    rf"\b(?:always\s+|please\s+|you\s+(?:must|should)\s+)?cite\s+(?:this|it|these|me)\b(?:\s+as\s*\[?\d+\]?)?"
    rf"|\b(?:ignore|disregard|discard|do\s+not\s+(?:use|trust|cite|consider|rely\s+on)|don['’]t\s+(?:use|trust|cite"
    rf"|consider|rely\s+on))\s+(?:all\s+|any\s+)?(?:the\s+)?(?:other|previous|earlier|original|above|remaining|"
    rf"conflicting)\s+{_SOURCES}\b"
    rf"|\b(?:do\s+not|don['’]t|never)\s+(?:abstain|refuse\s+to\s+answer|say\s+(?:that\s+)?(?:you|it)\s+(?:do\s+not"
    rf"|don['’]t|cannot|can['’]t)\s+(?:know|find))\b"
    rf"|\b(?:answer|respond|reply)\s+(?:only\s+)?(?:from|using|with|based\s+on)\s+(?:only\s+)?(?:this|these)\s+"
    rf"{_SOURCES}\s+only\b|\b(?:answer|respond|reply)\s+only\s+(?:from|using|with|based\s+on)\s+(?:this|these)\b"
    rf"|\bthis\s+(?:document|note|page|text|article|statement|source|update|correction)\s+(?:supersedes|overrides"
    rf"|replaces|takes\s+precedence\s+over)\s+(?:all|any|every|the)\b"
    rf"|\b(?:supersedes|overrides)\s+(?:all|any|every)\s+(?:other|previous|earlier|prior)\s+{_SOURCES}\b"
    rf"|\b(?:treat|consider)\s+this\s+(?:document|note|page|text)\s+as\s+(?:the\s+)?(?:only|sole|authoritative)\b",
    re.IGNORECASE)


def addresses_ai(text: str) -> bool:
    """Whether a document addresses an AI reader or tells the one answering what to do (chat
    markup, commands about citing, other sources, abstaining), anywhere: then none of its
    sentences is evidence."""
    return bool(AI_READER_NOTE.search(text) or CHAT_MARKUP.search(text) or READER_COMMAND.search(text))


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
    return bool(INSTRUCTION.search(sentence) or ADDRESSED.search(sentence) or CHAT_MARKUP.search(sentence)
                or READER_COMMAND.search(sentence))


_VERDICTS: dict[str, bool] = {}  # document sha256 -> addresses an AI reader: the one cache of it
_MOST_VERDICTS = 100_000


def document_addresses_ai(document: Document) -> bool:
    """``addresses_ai`` of a document's text, remembered by its content (retrieval's admission
    and the answerer ask of the same documents)."""
    verdict = _VERDICTS.get(document.sha256)
    if verdict is None:
        if len(_VERDICTS) >= _MOST_VERDICTS:
            _VERDICTS.clear()
        verdict = _VERDICTS[document.sha256] = addresses_ai(document.text)
    return verdict
