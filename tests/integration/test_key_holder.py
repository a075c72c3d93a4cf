"""The key holder cannot be locked out: requests with no key (the image tags of any page the
user has open) are not failed guesses, and wrong keys are counted per client address."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.servers import Server, article_served

pytestmark = pytest.mark.integration
KEY = "correct-horse"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with article_served(tmp_path_factory.mktemp("key-holder"),
                        {"QA_API_KEY": KEY, "QA_LOGIN_FAILURES_PER_MINUTE": "5"}) as server:
        yield server


def get(server: Server, path: str, key: str | None, source: str = "127.0.0.1") -> int:
    """GET ``path`` from the client address ``source`` (any 127.x address is this machine)."""
    url = urlsplit(server.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Host": url.netloc, **({"Authorization": f"Bearer {key}"} if key else {})})
        return conn.getresponse().status
    finally:
        conn.close()


def test_requests_without_a_key_never_lock_the_key_holder_out(keyed: Server) -> None:
    # what twelve <img src="http://127.0.0.1:8000/api/documents"> on another page send: no key
    assert [get(keyed, "/api/documents", None) for _ in range(12)] == [401] * 12
    assert get(keyed, "/api/documents", KEY) == 200


def test_a_guesser_is_throttled_and_another_client_is_not(keyed: Server) -> None:
    guesses = [get(keyed, "/api/documents", f"guess{i}", source="127.0.0.2") for i in range(7)]
    assert guesses[:5] == [401] * 5 and guesses[5:] == [429, 429]
    assert get(keyed, "/api/documents", KEY, source="127.0.0.2") == 429  # that client waits out its minute
    assert get(keyed, "/api/documents", KEY) == 200  # the key holder's address is not held back
