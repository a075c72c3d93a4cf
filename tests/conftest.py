from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import make_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder holding a copy of the article."""
    return make_corpus(tmp_path)
