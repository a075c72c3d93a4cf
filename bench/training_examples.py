"""Training and validation examples for the answer judge, built from SQuAD articles.

Each example is a question and one passage (a qa chunk: title and sentences), with a label
per sentence: 1 holds a gold answer, 0 does not, -100 unknown (it mentions an answer
string elsewhere; not trained on). Kinds:

- ``positive``: the passage holding the answer sentence (its other sentences are the
  in-paragraph negatives);
- ``removed``: that passage with the answer sentence taken out (same topic, no answer);
- ``other_article``: the best BM25 passage of another article (off-topic, shared words);
- ``same_article``: the best BM25 passage of the same article without the answer;
- ``swap_entity`` / ``swap_number`` / ``swap_role``: the positive passage with the
  question's name, number or role word replaced by one the article never holds, so the
  passage no longer answers it ("the source does not say").

With a ``Paraphraser``, a share of the questions are asked in other words (synonyms for the
words they share with the answer sentence, bench/paraphrase.py) in all their examples, so
that words missing from the passage are not learnt as "the source does not say" unless they
are names or numbers.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import bm25s
import numpy as np

from bench.paraphrase import Paraphraser
from bench.squad import Article, Question
from qa.core.schema import Chunk
from qa.core.text import terms
from qa.index.retrieval import RetrievalConfig

UNKNOWN = -100
# capitalised words that start sentences rather than name things
STOP_NAMES = {"the", "a", "an", "in", "on", "at", "it", "this", "that", "these", "those", "he", "she", "they",
              "however", "after", "before", "during", "since", "although", "while", "when", "as", "by", "for",
              "from", "of", "to", "with", "some", "many", "most", "other", "his", "her", "their", "its", "there",
              "but", "and", "or", "also", "both", "each", "one", "two", "three", "first", "later", "today"}

ENTITY = re.compile(r"[A-Z][\w’'.&-]*(?:\s+(?:of|the|de|and|for|on)?\s*[A-Z][\w’'.&-]*)*")
YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
# Words whose swap turns a question about one role, relation or measure into another.
ROLE_GROUPS = [
    """president chairman chairwoman founder co-founder director manager coach captain governor
    mayor minister chancellor king queen emperor prince princess bishop pope senator secretary
    treasurer editor producer author architect composer CEO CFO owner commander general admiral
    ambassador dean professor principal""",
    """father mother son daughter brother sister wife husband uncle aunt nephew niece grandson
    granddaughter grandfather grandmother successor predecessor rival partner teacher student
    mentor ally""",
    """population area revenue profit budget salary length height weight depth width temperature
    speed price cost capacity debt income tax wage""",
    """first second third last largest smallest oldest newest highest lowest""",
]


@dataclass(frozen=True)
class Example:
    qid: str
    kind: str
    question: str
    title: str
    sentences: tuple[str, ...]
    labels: tuple[int, ...]
    weight: float = 1.0  # of its positive sentences: more where the question shares few words with them
    answer: tuple[int, int, int] | None = None  # positive: (sentence, start, end) of the gold answer in it

    @property
    def says_nothing(self) -> bool:
        """No sentence answers, and none may: the span target is [CLS] (no answer)."""
        return self.kind != "swap_near" and bool(self.labels) and all(lab == 0 for lab in self.labels)


def positive_weight(question: str, sentences: tuple[str, ...], labels: tuple[int, ...]) -> float:
    """1 for an answer sentence holding half the question's terms or more, up to 4 for one
    holding none: paraphrased questions are rare in SQuAD and must not be learnt as refusals."""
    asked = set(terms(question))
    held = {t for s, lab in zip(sentences, labels) if lab == 1 for t in terms(s)}
    share = len(asked & held) / len(asked) if asked else 1.0
    return 1.0 + 3.0 * max(0.0, 0.5 - share) / 0.5


def alias_pattern(answers: tuple[str, ...]) -> re.Pattern[str] | None:
    usable = [a for a in answers if len(a) >= 3]
    if not usable:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(a)}(?!\w)" for a in usable), re.IGNORECASE)


def label_chunk(article: Article, chunk: Chunk, question: Question) -> tuple[int, ...]:
    """1 for a sentence holding a gold answer's start, -100 for one mentioning an answer
    string (or overlapping an answer) otherwise, 0 for the rest."""
    aliases = alias_pattern(question.answers)
    text = article.document.text
    out = []
    for s, e in chunk.sentences:
        if any(s <= a < e for a, _ in question.positions):
            out.append(1)
        elif any(a < e and s < b for a, b in question.positions) or (aliases and aliases.search(text[s:e])):
            out.append(UNKNOWN)
        else:
            out.append(0)
    return tuple(out)


def answer_in(chunk: Chunk, question: Question) -> tuple[int, int, int] | None:
    """The first gold answer starting in a sentence of the chunk: (sentence, start, end),
    offsets within the sentence (cut at its end)."""
    for a, b in question.positions:
        for n, (s, e) in enumerate(chunk.sentences):
            if s <= a < e:
                return n, a - s, min(b, e) - s
    return None


def sentences_of(article: Article, chunk: Chunk) -> tuple[str, ...]:
    return tuple(article.document.text[s:e] for s, e in chunk.sentences)


def question_entities(articles: list[Article]) -> dict[int, list[tuple[str, str]]]:
    """The names the articles' questions use (not their first word), by number of words:
    words -> [(article, name)]."""
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for a in articles:
        for q in a.questions:
            for m in ENTITY.finditer(q.text):
                if m.start() > 0:
                    out[len(m.group(0).split())].append((a.name, m.group(0)))
    return out


class Builder:
    """Builds the examples of one part of the split (its articles only)."""

    def __init__(self, articles: list[Article], seed: int, role_swaps: bool = True,
                 paraphraser: Paraphraser | None = None, paraphrased: float = 0.0, simulated: bool = True,
                 foreign_pool: int | None = None) -> None:
        self.articles = articles
        self.foreign_pool = foreign_pool  # names of other articles tried per article (None: all of them)
        self.role_swaps = role_swaps
        self.simulated = simulated  # the swapped-question kinds
        self.paraphraser = paraphraser
        self.paraphrased = paraphrased  # the share of questions asked in other words
        self.asked_otherwise = 0  # how many were
        self.rng = random.Random(seed)
        self.chunks = [(a, c) for a in articles for c in a.chunks]
        ranking = RetrievalConfig.fitted()
        self.bm25 = bm25s.BM25(k1=ranking.bm25_k1, b=ranking.bm25_b)
        self.bm25.index([terms(f"{c.title}\n{c.text}") for _, c in self.chunks], show_progress=False)
        self.entities = question_entities(articles)
        self._foreign: dict[tuple[str, int], list[str]] = {}
        self._names: dict[str, list[str]] = {}  # article -> the names it holds

    def ranked(self, question: str, n: int = 20) -> list[tuple[Article, Chunk]]:
        q = terms(question)
        if not q:
            return []
        scores = self.bm25.get_scores(q)
        top = np.argsort(-scores)[:n]
        return [self.chunks[i] for i in top if scores[i] > 0]

    def examples(self, max_questions: int | None = None) -> Iterator[Example]:
        for article in self.articles:
            questions = list(article.questions)
            self.rng.shuffle(questions)
            for question in questions[:max_questions]:
                yield from self.for_question(article, question)

    def for_question(self, article: Article, q: Question) -> Iterator[Example]:
        positives = [c for c in article.chunks
                     if any(s <= a < e for s, e in c.sentences for a, _ in q.positions)]
        if not positives:
            return
        chunk = self.rng.choice(positives)
        labels = label_chunk(article, chunk, q)
        sentences = sentences_of(article, chunk)
        asked = q.text
        if self.paraphraser is not None and self.rng.random() < self.paraphrased:
            answer = " ".join(s for s, lab in zip(sentences, labels) if lab == 1)
            asked = self.paraphraser.paraphrase(q.text, answer, chunk.text) or q.text
            self.asked_otherwise += asked != q.text

        def example(kind: str, chunk: Chunk, labels: tuple[int, ...], text: str = asked,
                    sentences: tuple[str, ...] | None = None) -> Example:
            return Example(q.qid, kind, text, chunk.title, sentences or sentences_of(article, chunk), labels)

        yield Example(q.qid, "positive", asked, chunk.title, sentences, labels,
                      positive_weight(asked, sentences, labels), answer_in(chunk, q))
        kept = [(s, lab) for s, lab in zip(sentences_of(article, chunk), labels) if lab != 1]
        if kept and UNKNOWN not in labels:
            yield example("removed", chunk, tuple(lab for _, lab in kept), sentences=tuple(s for s, _ in kept))
        ranked = self.ranked(q.text)
        other = next(((a, c) for a, c in ranked if a.name != article.name), None)
        if other is not None and self.rng.random() < 0.5:  # easy: half of the questions get one
            a, c = other
            yield Example(q.qid, "other_article", asked, c.title, sentences_of(a, c), (0,) * len(c.sentences))
        same = [(c, lab) for a, c in ranked if a.name == article.name and c not in positives
                for lab in [label_chunk(article, c, q)] if 0 in lab and 1 not in lab]
        for c, lab in same[:2]:
            yield example("same_article", c, lab)
        if not self.simulated:
            return
        swapped = self.swap(article, chunk, asked)
        if swapped is not None:
            kind, text = swapped
            yield example(kind, chunk, (0,) * len(labels), text=text)
        near = self.swap_near(article, chunk, labels, asked)
        if near is not None:
            yield example("swap_near", chunk, tuple(0 if lab == 1 else UNKNOWN for lab in labels), text=near)

    def unanswerable(self, article: Article, q: Question) -> Iterator[Example]:
        """A human-written unanswerable question (SQuAD 2.0): the passage holding its
        plausible answer, every sentence 0 and the span target [CLS] (the hard negative), and
        the article's BM25-best other passage, also 0 where it mentions no plausible answer."""
        held = [c for c in article.chunks if any(s <= a < e for s, e in c.sentences for a, _ in q.positions)]
        if not held:
            return
        chunk = self.rng.choice(held)
        yield Example(q.qid, "human_unanswerable", q.text, chunk.title, sentences_of(article, chunk),
                      (0,) * len(chunk.sentences))
        aliases = alias_pattern(q.answers)
        for a, c in self.ranked(q.text, 5):
            if a.name == article.name and c not in held and not (aliases and aliases.search(c.text)):
                yield Example(q.qid, "human_unanswerable_ranked", q.text, c.title, sentences_of(a, c),
                              (0,) * len(c.sentences))
                break

    def swap_near(self, article: Article, chunk: Chunk, labels: tuple[int, ...], question: str) -> str | None:
        """The question about another name of the same article, one the answer sentence does
        not mention: that sentence no longer answers it (the others may: not labelled)."""
        answer = " ".join(article.document.text[s:e] for (s, e), lab in zip(chunk.sentences, labels) if lab == 1)
        asked = [m for m in ENTITY.finditer(question) if m.start() > 0 and m.group(0) in answer]
        if not asked:
            return None
        m = self.rng.choice(asked)
        n = len(m.group(0).split())
        if article.name not in self._names:
            self._names[article.name] = sorted({e.group(0) for e in ENTITY.finditer(article.document.text)})
        pool = [e for e in self._names[article.name] if len(e.split()) == n and e not in answer and e not in question
                and e.lower() not in STOP_NAMES]
        return question[: m.start()] + self.rng.choice(pool) + question[m.end():] if pool else None

    def swap(self, article: Article, chunk: Chunk, question: str) -> tuple[str, str] | None:
        """The question with a name, number or role of the passage replaced by one the
        article never holds; None when the question has nothing to swap."""
        doc = article.document.text.lower()
        options: list[tuple[str, str]] = []
        for m in ENTITY.finditer(question):
            if m.start() > 0 and m.group(0) in chunk.text:
                pool = self.foreign_entities(article, len(m.group(0).split()))
                if pool:
                    options.append(("swap_entity", question[: m.start()] + self.rng.choice(pool) + question[m.end():]))
        for m in NUMBER.finditer(question):
            if m.group(0) in chunk.text:
                options.append(("swap_number", question[: m.start()] + other_number(m.group(0), doc, self.rng)
                                + question[m.end():]))
        for group in ROLE_GROUPS if self.role_swaps else ():
            words = group.split()
            for w in words:
                hit = re.search(rf"\b{re.escape(w)}\b", question, re.IGNORECASE)
                if hit and re.search(rf"\b{re.escape(w)}\b", chunk.text, re.IGNORECASE):
                    pool = [x for x in words if x != w and not re.search(rf"\b{re.escape(x)}\b", doc, re.IGNORECASE)]
                    if pool:
                        options.append(("swap_role", question[: hit.start()] + self.rng.choice(pool)
                                        + question[hit.end():]))
        return self.rng.choice(options) if options else None

    def foreign_entities(self, article: Article, n_words: int) -> list[str]:
        """Names of ``n_words`` words asked about in other articles that this one never holds."""
        key = (article.name, n_words)
        if key not in self._foreign:
            doc = article.document.text.lower()
            others = sorted({e for name, e in self.entities[n_words] if name != article.name})
            if self.foreign_pool is not None and len(others) > self.foreign_pool:  # a sample: each is looked up
                others = sorted(random.Random(f"{article.name}:{n_words}").sample(others, self.foreign_pool))
            self._foreign[key] = [e for e in others if e.lower() not in doc]
        return self._foreign[key]


def other_number(number: str, doc: str, rng: random.Random) -> str:
    """A number near ``number`` (a year within 40 years, else a multiple) that ``doc`` never holds."""
    if YEAR.fullmatch(number):
        candidates = [str(int(number) + d) for d in range(-40, 41) if abs(d) >= 2]
    else:
        value = float(number.replace(",", ""))
        candidates = [str(int(value * f)) if value * f == int(value * f) else f"{value * f:g}"
                      for f in (2, 3, 0.5, 10, 4, 1.5, 7)]
    candidates = [c for c in candidates if c not in doc and c != number]
    return rng.choice(candidates) if candidates else str(int(float(number.replace(",", ""))) + 17)
