"""The judge's training examples as model inputs: encoded passages, span targets, batches of
whole questions, label and weight tensors (for bench/train_judge.py)."""

from __future__ import annotations

import random
from collections import defaultdict

import torch

from bench.training_examples import UNKNOWN, Example
from qa.answer.judge import Encoded, Excerpt, encode_all

IGNORE = -100  # no span target: the passage may or may not answer


def encode_examples(tokenizer, examples: list[Example]) -> list[Encoded]:
    return [encode_all(tokenizer, e.question, [Excerpt(e.title, e.sentences)])[0] for e in examples]


def span_target(tokenizer, example: Example, encoded: Encoded) -> tuple[int, int]:
    """Word-piece positions of the gold answer in the input; (0, 0), [CLS], for a passage that
    says nothing; ``IGNORE`` where unknown or cut off the input."""
    if example.says_nothing:
        return 0, 0
    if example.answer is None:
        return IGNORE, IGNORE
    n, lo, hi = example.answer
    offsets = tokenizer(example.sentences[n], add_special_tokens=False, truncation=True, max_length=256,
                        return_offsets_mapping=True)["offset_mapping"]
    pieces = [i for i, (a, b) in enumerate(offsets) if a < hi and lo < b]
    owned = [i for i, owner in enumerate(encoded.sentence_ids) if owner == n + 1]
    if not pieces or not owned or pieces[-1] >= len(owned):
        return IGNORE, IGNORE
    return owned[pieces[0]], owned[pieces[-1]]


def batches(examples: list[Example], encoded: list[Encoded], size: int, rng: random.Random,
            questions: set[str] | None = None) -> list[list[int]]:
    """Batches of whole questions (all of a question's passages together, so the listwise
    loss can compare them), questions of similar length together, in shuffled order; only
    the ``questions`` given, when given."""
    by_question: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        if questions is None or e.qid in questions:
            by_question[e.qid].append(i)
    groups = list(by_question.values())
    rng.shuffle(groups)
    length = lambda g: sum(len(encoded[i].input_ids) for i in g) / len(g)
    out: list[list[int]] = []
    for i in range(0, len(groups), size * 100):
        batch: list[int] = []
        for g in sorted(groups[i : i + size * 100], key=length):
            batch.extend(g)
            if len(batch) >= size:
                out.append(batch)
                batch = []
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def weights_tensor(batch: list[Example], n: int) -> torch.Tensor:
    """Per sentence: the example's positive weight on its answer sentences, 1 elsewhere."""
    return torch.tensor([[e.weight if lab == 1 else 1.0 for lab in e.labels[:n]] + [1.0] * (n - len(e.labels[:n]))
                         for e in batch])


def labels_tensor(batch: list[Example], n: int) -> torch.Tensor:
    return torch.tensor([list(e.labels[:n]) + [UNKNOWN] * (n - len(e.labels[:n])) for e in batch], dtype=torch.float)
