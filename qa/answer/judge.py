"""The trained answer judge: (question, a passage's sentences) -> P(sentence answers it).

A cross-encoder fine-tuned from the packaged MiniLM (``bench/train_judge.py``). It reads
``[CLS] question [SEP] title: sentence sentence ... [SEP]`` and judges every sentence in its
passage context, in one pass per passage, two ways: a logit from its mean-pooled tokens, and
a span score, as extractive readers trained on SQuAD 2.0 do: the best answer span inside the
sentence (start + end logits) against the "no answer" score of [CLS]. The shipped weights
(``qa/models/judge``) are the fine-tuned layers only, in float16; the word embeddings stay
those of the packaged MiniLM, checked by hash at load.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qa.answer.calibration import SIGNALS, Calibration, Excerpt
from qa.answer.judge_network import UNREAD, SentenceJudge, span_band, span_scores
from qa.answer.judge_runtime import (
    EXPORT_VERSION,
    OnnxRunner,
    Runner,
    TorchRunner,
    base_model,
    export_onnx,
    file_sha256,
)
from qa.core.errors import ConfigError

__all__ = ["SIGNALS", "UNREAD", "Calibration", "Excerpt", "Judge", "SentenceJudge", "span_scores"]

log = logging.getLogger(__name__)

JUDGE_DIR = Path(__file__).resolve().parent.parent / "models" / "judge"
WEIGHTS = "judge.safetensors"
CARD = "judge.json"
FROZEN = "embeddings.word_embeddings.weight"  # not shipped: the packaged MiniLM's own
MAX_QUESTION = 48  # word pieces of the question that are read
MAX_LENGTH = 256  # MiniLM reads at most 256 word pieces


@dataclass(frozen=True)
class Encoded:
    """One (question, passage) input: word-piece ids, segment ids and, per word piece,
    the 1-based index of the sentence it belongs to (0: question, title, specials)."""

    input_ids: list[int]
    token_type_ids: list[int]
    sentence_ids: list[int]


def encode(question_ids: list[int], title_ids: list[int], sentence_ids: Sequence[list[int]], cls: int, sep: int,
           max_length: int = MAX_LENGTH) -> Encoded:
    """Assemble one input from pre-tokenised parts; sentences that do not fit are cut.

    Args:
        question_ids: word pieces of the question (cut to ``MAX_QUESTION``).
        title_ids: word pieces of the title and its separator.
        sentence_ids: word pieces of each sentence, in passage order.
        cls, sep: the tokenizer's [CLS] and [SEP] ids.
        max_length: the longest input the encoder reads.
    """
    q = question_ids[:MAX_QUESTION]
    ids = [cls, *q, sep]
    types = [0] * len(ids)
    owner = [0] * len(ids)
    budget = max_length - len(ids) - 1
    title = title_ids[: max(0, min(len(title_ids), budget // 4))]
    ids += title
    types += [1] * len(title)
    owner += [0] * len(title)
    budget -= len(title)
    for n, piece in enumerate(sentence_ids, start=1):
        take = piece[:budget]
        if not take:
            break
        ids += take
        types += [1] * len(take)
        owner += [n] * len(take)
        budget -= len(take)
    ids.append(sep)
    types.append(1)
    owner.append(0)
    return Encoded(ids, types, owner)


def encode_all(tokenizer: Any, question: str, passages: Sequence[Excerpt]) -> list[Encoded]:
    """The judge's inputs for a question and its passages (one tokenizer call for all texts)."""
    titles = sorted({p.title for p in passages})
    texts = [question, *(f"{t}:" for t in titles), *(s for p in passages for s in p.sentences)]
    ids = tokenizer(texts, add_special_tokens=False, truncation=True, max_length=MAX_LENGTH)["input_ids"]
    q_ids, title_ids = ids[0], dict(zip(titles, ids[1 : 1 + len(titles)]))
    rest = iter(ids[1 + len(titles) :])
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    return [encode(q_ids, title_ids[p.title], [next(rest) for _ in p.sentences], cls, sep) for p in passages]


def collate(batch: Sequence[Encoded], n_sentences: int, width: int = 0) -> dict[str, torch.Tensor]:
    """Pad a batch of inputs into tensors (``sentence_mask``: batch x sentences x tokens), to
    its longest input (or to ``width`` where that is longer)."""
    width = max(width, *(len(e.input_ids) for e in batch))
    pad = lambda xs: [x + [0] * (width - len(x)) for x in xs]
    owner = torch.tensor(pad([e.sentence_ids for e in batch]))
    numbers = torch.arange(1, n_sentences + 1).view(1, -1, 1)
    return {
        "input_ids": torch.tensor(pad([e.input_ids for e in batch])),
        "token_type_ids": torch.tensor(pad([e.token_type_ids for e in batch])),
        "attention_mask": torch.tensor(pad([[1] * len(e.input_ids) for e in batch])),
        "sentence_mask": (owner.unsqueeze(1) == numbers).float(),
    }


def calibrated_backend(card: dict[str, Any]) -> str:
    """The backend a judge's calibration was fitted with (cards before it was recorded: torch)."""
    return str(card.get("calibration", {}).get("backend", "torch"))


