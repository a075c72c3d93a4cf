"""What shape of answer a question asks for, read from its words and structure alone (general
English rules, never one document's words): an overview of what is in scope, the source itself,
what a named person or group said, several items, reasons, a reaction, a comparison, a
definition, yes or no, or one fact (the judge's factoid)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ShapeKind = Literal["overview", "source", "statement", "list", "reasons", "reaction", "comparison", "definition",
                    "yesno", "factoid"]
SHAPES: tuple[ShapeKind, ...] = ("overview", "source", "statement", "list", "reasons", "reaction", "comparison",
                                 "definition", "yesno", "factoid")


@dataclass(frozen=True)
class Shape:
    """A question's shape: its ``kind``; ``subject``: the speaker of a statement, the term of a
    definition, the title an overview or source question names in quotes; ``sides``: the two
    things a comparison compares; ``asks``: for the source shape, which credit it asks for
    (authors, source, contributors, date), else empty; ``strict``: a
    statement is what is asked for (else a fact said by someone, answered as a factoid when no
    sentence of theirs is found)."""

    kind: ShapeKind
    subject: str = ""
    sides: tuple[str, ...] = ()
    asks: tuple[str, ...] = ()
    strict: bool = True  # a statement asked for ("what did X say"), not a fact "according to X"


_DOC = (r"(?:article|story|stories|text|document|documents|piece|report|post|page|news|item|paper|source|sources"
        r"|this|it)")
OVERVIEW = re.compile(
    rf"\b(?:summari[sz]e|summary|sum\s+up|tl;?\s*dr|overview|gist|recap)\b"
    rf"|^\s*(?:so\s*,?\s*)?what(?:'s|\s+is|\s+are|\s+was)\s+(?:this|these|the|that)\s+{_DOC}\s+(?:all\s+)?about\b"
    rf"|^\s*what\s+(?:is|are)\s+(?:it|this|they)\s+about\b"
    rf"|\b(?:main|key|central)\s+(?:points?|ideas?|takeaways?|message|messages|facts?|themes?|topics?)\b"
    rf"|\bwhat\s+(?:does|do|did)\s+(?:this|the|these)\s+{_DOC}\s+(?:say|tell|report|cover|discuss|describe)\s*\??\s*$"
    rf"|\bwhat\s+happened\s+in\s+(?:this|the)\s+{_DOC}\b"
    rf"|\bwhat\s+(?:is|was)\s+the\s+(?:topic|subject|point)\s+of\s+(?:this|the)\s+{_DOC}\b",
    re.IGNORECASE)
SOURCE = re.compile(
    rf"\bwho\s+(?:wrote|writes|authored|published|reported|edited|is\s+the\s+author\s+of|are\s+the\s+authors\s+of)\b"
    rf"[^?]*\b{_DOC}\b"
    rf"|\bwho\s+(?:wrote|authored|published|reported)\s+(?:it|this)\b"
    rf"|\b(?:which|what)\s+(?:news\s+)?(?:organi[sz]ation|outlet|publication|agency|newspaper|paper|site|website"
    rf"|media|publisher|news\s+service|wire\s+service)\b[^?]*\b(?:publish|report|wrote|write|produc|releas|from)"
    rf"|\bwho\s+(?:contributed|helped|assisted)\b[^?]*\b(?:report|article|story|writ)"
    rf"|\b(?:author|authors|byline|reporter|reporters|writer|writers|contributors?)\s+of\s+(?:this|the)\s+{_DOC}\b"
    rf"|\bwho\s+(?:is|are)\s+the\s+(?:author|authors|reporter|reporters|writer|writers|contributors?)\b"
    rf"|\bwhen\s+was\s+(?:this|the)\s+{_DOC}\s+(?:published|written|posted|released|updated)\b"
    rf"|\bwhat\s+is\s+the\s+source\s+of\s+(?:this|the)\s+{_DOC}\b"
    rf"|\bwhere\s+(?:is|was|does)\s+(?:this|the)\s+{_DOC}\s+(?:from|published|come\s+from)\b",
    re.IGNORECASE)
_SPEECH = (r"say|said|says|write|wrote|writes|written|think|thinks|thought|argue|argued|argues|point\s+out"
           r"|pointed\s+out"
           r"|believe|believes|believed|claim|claimed|claims|tell|told|tells|warn|warned|warns|predict|predicted"
           r"|note|noted|notes|state|stated|suggest|suggested|suggests|announce|announced|declare|declared|add|added"
           r"|feel|felt|estimate|estimated|describe|described|call|called|comment|commented|report"
           r"|reported|explain|explained|insist|insisted|admit|admitted|acknowledge|acknowledged|expect|expected"
           r"|predict|conclude|concluded|recommend|recommended|urge|urged|promise|promised|reveal|revealed")
STATEMENT = re.compile(
    rf"^\s*what\s+(?:did|does|do|has|have|had|would|will)\s+(?P<who>.+?)\s+(?:{_SPEECH})\b"
    rf"|^\s*how\s+(?:did|does|do)\s+(?P<how>.+?)\s+(?:view|see|describe|characteri[sz]e|assess|judge|rate|explain"
    rf"|justify|defend)\b"
    rf"|^\s*what\s+(?:is|was|are|were)\s+(?P<whose>.+?)(?:['’]s?)\s+(?:view|views|opinion|opinions|take|position"
    rf"|stance|assessment|argument|arguments|verdict|comment|comments|message|warning|prediction|forecast"
    rf"|estimate|explanation|concern|concerns)\b"
    rf"|\baccording\s+to\s+(?P<per>[^,?.]+)",
    re.IGNORECASE)
REASONS = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?why\b|\bhow\s+come\b|\bfor\s+what\s+reasons?\b|\bwhat\s+(?:is|was|are|were)\s+"
    r"(?:the\s+)?(?:main\s+)?(?:reasons?|causes?|motives?|motivations?|rationale|explanation)\b|\bwhat\s+(?:caused"
    r"|causes|led\s+to|leads\s+to|drove|drives|prompted|explains|is\s+behind|was\s+behind)\b"
    r"|\bwhat\s+(?:is|was|are|were)\s+behind\b", re.IGNORECASE)
REACTION = re.compile(
    r"\bhow\s+(?:did|do|does|have|has|were|was)\b[^?]*\b(?:react|reacted|respond|responded|take|took|receive"
    r"|received|greet|greeted|fare|fared|move|moved|perform|performed)\b"
    r"|\bwhat\s+(?:was|is|were|are|has\s+been)\s+(?:the\s+)?(?:\w+\s+)?(?:reaction|reactions|response|responses"
    r"|impact|effect|effects|consequence|consequences|fallout|outcome|result)\b"
    r"|\bhow\s+did\b[^?]*\b(?:shares?|stocks?|markets?|investors?|prices?)\b"
    r"|\bwhat\s+happened\s+to\b[^?]*\b(?:shares?|stocks?|markets?|prices?)\b", re.IGNORECASE)
COMPARISON = re.compile(
    r"\bcompare[sd]?\b|\bcomparison\b|\bdiffer(?:s|ence|ences)?\s+(?:between|from)\b|\b(?:vs\.?|versus)\s"
    r"|\bhow\s+(?:does|do|did)\b[^?]*\b(?:stack\s+up|measure\s+up)\b", re.IGNORECASE)
SIDES = re.compile(
    r"\bhow\s+(?:does|do|did|is|are)\s+(?P<a1>.+?)\s+compare[sd]?\s+(?:with|to|against)\s+(?P<b1>[^?]+)"
    r"|\bcompare\s+(?P<a2>.+?)\s+(?:with|to|and|against)\s+(?P<b2>[^?]+)"
    r"|\bdifferences?\s+between\s+(?P<a3>.+?)\s+and\s+(?P<b3>[^?]+)"
    r"|(?P<a4>[\w$.’'-]+(?:\s+[\w$.’'-]+){0,3})\s+(?:vs\.?|versus)\s+(?P<b4>[^?]+)", re.IGNORECASE)
_NOT_NOUNS = r"(?:is|was|are|were|do|does|did|has|have|had|will|would|can|could|this|its|his|less|plus|thus)"
# "Which US tech companies are ...", "Which players won ...": a plural thing asked for, then its verb
PLURAL_ASK = re.compile(
    rf"^\s*(?:which|what)\s+(?!{_NOT_NOUNS}\b)(?:[\w-]+\s+){{0,3}}?(?!{_NOT_NOUNS}\b)(?P<noun>[a-z][\w-]*[^s\W']s"
    rf"|people|children|media|criteria)\s+(?!of\b|in\b|on\b|at\b|for\b|to\b|with\b|by\b|from\b)[a-z]+\b",
    re.IGNORECASE)
LIST = re.compile(
    r"^\s*(?:please\s+)?(?:list|enumerate|name\s+(?:the|all|some|any|a\s+few|three|two|several))\b"
    r"|\b(?:are|were)\b[^?]*\b(?:mentioned|named|listed|cited|discussed|involved|raised|highlighted|described)\s*\??\s*$"
    r"|^\s*what\s+(?:are|were)\s+some\b"
    r"|^\s*what\s+(?:are|were)\s+(?:the\s+|some\s+(?:of\s+the\s+)?)?(?:[\w-]+\s+){0,2}(?:risks|concerns|reasons|points"
    r"|factors|challenges|issues|problems|benefits|advantages|disadvantages|steps|examples|plans|options|threats"
    r"|goals|measures|changes|effects|findings|ways|things|details|facts|events|features|criticisms|questions"
    r"|arguments|lessons|priorities|products|ideas)\b"
    r"|^\s*what\s+(?:has|have|had)\s+.+?\s+done\b", re.IGNORECASE)
DEFINITION = re.compile(
    r"^\s*(?:what|who)\s+(?:is|are|was|were)\s+(?:an?\s+)?(?P<term>[^\s?][^?]{0,40}?)\s*\??\s*$"
    r"|^\s*what\s+does\s+(?P<means>.+?)\s+(?:mean|stand\s+for|refer\s+to)\b"
    r"|^\s*(?:define|explain)\s+(?P<define>[^?]+)|\bwhat\s+is\s+meant\s+by\s+(?P<meant>[^?]+)", re.IGNORECASE)
YESNO = re.compile(r"^\s*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might"
                   r"|must|isn['’]t|aren['’]t|wasn['’]t|didn['’]t|doesn['’]t)\b", re.IGNORECASE)
# what a source question asks for, and which credit lines say it
ASKS = (("date", re.compile(r"^\s*when\b|\bdate\b", re.IGNORECASE)),
        ("contributors", re.compile(r"\bcontribut|\bhelped|\bassist", re.IGNORECASE)),
        ("authors", re.compile(r"\bwr(?:o|i)te|\bauthor|\bbyline|\breporter|\bwriter", re.IGNORECASE)),
        ("source", re.compile(r"\bpublish|\borgani[sz]ation|\boutlet|\bpublication|\bagency|\bnewspaper|\bsite"
                              r"|\bmedia|\bsource|\bfrom\b|\bservice", re.IGNORECASE)))
_LEADING = re.compile(r"^(?:the|a|an|its|their|his|her|this|that|these|those)\s+", re.IGNORECASE)
# a "what is X" about one of X's attributes is a factoid, not a definition: the X's Y / the Y of X
_ATTRIBUTE = re.compile(r"['’]s?\s|\b(?:the|this|that|these|those|its|their|his|her|of|in|for|from|as|on|at|by|to|with"
                        r"|about|into|than|like|known|called|used|made|based|often|usually|also|not|one|most)\b|\w(?:ed|ing)\b|\d",
                        re.IGNORECASE)


# a work named by its title in quotes ("Who wrote “The Long Goodbye”?"): the question is about a document
TITLE = re.compile(r"[“\"‘](?:[^”\"’?]+\s){1,}[^”\"’?]+[”\"’]")


def _clean(phrase: str) -> str:
    return _LEADING.sub("", phrase.strip(" ,.;:?!\"'“”")).strip()


def shape_of(question: str) -> Shape:
    """The shape of answer ``question`` asks for (first rule that matches, most specific first).

    Args:
        question: the question as it reads on its own (after the conversation's rewrite).
    """
    q = question.strip()
    about = TITLE.sub("the article", q)  # a quoted title reads as the document it names
    named = _clean(m.group(0)) if (m := TITLE.search(q)) else ""
    if SOURCE.search(about):
        return Shape("source", subject=named,
                     asks=tuple(key for key, pattern in ASKS if pattern.search(about)) or ("source",))
    if OVERVIEW.search(about):
        return Shape("overview", subject=named)
    if m := STATEMENT.search(q):
        who = _clean(next(v for v in (m.group("who"), m.group("how"), m.group("whose"), m.group("per")) if v))
        if who and who.lower() not in {"it", "this", "that", "they", "you", "we", "i"}:
            return Shape("statement", subject=who, strict=not m.group("per"))
    if COMPARISON.search(q):
        m = SIDES.search(q)
        sides = () if m is None else tuple(_clean(v) for v in _pairs(m) if v)
        return Shape("comparison", sides=sides)
    if REASONS.search(q):
        return Shape("reasons")
    if REACTION.search(q):
        return Shape("reaction")
    if LIST.search(q) or PLURAL_ASK.search(q):
        return Shape("list")
    if m := DEFINITION.search(q):
        term = next(v for v in (m.group("term"), m.group("means"), m.group("define"), m.group("meant")) if v)
        if not _ATTRIBUTE.search(term) and len(term.split()) <= 5:
            return Shape("definition", subject=_clean(term))
    if YESNO.search(q):
        return Shape("yesno")
    return Shape("factoid")


def _pairs(m: re.Match[str]) -> tuple[str, str]:
    for n in "1234":
        if m.group(f"a{n}"):
            return m.group(f"a{n}"), m.group(f"b{n}")
    return "", ""
