"""The answer stage's front: reads the question's shape (qa/answer/shapes.py) and hands it to
the composer of that shape, or to the answerer of the settings (a factoid to the judge; with an
LLM, every shape a composer does not answer from what indexing made)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from qa.answer.overview import compose_overview
from qa.answer.selection import Selector
from qa.answer.shapes import shape_of
from qa.answer.source import compose_source
from qa.answer.types import Answerer, Draft, Evidence
from qa.core.schema import Hit


class ShapedAnswerer:
    """An Answerer: overview and source questions are answered from what indexing made (the
    summaries, the credits); with the extractive judge (``selector``), statements, lists,
    reasons, reactions, comparisons, definitions and yes/no questions by its composers; every
    other question by ``base``."""

    def __init__(self, base: Answerer, evidence: Evidence, selector: Selector | None = None) -> None:
        self.base = base
        self.evidence = evidence
        self.selector = selector
        self.name = base.name
        self.model = base.model

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        *_, draft = self.stream(question, hits)
        assert isinstance(draft, Draft)
        return draft

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]:
        shape = shape_of(question)
        composed: Draft | None = None
        if shape.kind == "overview":
            composed = compose_overview(hits, self.evidence, shape.subject)
        elif shape.kind == "source":
            composed = compose_source(shape.asks, hits, self.evidence, shape.subject)
        elif shape.kind != "factoid" and self.selector is not None and hits:
            composed = self.selector.compose(question, shape, self.selector.candidates(question, hits))
        if composed is not None:
            yield from re.findall(r"\S+\s*", composed.text)
            yield composed
            return
        for piece in self.base.stream(question, hits):
            yield replace(piece, shape=shape.kind) if isinstance(piece, Draft) else piece

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        return self.base.rewrite(question, history)


def shape_thresholds(factoid: float, fitted: Mapping[str, float]) -> dict[str, float]:
    """Each shape's threshold: the fitted one where the judge's card has it, else the factoid's."""
    return {"factoid": factoid, **fitted}
