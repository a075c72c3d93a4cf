"""The int8 ONNX embedder against the packaged MiniLM run by torch."""

from pathlib import Path

import numpy as np
import pytest

from qa.core.config import packaged_model_path
from qa.core.errors import ConfigError
from qa.index.embedding import ENCODE_BATCH, OnnxEmbedder, SentenceTransformerEmbedder, open_embedder

pytestmark = pytest.mark.integration

TEXTS = ["Alibaba will spend more than 380 billion yuan on cloud and AI infrastructure.",
         "Who leads Alibaba?", "A penguin.", "", "word " * 600]


def test_int8_vectors_stay_close_to_torch_and_the_export_is_made_once(tmp_path: Path) -> None:
    onnx = OnnxEmbedder(packaged_model_path(), tmp_path, 2)
    vectors = onnx.embed(TEXTS)
    reference = SentenceTransformerEmbedder(packaged_model_path(), ENCODE_BATCH).embed(TEXTS)
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert (vectors * reference).sum(axis=1).min() > 0.95
    assert onnx.model_id.endswith(":onnx-int8") and onnx.model_id != SentenceTransformerEmbedder(
        packaged_model_path(), ENCODE_BATCH).model_id  # an index of the other backend is re-embedded
    exported = list(tmp_path.glob("*.onnx"))
    assert [f.name for f in exported] == [onnx.file.name] and not list(tmp_path.glob("tmp*"))
    made = exported[0].stat().st_mtime_ns
    again = OnnxEmbedder(packaged_model_path(), tmp_path, ENCODE_BATCH)
    assert np.allclose(again.embed(TEXTS[:2]), vectors[:2], atol=1e-5)  # batch size does not change a vector
    assert exported[0].stat().st_mtime_ns == made


def test_a_model_it_cannot_run_and_an_unknown_backend_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    with pytest.raises(ConfigError, match="QA_EMBEDDING_BACKEND=torch"):
        OnnxEmbedder(str(tmp_path / "model"), tmp_path, ENCODE_BATCH)
    with pytest.raises(ConfigError, match="not one of torch, onnx-int8"):
        open_embedder(packaged_model_path(), "tensorrt", ENCODE_BATCH, tmp_path)
