"""Large documents on the real server (issue 37): a document past the texts budget is skipped with
its reason before any of it is embedded; one being indexed shows its progress batch by batch in
/api/health, and deleting it meanwhile stops the run at its next batch and removes it (before:
progress jumped from none to all, and a delete was refused until the run ended)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import Server, article_served

pytestmark = pytest.mark.integration

BUDGET = 2_500  # passages and sentences a document may give to embed


def report_lines(n: int, place: str) -> str:
    return "".join(f"Report {i}: the {place} station measured {i * 7} millimetres of rain in week {i}.\n"
                   for i in range(n))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with article_served(tmp_path_factory.mktemp("large"), {"QA_MAX_DOCUMENT_TEXTS": str(BUDGET)}) as served:
        yield served


def upload(server: Server, name: str, text: str) -> int:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + text.encode() + f"\r\n--{boundary}--\r\n".encode()
    status, _, _ = server.request("POST", "/api/documents", body,
                                  {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return status


def listed(server: Server) -> set[str]:
    return {d["doc_id"] for d in server.get("/api/documents")[1]["documents"]}


def test_a_document_past_the_budget_is_skipped_with_its_reason(server: Server) -> None:
    (server.corpus / "deluge.txt").write_text(report_lines(3 * BUDGET, "Quillon"), encoding="utf-8")
    try:
        status, report = server.post("/api/index", {})
        assert status == 200, report
        assert any("deluge.txt" in s and "QA_MAX_DOCUMENT_TEXTS" in s for s in report["skipped"]), report
        assert "deluge.txt" not in listed(server)
    finally:
        (server.corpus / "deluge.txt").unlink()


def test_progress_is_said_batch_by_batch_and_a_delete_stops_the_run(server: Server) -> None:
    assert upload(server, "drizzle.txt", report_lines(BUDGET // 2 - 50, "Varn")) == 202
    seen: list[tuple[int, int]] = []
    deadline = time.time() + 600
    while time.time() < deadline:  # until part of it, not all, is embedded
        health = server.get("/api/health")[1]
        progress = health["progress"]
        if progress is not None:
            seen.append((progress["texts_embedded"], progress["texts_total"]))
            if 0 < seen[-1][0] < seen[-1][1]:
                break
        assert "drizzle.txt" not in listed(server), f"indexed before any progress between was seen: {seen[-5:]}"
        time.sleep(0.05)
    else:
        pytest.fail(f"no progress between none and all was seen: {seen[-5:]}")
    status, _, body = server.request("DELETE", "/api/documents/drizzle.txt", timeout=120)
    assert status == 200, body
    assert not Path(server.corpus / "drizzle.txt").exists()
    deadline = time.time() + 300
    while server.get("/api/health")[1]["status"] == "indexing" and time.time() < deadline:
        time.sleep(0.2)
    health = server.get("/api/health")[1]
    assert health["ready"] and health["last_index_error"] is None, health
    assert "drizzle.txt" not in listed(server) and "alibaba-ai-infrastructure.txt" in listed(server)
    assert json.loads(body)  # the one error shape or the deletion's record: JSON either way
