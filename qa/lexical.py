"""Word-level text handling shared by BM25 retrieval and answer selection."""

from __future__ import annotations

import re
from functools import lru_cache

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


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased word tokens, possessives folded (``Alibaba’s`` -> ``alibaba``)."""
    out = []
    for w in WORD.findall(text):
        w = w.lower().replace("’", "'")
        w = w.removesuffix("'s")
        out.append(w)
    return out


def terms(text: str) -> list[str]:
    """Stemmed content terms: the tokens BM25 and overlap scores compare."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in {"$", "%"}]
