"""Provenance: what each recent answer rested on, kept for ``/api/answers/{id}``, and the
feedback users give on it (kept with the record, and appended to a JSON lines file so that
it outlives the process)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal

from qa.contract import answer_record
from qa.errors import NotFound
from qa.schema import Answer


class AnswerLog:
    """The records of the last ``kept`` answers: the answer as served, with the question,
    the answerer's and embedding model's ids and what a grounding gate removed."""

    def __init__(self, kept: int, embedding_model: str, feedback_file: Path | None = None) -> None:
        self.kept = kept
        self.embedding_model = embedding_model
        self.feedback_file = feedback_file
        self._records: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, answer: Answer) -> None:
        record = {
            **answer_record(answer),
            "question": answer.question,
            "model": answer.model,
            "embedding_model": self.embedding_model,
            "removed_by_grounding_gate": list(answer.unsupported),
            "created": time.time(),
        }
        with self._lock:
            self._records[answer.answer_id] = record
            while len(self._records) > self.kept:
                self._records.popitem(last=False)

    def get(self, answer_id: str) -> dict[str, Any]:
        """The record of an earlier answer.

        Raises:
            NotFound: unknown id (or one no longer kept).
        """
        with self._lock:
            if answer_id not in self._records:
                raise NotFound(f"no answer with id {answer_id!r}")
            return self._records[answer_id]

    def feedback(self, answer_id: str, rating: Literal["up", "down"], comment: str = "") -> dict[str, Any]:
        """Record a user's rating of an answer with its provenance record.

        Raises:
            NotFound: unknown id (or one no longer kept).
        """
        with self._lock:
            if answer_id not in self._records:
                raise NotFound(f"no answer with id {answer_id!r}")
            record = self._records[answer_id]
            record["feedback"] = {"rating": rating, "comment": comment, "at": time.time()}
            if self.feedback_file is not None:
                self.feedback_file.parent.mkdir(parents=True, exist_ok=True)
                with open(self.feedback_file, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
            return record
