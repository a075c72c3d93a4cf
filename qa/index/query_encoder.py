"""Questions embedded on ONNX Runtime in float32: the same model, the same vectors (to float
rounding, checked at load) as sentence-transformers, in about half the time for one short
text at one thread (7.4 ms against 16 here): eager PyTorch spends a question's embedding
mostly on per-operation overhead, which ONNX Runtime's fused graph does not pay.

Batches (indexing) stay on the torch embedder, with every core."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from qa.index.embedding import SentenceTransformerEmbedder, mean_pooled
from qa.index.onnx_export import export_encoder

log = logging.getLogger(__name__)

EXPORT_VERSION = "fp32-1"
# Texts the export is checked on: a question, a longer sentence, and one word.
PROBES = ("Who co-founded the company and when?",
          "The company pledged to invest more than 380 billion yuan in cloud computing and AI over three years.",
          "revenue")
TOLERANCE = 1e-5  # largest difference from torch's vector, per coordinate


class QueryEncoder:
    """An Embedder whose single texts run on ONNX Runtime (float32, one thread per call; calls
    from concurrent questions run side by side) and whose batches run on ``torch``. Its
    ``model_id`` is torch's: the vectors are the same. If the export fails or its vectors
    differ from torch's by more than ``TOLERANCE``, every text stays on torch (logged)."""

    def __init__(self, torch_embedder: SentenceTransformerEmbedder, cache_dir: Path) -> None:
        self.torch = torch_embedder
        self.model_id = torch_embedder.model_id
        self.file = cache_dir / f"{self.model_id.replace(':', '-')}-{EXPORT_VERSION}.onnx"
        self._session: Any = None
        self._failed = False
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.torch.dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        session = self._loaded() if len(texts) == 1 else None
        if session is None:
            return self.torch.embed(texts)
        return self._run(session, texts)

    def _run(self, session: Any, texts: list[str]) -> np.ndarray:
        model = self.torch._loaded()
        batch = model.tokenizer(texts, return_tensors="np", padding=True, truncation=True,
                                max_length=model.max_seq_length)
        ids = batch["input_ids"].astype(np.int64)
        mask = batch["attention_mask"].astype(np.int64)
        return mean_pooled(session, ids, mask)

    def _loaded(self) -> Any:
        if self._session is not None or self._failed:  # settled: no lock on the question path
            return self._session
        with self._lock:
            if self._session is None and not self._failed:
                try:
                    self._session = self._open()
                except Exception as exc:  # any failure: torch answers, as it always could
                    log.warning("question embedding stays on torch: %s", exc)
                    self._failed = True
            return self._session

    def _open(self) -> Any:
        import onnxruntime

        if not self.file.is_file():
            log.info("exporting %s to float32 ONNX in %s (once)", self.torch.path, self.file)
            export_encoder(self.torch._loaded()[0].auto_model.eval(), self.file, int8=False)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting when idle
        session = onnxruntime.InferenceSession(str(self.file), options, providers=["CPUExecutionProvider"])
        probes = list(PROBES)
        difference = max(float(np.abs(self._run(session, [p]) - self.torch.embed([p])).max()) for p in probes)
        if difference > TOLERANCE:
            raise ValueError(f"{self.file} differs from torch by {difference:.2e} (more than {TOLERANCE:g})")
        return session
