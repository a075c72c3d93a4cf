"""A deterministic embedder for fast unit tests: hashed bag of words, L2-normalised."""

from __future__ import annotations

import hashlib

import numpy as np

from qa.lexical import terms


class HashEmbedder:
    model_id = "hash-embedder:1"
    dimension = 64

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for t in terms(text) or ["<empty>"]:
                out[row, int(hashlib.md5(t.encode()).hexdigest(), 16) % self.dimension] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out
