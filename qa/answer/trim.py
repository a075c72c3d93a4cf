"""An answer sentence cut to at most ``max_words``: the run of clauses the judge finds most
likely to answer, and a clause still too long cut by words around the answer phrase."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.answer.calibration import Excerpt
from qa.answer.types import Candidate

if TYPE_CHECKING:
    from qa.answer.judge import Judge

CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+[—–]\s+")  # where a long answer sentence may be cut


class ClauseTrimmer:
    def __init__(self, judge: Judge, max_words: int) -> None:
        self.judge = judge
        self.max_words = max_words

    def trim(self, question: str, best: Candidate) -> tuple[int, int]:
        """Cut a sentence longer than ``max_words`` to the run of clauses (split at , ; : —)
        within the budget that the judge finds most likely to answer; a clause longer than
        that is cut by words."""
        if len(best.text.split()) <= self.max_words:
            return best.start, best.end
        bounds = [0, *(m.end() for m in CLAUSE_BREAK.finditer(best.text)), len(best.text)]
        windows: list[tuple[int, int]] = []
        for i in range(len(bounds) - 1):
            j = i + 1
            while j + 1 < len(bounds) and len(best.text[bounds[i] : bounds[j + 1]].split()) <= self.max_words:
                j += 1
            if not windows or windows[-1][1] != bounds[j]:
                windows.append((bounds[i], bounds[j]))
        pieces = [Excerpt(best.title, (best.text[a:b].strip(" ,;:—–"),)) for a, b in windows]
        scores = [float(x[0, 0]) for x in self.judge.judge(question, pieces)]
        lo, hi = windows[scores.index(max(scores))]
        piece = best.text[lo:hi]
        lo += len(piece) - len(piece.lstrip())
        hi = lo + len(best.text[lo:hi].rstrip(" ,;:—–"))
        if len(best.text[lo:hi].split()) > self.max_words:  # one clause too long: cut it by words
            lo, hi = self.cut(question, best.title, best.text, lo, hi)
        return best.start + lo, best.start + hi

    def cut(self, question: str, title: str, text: str, lo: int, hi: int) -> tuple[int, int]:
        """``max_words`` words of ``text[lo:hi]`` around the words the judge's span head finds
        answering (they start a third of the way in)."""
        words = [(lo + m.start(), lo + m.end()) for m in re.finditer(r"\S+", text[lo:hi])]
        found = self.judge.phrase(question, title, text[lo:hi])
        at = 0 if found is None else next((i for i, (_, e) in enumerate(words) if e > lo + found[0]), 0)
        first = max(0, min(at - self.max_words // 3, len(words) - self.max_words))
        return words[first][0], words[first + self.max_words - 1][1]
