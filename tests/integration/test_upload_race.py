"""Five uploads of one file name at once, each with other content: five documents, no file lost
(issue 37: they answered 202 five times and kept three)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.servers import Server, article_served

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with article_served(tmp_path_factory.mktemp("race")) as server:
        yield server


def upload(server: Server, name: str, data: bytes) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(server.base + "/api/documents", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, json.loads(response.read())


def test_uploads_of_one_name_at_once_each_keep_their_file(fresh: Server) -> None:
    texts = [f"Report number {i}: the harbour of Port Elira handled {i * 1000 + 17} ships this year.".encode()
             for i in range(5)]
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda text: upload(fresh, "report.txt", text), texts))
    ids = [body["doc_id"] for _, body in answers]
    assert len(set(ids)) == 5 and all(status in (200, 202) for status, _ in answers)
    kept = sorted(p.read_bytes() for p in fresh.corpus.glob("report*.txt"))
    assert kept == sorted(texts)
