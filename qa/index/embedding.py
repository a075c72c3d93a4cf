"""Embedder protocol and the offline sentence-transformers implementation."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.core.errors import ConfigError
from qa.index.onnx_export import export_encoder

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    model_id: str

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dimension), rows of unit length."""
        ...


def mean_pooled(session: Any, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """An ONNX BERT session's last hidden states, mean-pooled over the real word pieces and
    normalised (as sentence-transformers pools MiniLM): one float32 row per text."""
    hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return (pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)


ENCODE_BATCH = 16  # texts per encode batch: measured 11% faster than 64 on 2 cores (it was QA_EMBEDDING_BATCH_SIZE)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model) loaded from a local directory,
    on first use: a command with nothing to embed never loads it."""

    def __init__(self, model_path: str, batch_size: int) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise ConfigError(f"QA_EMBEDDING_MODEL: model directory not found: {model_path}")
        self.path = path
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        # The id names the weights, so a swapped model at the same path still re-embeds.
        weights = sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
        digest = hashlib.sha256()
        for w in weights:
            digest.update(f"{w.name}:{w.stat().st_size}".encode())
        self.model_id = f"{path.name if path.name != 'model' else path.parent.name}:{digest.hexdigest()[:12]}"

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.logging.set_verbosity_error()
                transformers.logging.disable_progress_bar()
                model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
                if model.get_embedding_dimension() is None:
                    raise ConfigError(f"QA_EMBEDDING_MODEL: {self.path} does not say its embedding size")
                self._model = model
            return self._model

    @property
    def dimension(self) -> int:
        return int(self._loaded().get_embedding_dimension())

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._loaded().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """The same sentence-transformers model, run by ONNX Runtime with int8 weights (dynamic
    quantisation): about 1.6x the texts per second of torch on 2 CPU cores, vectors within
    cosine 0.98 of torch's (mean 0.994). Mean-pooled models only (MiniLM is).

    The int8 model is exported from the local weights on first use (torch's ONNX exporter,
    then ONNX Runtime's quantiser, about 10 s) into ``cache_dir`` and reused from there.
    """

    def __init__(self, model_path: str, cache_dir: Path, batch_size: int) -> None:
        self._torch = SentenceTransformerEmbedder(model_path, batch_size)  # path checks and the weights' id
        self.path = self._torch.path
        pooling = json.loads((self.path / "1_Pooling" / "config.json").read_text(encoding="utf-8")) \
            if (self.path / "1_Pooling" / "config.json").is_file() else {}
        if not pooling.get("pooling_mode_mean_tokens") or not (self.path / "tokenizer.json").is_file():
            raise ConfigError(f"QA_EMBEDDING_MODEL: {self.path} is not a mean-pooled model with a tokenizer.json; "
                              "set QA_EMBEDDING_BACKEND=torch")
        self.model_id = f"{self._torch.model_id}:onnx-int8"
        self.file = cache_dir / f"{self.model_id.replace(':', '-')}.onnx"
        self.batch_size = batch_size
        self.dimension = int(pooling["word_embedding_dimension"])
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime
                from tokenizers import Tokenizer

                if not self.file.is_file():
                    self._export()
                options = onnxruntime.SessionOptions()
                options.log_severity_level = 3
                # no busy-waiting between runs: the judge's torch threads need the cores next
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._session = onnxruntime.InferenceSession(str(self.file), options,
                                                             providers=["CPUExecutionProvider"])
                max_length = json.loads((self.path / "sentence_bert_config.json").read_text(encoding="utf-8")) \
                    .get("max_seq_length", 256)
                tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=max_length)
                tokenizer.enable_padding()
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def _export(self) -> None:
        """Export the torch model to ONNX with int8 weights, atomically."""
        log.info("exporting %s to int8 ONNX in %s (once)", self.path, self.file)
        export_encoder(self._torch._loaded()[0].auto_model.eval(), self.file, int8=True)
        self._torch = SentenceTransformerEmbedder(str(self.path), self.batch_size)  # let torch's copy go

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        session, tokenizer = self._loaded()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # like lengths together: less padding
        for at in range(0, len(texts), self.batch_size):
            rows = order[at : at + self.batch_size]
            encoded = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out[rows] = mean_pooled(session, ids, mask)
        return out


BACKENDS = ("torch", "onnx-int8")


def open_embedder(model_path: str, backend: str, batch_size: int,
                  cache_dir: Path) -> Embedder:
    """The embedder of a model directory on the chosen backend (``BACKENDS``)."""
    if backend == "torch":
        return SentenceTransformerEmbedder(model_path, batch_size)
    if backend == "onnx-int8":
        return OnnxEmbedder(model_path, cache_dir, batch_size)
    raise ConfigError(f"QA_EMBEDDING_BACKEND: {backend!r} is not one of {', '.join(BACKENDS)}")
