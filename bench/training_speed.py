"""What padding and length bucketing buy the judge's training, in one run: examples per second
of whole training steps (forward, backward, AdamW) over the same examples, batched three ways:

- bucketed: the run's own first batches (whole questions, similar lengths together), each
  padded to its longest input;
- random: the same examples in random batches of the same sizes, each padded to its longest;
- fixed 256: the bucketed batches padded to the judge's 256 word pieces.

It builds (or loads) the run's cached examples, so it takes the training command's arguments.
Not while a training run holds the memory: the examples take about 12 GB.

  python -m bench.training_speed <bench.train_judge arguments> [--steps 20]
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import time

import torch

from bench.train_judge import load_model, make_plan, parser, step_loss
from bench.training_data import Mix, cached
from qa.answer.judge import MAX_LENGTH


def main() -> None:
    ap = parser()
    ap.add_argument("--steps", type=int, default=20, help="timed steps per way (after one warm-up step)")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(os.cpu_count() or 1)  # as the run does
    model, tokenizer = load_model(a.init)
    mix = Mix(a.data, a.squad_train, a.squad2, a.shifts, a.max_questions, a.val_questions,
              a.shift_questions if a.shifts else 0, a.human_repeats, a.seed, a.simulated)
    data = cached(mix, tokenizer, a.work)
    bucketed = make_plan(data, a.batch, a.epochs, a.seed)[: a.steps + 1]
    pool = [i for b in bucketed for i in b]
    random.Random(a.seed).shuffle(pool)
    shuffled, at = [], 0
    for b in bucketed:
        shuffled.append(pool[at : at + len(b)])
        at += len(b)
    model.encoder.get_input_embeddings().weight.requires_grad = False
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if a.bf16 else contextlib.nullcontext()
    model.train()
    rates = {}
    for name, plan, width in (("bucketed", bucketed, 0), ("random", shuffled, 0), ("fixed 256", bucketed, MAX_LENGTH)):
        seen, took = 0, 0.0
        for step, batch in enumerate(plan):
            t0 = time.perf_counter()
            with autocast:
                loss = step_loss(model, [data.train[i] for i in batch], [data.train_encoded[i] for i in batch],
                                 [data.spans[i] for i in batch], None, a.human_weight, width)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if step:  # the first step warms up
                seen, took = seen + len(batch), took + time.perf_counter() - t0
        rates[name] = round(seen / took, 2)
        print(f"{name}: {rates[name]} examples/s over {len(plan) - 1} steps", flush=True)
    print(json.dumps({"examples_per_s": rates, "bucketed_over_random": round(rates["bucketed"] / rates["random"], 2),
                      "bucketed_over_fixed_256": round(rates["bucketed"] / rates["fixed 256"], 2),
                      "torch_threads": torch.get_num_threads(), "bf16": a.bf16}))


if __name__ == "__main__":
    main()
