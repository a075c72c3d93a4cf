"""What exporting a model to ONNX needs on both sides of qa (the embedder, the judge)."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def exporting() -> Iterator[None]:
    """Quiet while torch's ONNX exporter and ONNX Runtime's quantiser run: their advice and
    progress (warnings, log lines, prints) are not faults."""
    loggers = [logging.getLogger(), logging.getLogger("torch.onnx")]
    levels = [x.level for x in loggers]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for x in loggers:
            x.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for x, was in zip(loggers, levels):
                x.setLevel(was)
