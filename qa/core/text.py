"""Text handling shared by the stages: words and terms (BM25, answer selection) and sentence
spans with exact offsets into a document's original text."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import lru_cache

import pysbd
import Stemmer

WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?|\$|%")

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t don shouldn wasn weren won isn aren didn doesn hadn hasn haven
    mustn needn shan also may might must shall ever many much per whose
    """.split()
)

_stemmer = Stemmer.Stemmer("english")

# Irregular forms a stemmer leaves apart ("said" / "say"), and spans of time or counts that
# are written either way ("a decade" / "ten years"). General English, not tuned to a corpus.
IRREGULAR = dict(
    pair.split(":")
    for pair in """
    said:say says:say told:tell bought:buy sold:sell made:make went:go gone:go gave:give
    given:give took:take taken:take began:begin begun:begin led:lead won:win held:hold
    built:build spent:spend paid:pay grew:grow grown:grow rose:rise risen:rise fell:fall
    fallen:fall brought:bring thought:think found:find left:leave met:meet sent:send
    known:know knew:know wrote:write written:write chose:choose chosen:choose drove:drive
    driven:drive ran:run came:come became:become kept:keep lost:lose meant:mean saw:see
    seen:see stood:stand taught:teach fought:fight caught:catch sought:seek struck:strike
    spoke:speak spoken:speak broke:break broken:break froze:freeze wore:wear worn:wear
    children:child men:man women:woman people:person mice:mouse feet:foot teeth:tooth
    """.split()
)
EQUIVALENT = {
    "decade": "ten years", "decades": "tens years", "century": "hundred years",
    "centuries": "hundreds years", "millennium": "thousand years", "fortnight": "two weeks",
    "dozen": "twelve", "annual": "yearly", "annually": "yearly", "percent": "%",
}
# Written in capitals only ("US", not the pronoun "us"): common titles and abbreviations.
ABBREVIATIONS = {
    "CEO": "chief executive officer", "CFO": "chief financial officer",
    "CTO": "chief technology officer", "COO": "chief operating officer",
    "AI": "artificial intelligence", "AGI": "artificial general intelligence",
    "US": "united states", "USA": "united states", "UK": "united kingdom", "EU": "european union",
    "UN": "united nations", "GDP": "gross domestic product", "IPO": "initial public offering",
}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def _fold(word: str) -> str:
    word = word.lower().replace("’", "'")
    return word[:-2] if word.endswith("'s") else word


def terms(text: str) -> list[str]:
    """Stemmed content terms: the tokens BM25 and overlap scores compare.

    Irregular forms are folded to their base ("said" -> "say"), a few spans of time and
    common abbreviations are written out ("decade" -> "ten years", "CEO" -> "chief executive
    officer"), so either wording matches the other.
    """
    out: list[str] = []
    for raw in WORD.findall(text):
        if raw in ABBREVIATIONS:
            out.extend(stem(x) for x in ABBREVIATIONS[raw].split())
            continue
        w = _fold(raw)
        if w in STOPWORDS or w in {"$", "%"}:
            continue
        if w in EQUIVALENT:
            out.extend(stem(x) for x in EQUIVALENT[w].split() if x not in {"$", "%"})
            continue
        out.append(stem(IRREGULAR.get(w, w)))
    return out


def weighted_coverage(question_terms: Sequence[str], text_terms: set[str], idf: Callable[[str], float]) -> float:
    """IDF-weighted share of the question's content terms that occur in a text."""
    total = sum(idf(t) for t in question_terms)
    if total == 0:
        return 0.0
    return sum(idf(t) for t in question_terms if t in text_terms) / total

_segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
_STARTS_MID_SENTENCE = re.compile(r"^\W*[a-z]|^[’'](?:s|re|ve|ll|d)\b")


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``, shifted by ``offset``, whitespace trimmed.

    pysbd does the splitting; a piece that starts in lower case or with a possessive
    ("Nvidia Corp.’s ...", "Holding Ltd. pledged ...") is joined back to the one before it.
    """
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _segmenter.segment(text):
        start = text.find(piece.sent, cursor) if text[piece.start : piece.end] != piece.sent else piece.start
        if start < 0:
            continue
        end = start + len(piece.sent)
        cursor = end
        body = text[start:end]
        start += len(body) - len(body.lstrip())
        end -= len(body) - len(body.rstrip())
        if end <= start:
            continue
        if spans and _STARTS_MID_SENTENCE.match(text[start:end]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [(s + offset, e + offset) for s, e in spans]


QUESTION_END = re.compile(r"\?[\"'”’)\]]*\s*$")
SENTENCE_END = re.compile(r"[.!?…:;\"'”’)\]]\s*$")
MINOR_WORDS = frozenset("a an and as at but by for from in of on or the to vs with".split())


def is_question(sentence: str) -> bool:
    """Whether a sentence asks rather than states (a question is never an answer)."""
    return bool(QUESTION_END.search(sentence))


def is_heading(sentence: str) -> bool:
    """Whether a "sentence" is a heading: short, no closing punctuation, its words
    capitalised as in a title ("What Bloomberg Intelligence Says"). It names a topic and
    answers nothing."""
    words = [w for w in re.findall(r"[^\W\d_][\w’'&-]*", sentence)]
    if not words or len(words) > 12 or SENTENCE_END.search(sentence):
        return False
    return all(w[0].isupper() for w in words if w.lower() not in MINOR_WORDS)


def page_of(pages: tuple[int, ...], offset: int) -> int | None:
    """The 1-based page holding ``offset``, for a text with page starts ``pages``."""
    if not pages:
        return None
    return bisect_right(pages, offset)
