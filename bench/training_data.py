"""What the judge trains and validates on (bench/train_judge.py): which questions, which
passages, how often; built once and kept on disk, so that a resumed run reads exactly the
examples it started with.

Training (never a val or test article of bench/squad.py's split):

- SQuAD v1.0 train (442 articles, 87,387 questions): every question's answer passage, that
  passage without the answer sentence, the article's BM25-best passages without it and, for
  half, another article's; with ``simulated``, also the question with a name or number
  swapped (one the article never holds, or another name of the article);
- SQuAD v1.1 dev's "train" articles: up to ``max_questions`` each, with the simulated
  unanswerable kinds of judge v6 (a name or number swapped);
- SQuAD 2.0's human-written unanswerable questions of those articles, each in
  ``human_repeats`` copies (the only human-written negatives there are);
- SQuAD-shifts' train split of each domain (``shift_questions`` each; 0: all).

Validation is judge v7's, example for example (so its figures compare): the "val"
articles' questions (``val_questions`` each), their human-written unanswerable ones and 300
SQuAD-shifts val questions per domain.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle  # nosec B403: our own cache, written by this module
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.squad import Article, Question, hashed_split, load_articles, shift_articles, split, unanswerable_questions
from bench.training_batches import encode_examples, span_target
from bench.training_examples import Builder, Example
from qa.answer.judge import Encoded

VERSION = 2  # of the example building: a change here makes every cached set stale
FOREIGN_POOL = 400  # names of other articles tried per SQuAD v1.0 article for a swap (all 87k: hours)
HUMAN = ("human_unanswerable", "human_unanswerable_ranked")


@dataclass(frozen=True)
class Mix:
    """Which data, how much of each: everything the examples depend on."""

    data: Path  # SQuAD v1.1 dev: the article split
    squad_train: Path | None  # SQuAD v1.0 train
    squad2: Path | None  # SQuAD 2.0 dev: human-written unanswerable questions
    shifts: Path | None  # SQuAD-shifts folder
    max_questions: int  # per SQuAD v1.1 train article
    val_questions: int  # per val article
    shift_questions: int  # per SQuAD-shifts domain (0: every train question)
    human_repeats: int  # copies of each human-written unanswerable question
    seed: int
    simulated: bool = False  # SQuAD v1.0 train gets the simulated unanswerable kinds too

    def key(self) -> str:
        fields = {k: str(v) for k, v in dataclasses.asdict(self).items()}
        return hashlib.sha256(json.dumps({"version": VERSION, **fields}, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TrainingSet:
    train: list[Example]
    train_encoded: list[Encoded]
    spans: list[tuple[int, int]]  # the answer's word pieces per training example
    val: list[Example]
    val_encoded: list[Encoded]
    parts: dict[str, list[str]]  # the SQuAD v1.1 dev split
    sources: dict[str, int]  # training examples per source

    def kinds(self) -> dict[str, int]:
        return {k: sum(e.kind == k for e in self.train) for k in sorted({e.kind for e in self.train})}


def copies(examples: list[Example], n: int) -> list[Example]:
    """``n`` copies of each example; copies of one question keep apart (another question id)."""
    return [e if i == 0 else dataclasses.replace(e, qid=f"{e.qid}#{i}") for i in range(n) for e in examples]


def human_focus(examples: list[Example], seed: int) -> set[str]:
    """The questions of a short pass aimed at the human-written unanswerable ones (after the
    main run, from its best weights): each of them once (no copies) and as many other
    questions, drawn at random."""
    human = {e.qid for e in examples if e.kind in HUMAN}
    once = {q for q in human if "#" not in q}
    others = sorted({e.qid for e in examples} - human)
    return once | set(random.Random(seed).sample(others, min(len(once), len(others))))


def validation(mix: Mix) -> list[Example]:
    """The val examples of ``mix`` alone (the same as ``build``'s, in seconds and without the
    training set): for judging any weights, e.g. beside a running training."""
    articles = {x.name: x for x in load_articles(mix.data)}
    human = unanswerable_questions(mix.squad2, articles) if mix.squad2 else {}
    return val_examples(mix, articles, split(sorted(articles)), human)


def val_examples(mix: Mix, articles: dict[str, Article], parts: dict[str, list[str]],
                 human: dict[str, list[Question]]) -> list[Example]:
    val_builder = Builder([articles[n] for n in parts["val"]], mix.seed + 1)
    val = list(val_builder.examples(mix.val_questions))
    if mix.squad2:
        val.extend(e for n in parts["val"] for q in human.get(n, [])[: mix.val_questions]
                   for e in val_builder.unanswerable(articles[n], q))
    for path in sorted(mix.shifts.glob("*.json")) if mix.shifts else []:
        b = shift_builder(path, "val", mix.seed + 1)
        val.extend(shift_examples(b, 300, mix.seed + 1))
    return val


def shift_builder(path: Path, part: str, seed: int) -> Builder:
    domain = {x.name: x for x in shift_articles(path)}
    return Builder([domain[n] for n in hashed_split(list(domain))[part]], seed, role_swaps=False, simulated=False)


def shift_examples(b: Builder, limit: int, seed: int) -> list[Example]:
    """``limit`` questions (0: all) of a SQuAD-shifts part, in a seeded order."""
    qs = [(x, q) for x in b.articles for q in x.questions]
    random.Random(seed).shuffle(qs)
    return [e for x, q in qs[: limit or None] for e in b.for_question(x, q)]


def build(mix: Mix, tokenizer: Any) -> TrainingSet:
    articles = {x.name: x for x in load_articles(mix.data)}
    parts = split(sorted(articles))
    builder = Builder([articles[n] for n in parts["train"]], mix.seed, role_swaps=False)
    sources: dict[str, list[Example]] = {"squad-v1.1-train": list(builder.examples(mix.max_questions))}
    human = unanswerable_questions(mix.squad2, articles) if mix.squad2 else {}
    if mix.squad2:
        negatives = [e for n in parts["train"] for q in human.get(n, []) for e in builder.unanswerable(articles[n], q)]
        sources["squad2-human"] = copies(negatives, mix.human_repeats)
    for path in sorted(mix.shifts.glob("*.json")) if mix.shifts else []:
        sources[f"shifts-{path.stem}"] = shift_examples(shift_builder(path, "train", mix.seed),
                                                        mix.shift_questions, mix.seed)
    if mix.squad_train:
        big = load_articles(mix.squad_train)
        assert not {a.name for a in big} & set(articles), "SQuAD v1.0 train shares an article with the dev split"
        sources["squad-v1.0-train"] = list(Builder(big, mix.seed + 2, role_swaps=False, simulated=mix.simulated,
                                                   foreign_pool=FOREIGN_POOL).examples())
    val = val_examples(mix, articles, parts, human)
    train = [e for examples in sources.values() for e in examples]
    train_encoded, val_encoded = encode_examples(tokenizer, train), encode_examples(tokenizer, val)
    spans = [span_target(tokenizer, e, x) for e, x in zip(train, train_encoded)]
    return TrainingSet(train, train_encoded, spans, val, val_encoded, parts,
                       {name: len(xs) for name, xs in sources.items()})


def cached(mix: Mix, tokenizer: Any, folder: Path) -> TrainingSet:
    """The training set of ``mix``, from ``folder`` when built before (written whole or not at all)."""
    path = folder / f"examples-{mix.key()}.pickle"
    if path.is_file():
        with open(path, "rb") as f:
            return pickle.load(f)  # nosec B301: written by build() below, in our own folder
    made = build(mix, tokenizer)
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as f:
        pickle.dump(made, f, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)
    return made
