"""How the judge's network runs: PyTorch (int8 dynamic quantisation of its linear layers), or
ONNX Runtime with int8 weights, exported once from the shipped weights and cached beside the
embedding model's export (``QA_MODEL_CACHE_DIR``).

Both run the same graph, ``Outputs``: the network and its span scores per sentence, so that
everything after it (``qa.answer.judge.Judge``) is the same NumPy for either.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from qa.answer.judge_network import SentenceJudge, span_scores
from qa.core.export import exporting

log = logging.getLogger(__name__)
EXPORT_VERSION = "v2"  # of export_onnx: a change makes cached exports stale
INPUTS = ("input_ids", "token_type_ids", "attention_mask", "sentence_mask")
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # logits, span scores (batch x sentences), start, end


class Outputs(torch.nn.Module):
    """The judge's network with its span scores: sentence logits and span scores (batch x
    sentences), start and end logits (batch x tokens)."""

    def __init__(self, model: SentenceJudge) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, attention_mask: torch.Tensor,
                sentence_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits, start, end = self.model(input_ids, token_type_ids, attention_mask, sentence_mask)
        return logits, span_scores(start, end, sentence_mask), start, end


class Runner(Protocol):
    name: str

    def __call__(self, tensors: dict[str, torch.Tensor]) -> Arrays: ...


class TorchRunner:
    """PyTorch in inference mode: calls from concurrent questions run side by side (an eval-mode
    forward changes no state; tests/unit/test_judge.py checks two threads against one). With
    ``bf16``, the float32 weights run under bfloat16 autocast (AMX/AVX-512 BF16 CPUs: as fast
    as int8 here and within 0.06 logits of float32, where int8 is within 2.3)."""

    def __init__(self, model: SentenceJudge, bf16: bool = False) -> None:
        self.outputs = Outputs(model).eval()
        self.bf16 = bf16
        self.name = "torch-bf16" if bf16 else "torch"

    def __call__(self, tensors: dict[str, torch.Tensor]) -> Arrays:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            logits, spans, start, end = self.outputs(**tensors)
        return logits.float().numpy(), spans.float().numpy(), start.float().numpy(), end.float().numpy()


class OnnxRunner:
    """ONNX Runtime with int8 weights; calls from several threads run at once, each on
    ``threads`` cores."""

    name = "onnx-int8"

    def __init__(self, file: Path, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting when idle
        self.session = onnxruntime.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])

    def __call__(self, tensors: dict[str, torch.Tensor]) -> Arrays:
        feeds = {name: tensors[name].numpy() for name in INPUTS}
        logits, spans, start, end = self.session.run(None, feeds)
        return logits, spans, start, end


def export_onnx(model: SentenceJudge, file: Path) -> None:
    """Export the judge (float32 weights) to ONNX and quantise its weights to int8, atomically."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    log.info("exporting the answer judge to int8 ONNX in %s (once)", file)
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=file.parent) as tmp:
        plain, quantised = Path(tmp) / "judge.onnx", Path(tmp) / "judge-int8.onnx"
        # padding in the example: an all-ones attention mask would trace a graph that drops the mask
        mask = torch.ones((2, 12), dtype=torch.long)
        mask[1, 8:] = 0
        sentences_of = torch.zeros((2, 3, 12))
        sentences_of[:, 0, 3:5], sentences_of[:, 1, 5:8], sentences_of[0, 2, 8:11] = 1, 1, 1
        example = (torch.full((2, 12), 1000, dtype=torch.long), torch.ones((2, 12), dtype=torch.long), mask,
                   sentences_of)
        batch, tokens, sentences = torch.export.Dim("batch"), torch.export.Dim("tokens", max=512), \
            torch.export.Dim("sentences", max=512)
        shapes: dict[str, Any] = {n: {0: batch, 1: tokens} for n in INPUTS[:3]}
        shapes["sentence_mask"] = {0: batch, 1: sentences, 2: tokens}
        with exporting():
            torch.onnx.export(Outputs(model).eval(), example, str(plain), dynamo=True, input_names=list(INPUTS),
                              output_names=["logits", "spans", "start", "end"], verbose=False, dynamic_shapes=shapes)
            quantize_dynamic(str(plain), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
        quantised.replace(file)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def base_model(base_path: str) -> tuple[Any, Any]:
    """The packaged MiniLM as a plain BERT encoder and its tokenizer, offline."""
    import transformers
    from transformers import AutoModel, AutoTokenizer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    # a local directory, offline: nothing is downloaded, so there is no revision to pin
    tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)  # nosec B615
    encoder = AutoModel.from_pretrained(base_path, local_files_only=True, add_pooling_layer=False)  # nosec B615
    return encoder, tokenizer
