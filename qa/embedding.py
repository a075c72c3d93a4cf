"""Embedder protocol and the offline sentence-transformers implementation."""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ConfigError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    model_id: str

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dimension), rows of unit length."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model) loaded from a local directory,
    on first use: a command with nothing to embed never loads it."""

    def __init__(self, model_path: str, batch_size: int = 64) -> None:
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

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._loaded().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)
