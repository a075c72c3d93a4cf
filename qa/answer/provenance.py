"""Provenance: what each recent answer rested on, kept for ``/api/answers/{id}``, and the
feedback users give on it (kept with the record, and appended to a JSON lines file so that
it outlives the process).

One rating per answer: a new one replaces the last (the same one again changes nothing). The
file gets the whole record with an answer's first rating and a short line for each change,
and never grows past its size limit (StorageFull then, and nothing is changed)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.core.errors import NotFound, StorageFull
from qa.core.schema import Answer, Feedback, Provenance


class AnswerLog:
    """The records of the last ``kept`` answers, each with the embedding model's id. A rated
    answer's record is appended to ``feedback_file`` as one JSON line, as ``serialise`` writes it
    (the edge's serialiser, which the composition root hands in)."""

    def __init__(self, kept: int, embedding_model: str, feedback_file: Path | None,
                 serialise: Callable[[Provenance], dict[str, Any]], max_file_bytes: int) -> None:
        self.kept = kept
        self.max_file_bytes = max_file_bytes
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
            StorageFull: the feedback file is at its size limit.
        """
        with self._lock:
            if answer_id not in self._records:
                raise NotFound(f"no answer with id {answer_id!r}")
            earlier = self._records[answer_id]
            given = earlier.feedback
            if given is not None and (given.rating, given.comment) == (rating, comment):
                return earlier
            feedback = Feedback(rating, comment, time.time())
            record = dataclasses.replace(earlier, feedback=feedback)
            if self.feedback_file is not None:
                line = (self.serialise(record) if given is None else
                        {"answer_id": answer_id, "feedback": dataclasses.asdict(feedback), "replaces": True})
                self._append(json.dumps(line, ensure_ascii=False) + "\n")
            self._records[answer_id] = record
            return record

    def _append(self, line: str) -> None:
        assert self.feedback_file is not None
        data = line.encode("utf-8")
        size = self.feedback_file.stat().st_size if self.feedback_file.is_file() else 0
        if size + len(data) > self.max_file_bytes:
            raise StorageFull(f"{self.feedback_file.name} has reached {self.max_file_bytes:,} bytes "
                              "(QA_FEEDBACK_MAX_BYTES): the rating was not kept")
        self.feedback_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.feedback_file, "ab") as f:
            f.write(data)
