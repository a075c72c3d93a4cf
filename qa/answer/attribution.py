"""Who a sentence speaks for: a named person or group is its source when the sentence has them
say, write or think it (a verb of speech, "according to", a quotation they are named beside), or
when it stands in a passage that a heading names them in ("What Bloomberg Intelligence Says")
or that an attribution line signs ("– Robert Lea and Jasmine Lyu, analysts")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.core.news import CREDITS, content_segments
from qa.core.schema import Document
from qa.core.text import is_heading, terms

SPEECH = re.compile(
    r"\b(?:say|says|said|saying|tell|tells|told|write|writes|wrote|written|add|adds|added|note|notes|noted"
    r"|argue|argues|argued|claim|claims|claimed|declare|declares|declared|point(?:s|ed)?\s+out|warn|warns|warned"
    r"|state|states|stated|explain|explains|explained|predict|predicts|predicted|believe|believes|believed"
    r"|think|thinks|thought|according\s+to|estimate|estimates|estimated|expect|expects|expected|announce"
    r"|announces|announced|comment|comments|commented|describe|describes|described|call|calls|called|insist"
    r"|insists|insisted|suggest|suggests|suggested|acknowledge|acknowledges|acknowledged|admit|admits|admitted"
    r"|urge|urges|urged|ask|asks|asked|reply|replies|replied|tweet|tweets|tweeted|post|posts|posted|confirm"
    r"|confirms|confirmed|deny|denies|denied|report|reports|reported|testif(?:y|ies|ied)|recall|recalls"
    r"|recalled|vow|vows|vowed|promise|promises|promised|conclude|concludes|concluded|emphasi[sz]e[sd]?"
    r"|stress|stresses|stressed|contend|contends|contended|maintain|maintains|maintained|no\s+comment)\b",
    re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s?$")
BEFORE, AFTER = 6, 2  # words between a speaker and their verb: "Citigroup analyst Alicia Yap wrote", "said Wu"
PRONOUN_SPEAKER = re.compile(r"\b(?:he|she|they|we)\s+(?:\w+\s+)?(?:said|says|told|added|wrote|noted|argued)\b",
                             re.IGNORECASE)
ATTRIBUTION = CREDITS["attribution"]
SPEAKER_WORDS = frozenset("also other some many most several".split())  # "some analysts": analysts


def speaker_terms(speaker: str) -> tuple[set[str], set[str]]:
    """A speaker as (the terms that must be present, the owner's terms that may be implied):
    "Citigroup's analyst" -> ({"analyst"}, {"citigroup"}); "Eddie Wu" -> ({"eddi", "wu"}, set())."""
    owner, _, head = speaker.rpartition("’s " if "’s " in speaker else "'s ")
    head_terms = {t for t in terms(head) if t not in SPEAKER_WORDS}
    return head_terms, set(terms(owner))


def sections(document: Document) -> list[tuple[int, int, str]]:
    """Passages a heading or an attribution line names the source of: (start, end, who), where
    who is the heading's and the signing line's text."""
    out: list[tuple[int, int, str]] = []
    start, heading = None, ""
    for s, e in document.segments or content_segments(document.text):
        line = document.text[s:e]
        if is_heading(line):
            start, heading = e, line
        elif (m := ATTRIBUTION.match(line)) is not None:
            begin = start if start is not None else (out[-1][1] if out else 0)
            out.append((begin, s, f"{heading} {m.group('value')}"))
            start, heading = None, ""
    if start is not None and heading:
        out.append((start, len(document.text), heading))
    return out


def speaks_for(speaker: str, document: Document, span: tuple[int, int],
               signed: Sequence[tuple[int, int, str]]) -> bool:
    """Whether the sentence at ``span`` of ``document`` has ``speaker`` as its source."""
    head, owner = speaker_terms(speaker)
    if not head:
        return False
    start, end = span
    sentence = document.text[start:end]
    if owner and not owner <= set(terms(document.title)) | set(terms(document.text)):  # read only if owned
        return False
    for s, e, who in signed:
        if s <= start and end <= e and head <= set(terms(who)):
            return True
    if any(_beside(head, speaker, sentence, verb) for verb in SPEECH.finditer(sentence)):
        return True
    if PRONOUN_SPEAKER.search(sentence):  # "..., he said": the speaker named just before
        before = set(terms(document.text[max(0, start - 300) : start]))
        return head <= before
    return False


def _beside(head: set[str], speaker: str, sentence: str, verb: re.Match[str]) -> bool:
    """Whether the speaker is named next to a verb of speech: just before it or right after it."""
    before = sentence[: verb.start()].split()[-BEFORE:]
    after = sentence[verb.end() :].split()[:AFTER]
    # "Anne Frank's friends describe ...": an owner named beside the verb is not the one speaking
    near = set(terms(" ".join(w for w in before + after if not POSSESSIVE.search(w))))
    return head <= near or _surname(head, near, speaker)


def _surname(head: set[str], said: set[str], speaker: str) -> bool:
    """A person named in full in the question, by surname in the sentence ("Wu's reference")."""
    words = speaker.split()
    return len(words) >= 2 and all(w[:1].isupper() for w in words) and bool(set(terms(words[-1])) & said)
