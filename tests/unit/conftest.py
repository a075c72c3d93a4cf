"""Fixtures of the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.core.config import Settings
from qa.pipeline import Pipeline
from tests.fakes import HashEmbedder


@pytest.fixture
def pipeline(tmp_path: Path, corpus: Path):
    p = Pipeline.from_settings(Settings(index_dir=tmp_path / "index", corpus_dir=corpus), HashEmbedder())
    p.index()
    yield p
    p.close()
