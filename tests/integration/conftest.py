"""The article served by a real server, shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import ARTICLE
from tests.servers import Server, start_server, stop_server


@pytest.fixture(scope="session")
def article_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("article")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    server = start_server(corpus, root / "index")
    yield server
    stop_server(server)