class Judge:
    """The shipped judge, loaded offline over the packaged MiniLM.

    ``judge(question, passages)`` gives, per passage, a logit and a span score per sentence:
    how likely the sentence answers the question. ``calibration`` turns it (with retrieval's signals)
    into a choice and a probability; it was fitted on held-out SQuAD articles (see the card).
    ``runner`` runs the network (qa/answer/judge_runtime.py: PyTorch or ONNX Runtime).
    """

    def __init__(self, runner: Runner, tokenizer: Any, card: dict[str, Any], batch_size: int = 8) -> None:
        self.runner = runner
        self.tokenizer = tokenizer
        self.card = card
        self.calibration = Calibration.from_card(card)
        self.batch_size = batch_size
        self.model_id = f"judge:{card.get('weights_sha256', 'untrained')[:12]}"

    @classmethod
    def load(cls, base_path: str, directory: Path = JUDGE_DIR, backend: str | None = None,
             cache_dir: Path | None = None, threads: int = 1) -> Judge:
        """Load the shipped judge.

        Args:
            base_path: directory of the packaged MiniLM (its word embeddings are reused).
            directory: folder holding ``judge.safetensors`` and ``judge.json``.
            backend: None (the one the card's calibration was fitted with: ``calibrated_backend``),
                ``torch`` (int8 linear layers by dynamic quantisation), ``torch-bf16``
                (float32 weights under bfloat16 autocast) or ``onnx-int8`` (ONNX Runtime, int8
                weights, exported into ``cache_dir`` at the first load).
            threads: cores each ONNX Runtime call uses.

        Raises:
            ConfigError: the weights are missing or were trained over another base model.
        """
        from safetensors.torch import load_file

        weights, card_path = directory / WEIGHTS, directory / CARD
        if not weights.is_file() or not card_path.is_file():
            raise ConfigError(f"answer judge not found in {directory} (run `make train-judge`)")
        card = json.loads(card_path.read_text(encoding="utf-8"))
        backend = backend or calibrated_backend(card)
        base_weights = Path(base_path) / "model.safetensors"
        if base_weights.is_file() and file_sha256(base_weights) != card["base_sha256"]:
            raise ConfigError(
                f"the answer judge in {directory} was trained over another MiniLM than {base_path}; "
                "retrain it with `make train-judge`"
            )
        encoder, tokenizer = base_model(base_path)
        model = SentenceJudge(encoder)
        state = {k: v.float() for k, v in load_file(str(weights)).items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or set(missing) != {f"encoder.{FROZEN}"}:
            raise ConfigError(f"{weights}: unexpected layout (missing {missing}, unexpected {unexpected})")
        model.eval()
        if backend == "onnx-int8":
            file = (cache_dir or directory) / f"judge-{file_sha256(weights)[:16]}-int8-{EXPORT_VERSION}.onnx"
            if not file.is_file():
                export_onnx(model, file)
            return cls(OnnxRunner(file, threads), tokenizer, card)
        if backend == "torch-bf16":
            return cls(TorchRunner(model, bf16=True), tokenizer, card)
        with warnings.catch_warnings():  # torch points to torchao; the eager API still works
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        return cls(TorchRunner(model), tokenizer, card)

    def phrase(self, question: str, title: str, sentence: str) -> tuple[int, int] | None:
        """The words of ``sentence`` that answer ``question`` by the span head: (start, end)
        character offsets in the sentence, or None when nothing inside it fits the input."""
        pieces = self.tokenizer(sentence, add_special_tokens=False, truncation=True, max_length=MAX_LENGTH,
                                return_offsets_mapping=True)
        ids = self.tokenizer([question, f"{title}:"], add_special_tokens=False, truncation=True,
                             max_length=MAX_LENGTH)["input_ids"]
        encoded = encode(ids[0], ids[1], [pieces["input_ids"]], self.tokenizer.cls_token_id,
                         self.tokenizer.sep_token_id)
        owned = [i for i, owner in enumerate(encoded.sentence_ids) if owner == 1]
        if not owned:
            return None
        _, _, start, end = self.runner(collate([encoded], 1))
        lo, hi = owned[0], owned[-1] + 1
        pair = start[0, lo:hi, None] + end[0, None, lo:hi]
        pair = np.where(span_band(hi - lo).numpy(), pair, -np.inf)
        i, j = divmod(int(np.argmax(pair)), hi - lo)
        spans = pieces["offset_mapping"]
        return spans[i][0], spans[j][1]

    def judge(self, question: str, passages: Sequence[Excerpt]) -> list[np.ndarray]:
        """Per passage, sentences x 2: the sentence logit and span score (``UNREAD`` for a
        sentence cut off the input)."""
        encoded = encode_all(self.tokenizer, question, passages)
        out: list[np.ndarray] = []
        for i in range(0, len(encoded), self.batch_size):
            batch = encoded[i : i + self.batch_size]
            n = max((len(p.sentences) for p in passages[i : i + self.batch_size]), default=0)
            if n == 0:
                out.extend(np.zeros((0, 2)) for _ in batch)
                continue
            tensors = collate(batch, n)
            logits, spans, _, _ = self.runner(tensors)
            scores = np.stack([logits, spans], -1)
            present = tensors["sentence_mask"].sum(-1).numpy() > 0
            for row, passage in enumerate(passages[i : i + self.batch_size]):
                k = len(passage.sentences)
                out.append(np.where(present[row, :k, None], scores[row, :k], UNREAD))
        return out
