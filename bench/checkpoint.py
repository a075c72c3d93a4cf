"""A judge training run that survives interruption (bench/train_judge.py).

Two ways back after a stop:

- **the checkpoint** (``<work>/checkpoint.pt``, outside git, written every ~15 minutes, on
  SIGTERM/SIGINT and at the time budget): the fine-tuned weights in float32, AdamW's moments,
  the schedule, the step reached in the data order (whose SHA-256 it checks), torch's random
  state, the running loss and the best validation so far. Resuming from it continues exactly
  where the run stopped.
- **the committed candidate** (``qa/models/judge-candidate``, in git): the best weights so
  far in float16 and a card recording the step they were taken at and the data order's hash.
  On a fresh machine the run starts again from them at that step, with AdamW's moments
  restarted (the one thing not exact) and the schedule at that step.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

CHECKPOINT = "checkpoint.pt"


def plan_sha256(plan: list[list[int]]) -> str:
    return hashlib.sha256(json.dumps(plan, separators=(",", ":")).encode()).hexdigest()


@dataclass
class Progress:
    """Where a run stands: mutable, carried across checkpoints."""

    step: int = 0  # batches of the plan done
    seconds: float = 0.0  # training time spent, over every resumption
    losses: list[float] = field(default_factory=list)  # the last 200 steps'
    best_score: float = float("-inf")
    best_step: int = 0
    best_metrics: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)  # each validation: step, score, metrics
    resumed: list[str] = field(default_factory=list)  # how each resumption started

    def note_loss(self, loss: float) -> None:
        self.losses = [*self.losses[-199:], loss]


def save(work: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, schedule: Any, progress: Progress,
         plan_sha: str, data_key: str) -> Path:
    """Write the checkpoint whole or not at all."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / CHECKPOINT
    partial = path.with_suffix(".partial")
    torch.save({"model": {k: v.detach().clone() for k, v in model.state_dict().items()},
                "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                "progress": progress.__dict__, "plan_sha256": plan_sha, "data_key": data_key,
                "torch_rng": torch.get_rng_state(), "saved_at": time.time()}, partial)
    partial.replace(path)
    return path


def load(work: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, schedule: Any, plan_sha: str,
         data_key: str) -> Progress | None:
    """Restore the checkpoint in ``work`` into the given objects; None when there is none.

    Raises:
        SystemExit: the checkpoint belongs to another data order or another example set.
    """
    path = work / CHECKPOINT
    if not path.is_file():
        return None
    state = torch.load(path, map_location="cpu", weights_only=False)  # nosec B614: our own file
    if state["plan_sha256"] != plan_sha or state["data_key"] != data_key:
        raise SystemExit(f"{path} was written for another data order or example set: "
                         "move it away to start anew, or pass the settings it was started with")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    torch.set_rng_state(state["torch_rng"])
    progress = Progress(**state["progress"])
    progress.resumed.append(f"checkpoint at step {progress.step}")
    return progress
