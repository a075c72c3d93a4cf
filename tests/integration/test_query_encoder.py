"""Questions embedded on ONNX Runtime: the same vectors as torch, and torch whenever the export
cannot be trusted."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from qa.core.config import Settings
from qa.index.embedding import SentenceTransformerEmbedder
from qa.index.query_encoder import TOLERANCE, QueryEncoder
from qa.pipeline import query_embedder

pytestmark = pytest.mark.integration

QUESTIONS = ["Who co-founded Alibaba?", "How much will Alibaba invest in AI infrastructure over three years?",
             "What currency is the 380 billion pledge denominated in, and who announced it in Hangzhou?"]


def test_a_question_gets_torchs_vector_from_onnx_runtime(real_embedder: SentenceTransformerEmbedder) -> None:
    encoder = query_embedder(Settings(), real_embedder)  # the default: QA_QUERY_BACKEND=onnx
    assert isinstance(encoder, QueryEncoder) and encoder.model_id == real_embedder.model_id
    for q in QUESTIONS:
        assert np.abs(encoder.embed([q]) - real_embedder.embed([q])).max() <= TOLERANCE
    assert encoder._session is not None  # they ran on ONNX Runtime
    batch = encoder.embed(QUESTIONS)  # a batch (indexing) stays on torch
    assert np.array_equal(batch, real_embedder.embed(QUESTIONS))


def test_a_broken_export_leaves_questions_on_torch(real_embedder: SentenceTransformerEmbedder, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    encoder = QueryEncoder(real_embedder, tmp_path)
    encoder.file.write_bytes(b"not an onnx model")
    with caplog.at_level(logging.WARNING, logger="qa.index.query_encoder"):
        vector = encoder.embed([QUESTIONS[0]])
    assert np.array_equal(vector, real_embedder.embed([QUESTIONS[0]]))
    assert encoder._session is None and "stays on torch" in caplog.text


def test_torch_is_kept_where_asked(real_embedder: SentenceTransformerEmbedder) -> None:
    assert query_embedder(Settings(query_backend="torch"), real_embedder) is real_embedder


def test_an_export_whose_vectors_differ_from_torchs_is_not_used(real_embedder: SentenceTransformerEmbedder,
                                                                 tmp_path: Path) -> None:
    from qa.index.onnx_export import export_encoder

    encoder = QueryEncoder(real_embedder, tmp_path)
    export_encoder(real_embedder._loaded()[0].auto_model.eval(), encoder.file, int8=True)  # other vectors
    assert np.array_equal(encoder.embed([QUESTIONS[0]]), real_embedder.embed([QUESTIONS[0]]))
    assert encoder._session is None
