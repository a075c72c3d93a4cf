"""The embedding model exported to ONNX (its last hidden state; mean pooling stays in numpy),
in float32 or with int8 weights, written atomically as one file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from qa.core.export import exporting


def export_encoder(model: Any, file: Path, int8: bool) -> None:
    """Export a transformers encoder (``model``, in eval mode) to ``file``: float32, or its
    weights quantised to int8 (ONNX Runtime's dynamic quantisation, per channel)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq", max=512)

    class LastHidden(torch.nn.Module):  # the one output mean pooling reads
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=file.parent) as tmp, exporting():
        plain, final = Path(tmp) / "model.onnx", Path(tmp) / "final.onnx"
        torch.onnx.export(LastHidden(), example, str(plain), dynamo=True, input_names=names,
                          output_names=["hidden"], verbose=False, external_data=False,
                          dynamic_shapes={n: {0: batch, 1: seq} for n in names})
        if int8:
            quantize_dynamic(str(plain), str(final), weight_type=QuantType.QInt8, per_channel=True)
        else:
            plain.replace(final)
        final.replace(file)
