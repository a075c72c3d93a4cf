"""Provenance: what each recent answer rested on, kept for ``/api/answers/{id}``, and the
feedback users give on it (kept with the record, and appended to a JSON lines file so that
it outlives the process)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.errors import NotFound
from qa.schema import Answer, Feedback, Provenance


class AnswerLog:
    """The records of the last ``kept`` answers, each with the embedding model's id. A rated
    answer's record is appended to ``feedback_file`` as one JSON line, as ``serialise`` writes it
    (the edge's serialiser, which the composition root hands in)."""

    def __init__(self, kept: int, embedding_model: str, feedback_file: Path | None,
                 serialise: Callable[[Provenance], dict[str, Any]]) -> None:
        self.kept = kept
        self.embedding_model = embedding_model
        self.feedback_file = feedback_file
        self.serialise = serialise
        self._records: OrderedDict[str, Provenance] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, answer: Answer) -> None:
        record = Provenance(answer, self.embedding_model, time.time())
        with self._lock:
            self._records[answer.answer_id] = record
            while len(self._records) > self.kept:
                self._records.popitem(last=False)

    def get(self, answer_id: str) -> Provenance:
        """The record of an earlier answer.

        Raises:
            NotFound: unknown id (or one no longer kept).
        """
        with self._lock:
            if answer_id not in self._records:
                raise NotFound(f"no answer with id {answer_id!r}")
            return self._records[answer_id]

    def feedback(self, answer_id: str, rating: str, comment: str = "") -> Provenance:
        """Record a user's rating of an answer with its provenance record; returns the record.

        Raises:
            NotFound: unknown id (or one no longer kept).
        """
        with self._lock:
            if answer_id not in self._records:
                raise NotFound(f"no answer with id {answer_id!r}")
            record = dataclasses.replace(self._records[answer_id], feedback=Feedback(rating, comment, time.time()))
            self._records[answer_id] = record
            if self.feedback_file is not None:
                self.feedback_file.parent.mkdir(parents=True, exist_ok=True)
                with open(self.feedback_file, "a", encoding="utf-8") as f:
                    f.write(json.dumps(self.serialise(record), ensure_ascii=False) + "\n")
            return record
