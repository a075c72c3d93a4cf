"""A document's extractive summary, made once when it is indexed: its lede (the first sentence
that says something, a dateline left out), then the sentences most central to the document
that add something new (maximal marginal relevance over the sentence vectors indexing made, the
earlier preferred),
until it reads about ``min_words`` words (never past ``max_words``), in the document's order."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.core.news import BOILERPLATE_LINE, CREDITS
from qa.core.schema import Document
from qa.core.text import is_heading, is_question
from qa.core.trust import looks_like_instruction

MIN_SENTENCE_WORDS = 6  # shorter "sentences" (captions, credits, fragments) say too little to summarise
NOVELTY = 0.5  # maximal marginal relevance: weight of centrality against likeness to what is chosen
POSITION = 0.1  # what a sentence loses per sentence before it: news says what matters first
DATELINE = CREDITS["source"]  # "WASHINGTON (CNN) -- ", "(Bloomberg) — ": the story starts after it
_WORD = re.compile(r"\S+")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _summarisable(text: str) -> bool:
    """Whether a sentence can stand in a summary: a statement of some length, not a heading,
    question, credit line, boilerplate or instruction to a reader."""
    return (_words(text) >= MIN_SENTENCE_WORDS and not is_heading(text) and not is_question(text)
            and not looks_like_instruction(text) and not BOILERPLATE_LINE.match(text)
            and not any(p.match(text) for key, p in CREDITS.items() if key != "source"))


def summarize(document: Document, spans: Sequence[tuple[int, int]], vectors: np.ndarray, min_words: int = 60,
              max_words: int = 120) -> tuple[tuple[int, int], ...]:
    """The spans of ``document``'s summary, in document order.

    Args:
        document: the document (offsets refer to its text).
        spans: its sentences' (start, end), in order, as indexing split them.
        vectors: one normalised vector per span (as stored for retrieval).
        min_words: sentences are added until the summary reads at least this many words...
        max_words: ... and none that would take it past this many.

    Returns:
        (start, end) spans of the text: whole sentences, the first without a dateline.
    """
    text = document.text
    usable = [i for i, (s, e) in enumerate(spans) if _summarisable(text[s:e])]
    if not usable:
        return ()
    lede = usable[0]
    start, end = spans[lede]
    if (m := DATELINE.match(text[start:end])) and _words(text[start + m.end() : end]) >= MIN_SENTENCE_WORDS:
        start += m.end()
    chosen = {lede: (start, end)}
    words = _words(text[start:end])
    matrix = np.asarray(vectors, dtype=np.float32)[usable]
    centroid = matrix.mean(axis=0)
    centrality = matrix @ (centroid / (np.linalg.norm(centroid) or 1.0))
    picked = [0]
    while words < min_words:
        best, best_score = None, -np.inf
        likeness = (matrix @ matrix[picked].T).max(axis=1)
        for row, i in enumerate(usable):
            s, e = spans[i]
            if i in chosen or words + _words(text[s:e]) > max_words:
                continue
            score = NOVELTY * centrality[row] - (1 - NOVELTY) * likeness[row] - POSITION * row
            if score > best_score:
                best, best_score = row, score
        if best is None:
            break
        chosen[usable[best]] = spans[usable[best]]
        picked.append(best)
        words += _words(text[slice(*spans[usable[best]])])
    return tuple(chosen[i] for i in sorted(chosen))
