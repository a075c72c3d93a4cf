"""The article served by a real server, shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qa.core.config import Settings
from qa.index.embedding import Embedder
from qa.pipeline import make_embedder
from tests.servers import Server, start_chroma, start_server, stop_process, stop_server
from tests.support import make_corpus


@pytest.fixture(scope="session")
def article_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("article")
    server = start_server(make_corpus(root), root / "index")
    yield server
    stop_server(server)


@pytest.fixture(scope="session", params=["embedded Chroma", "Chroma server"])
def served(request: pytest.FixtureRequest, article_server: Server,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The article served by qa over each backend: the embedded index, and a Chroma server."""
    if request.param == "embedded Chroma":
        yield article_server
        return
    root = tmp_path_factory.mktemp("chroma-server")
    chroma, port = start_chroma(root / "chroma")
    try:
        server = start_server(make_corpus(root), root / "index",
                              {"QA_CHROMA_HOST": "127.0.0.1", "QA_CHROMA_PORT": str(port)})
    except BaseException:
        stop_process(chroma)
        raise
    yield server
    stop_server(server)
    stop_process(chroma)


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The packaged MiniLM on the default backend, loaded once for the in-process integration tests."""
    return make_embedder(Settings())
