"""The client the CLI reads through when a server owns the index."""

from pathlib import Path

import pytest

from qa.edges.client import SERVER_FILE, Client, ServerError
from tests.support import free_port


def test_the_server_of_an_index_is_found_by_its_marker(tmp_path: Path) -> None:
    assert Client.for_index(tmp_path) is None
    (tmp_path / SERVER_FILE).write_text("http://127.0.0.1:8123/\n")
    client = Client.for_index(tmp_path)
    assert client is not None and client.base_url == "http://127.0.0.1:8123"


def test_a_server_that_is_gone_is_a_clear_error() -> None:
    client = Client(f"http://127.0.0.1:{free_port()}", timeout=5)
    with pytest.raises(ServerError, match="cannot be reached"):
        client.retrieve("anything", 3)


def test_only_http_urls_are_asked() -> None:
    with pytest.raises(ServerError, match="not an http"):
        Client("file:///etc/passwd")
