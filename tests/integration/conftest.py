"""The article served by a real server, shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qa.config import Settings
from qa.embedding import Embedder
from qa.pipeline import make_embedder
from tests.conftest import make_corpus
from tests.servers import Server, start_server, stop_server


@pytest.fixture(scope="session")
def article_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("article")
    server = start_server(make_corpus(root), root / "index")
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The packaged MiniLM on the default backend, loaded once for the in-process integration tests."""
    return make_embedder(Settings())
