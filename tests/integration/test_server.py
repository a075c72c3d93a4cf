"""The real server scored by shared/eval/score.py, as any HTTP client would see it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import Server, run_qa
from tests.support import ARTICLE, DEV_QA, SHARED

pytestmark = pytest.mark.integration

# Floors just below what was measured (see README "Quality"); one more miss fails CI.
# Measured 2026-12-02 with the trained judge v7 at QA_MAX_WRONG_RATE 0.375 (threshold 0.30;
# never fitted on these questions): recall@4 1.0, MRR 0.961, answer_acc 0.571 (answerable
# 10/17, unanswerable 2/4), cite_valid 1.0, cite_support 1.0, answer_words 24.5. (Judge v6:
# 0.619, answerable 11/17: v7 refuses more, README "Quality".)
RETRIEVAL_FLOORS = {"recall@4": 0.95, "mrr": 0.9}
ANSWER_FLOORS = {"answer_acc": 0.55, "answerable_acc": 0.55, "unanswerable_acc": 0.5,
                 "cite_valid": 1.0, "cite_support": 0.95}


def score(server: Server, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "score.json"
    done = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "score.py"), "--base", server.base, "--qa", str(DEV_QA),
         "--source", str(ARTICLE), "--k", "4", "--json", str(out), *extra],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_retrieval_meets_its_floors(served: Server, tmp_path: Path) -> None:
    summary = score(served, tmp_path, "--retrieve-only")
    assert summary["errors"] == 0
    for key, floor in RETRIEVAL_FLOORS.items():
        assert summary[key] >= floor, (key, summary)
    assert summary["passage_words"] <= 100


def test_answers_meet_their_floors(served: Server, tmp_path: Path) -> None:
    summary = score(served, tmp_path)
    assert summary["errors"] == 0
    for key, floor in ANSWER_FLOORS.items():
        assert summary[key] >= floor, (key, summary)
    assert summary["answer_words"] <= 40


def test_bad_input_gets_a_clear_422(article_server: Server) -> None:
    status, body = article_server.post("/api/retrieve", {"query": "  ", "k": 4})
    assert status == 422 and "query" in body["error"]["message"]
    status, body = article_server.post("/api/retrieve", {"query": "ok", "k": 500})
    assert status == 422 and "k" in body["error"]["message"]


def test_server_binds_to_loopback_only(article_server: Server) -> None:
    assert article_server.base.startswith("http://127.0.0.1:")


def test_cli_retrieve_and_ask_print_offsets(article_server: Server) -> None:
    # the server owns its index: the CLI reads a copy made from the same corpus
    env = {"QA_INDEX_DIR": str(article_server.index.parent / "cli-index"),
           "QA_CORPUS_DIR": str(article_server.corpus)}
    assert run_qa("index", env=env).returncode == 0
    done = run_qa("retrieve", "Who co-founded Alibaba?", "-k", "2", env=env)
    assert done.returncode == 0, done.stderr
    assert "Jack Ma" in done.stdout and "alibaba-ai-infrastructure.txt [" in done.stdout
    done = run_qa("ask", "Who co-founded Alibaba?", env=env)
    assert done.returncode == 0, done.stderr
    assert "Jack Ma" in done.stdout and "[1] alibaba-ai-infrastructure.txt [" in done.stdout


def test_cli_reports_a_missing_corpus_with_exit_code_2(tmp_path: Path) -> None:
    done = run_qa("index", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "i"))
    assert done.returncode == 2
    assert "corpus folder not found" in done.stderr


def test_reading_commands_ask_the_server_that_owns_the_index(article_server: Server) -> None:
    env = {"QA_INDEX_DIR": str(article_server.index)}
    done = run_qa("retrieve", "Who co-founded Alibaba?", "-k", "2", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert f"served by {article_server.base}" in done.stderr
    passages = json.loads(done.stdout)["passages"]
    assert len(passages) == 2 and "Jack Ma" in passages[0]["text"]
    done = run_qa("ask", "Who co-founded Alibaba?", env=env)
    assert done.returncode == 0, done.stderr
    assert "Jack Ma" in done.stdout and "[1] alibaba-ai-infrastructure.txt [" in done.stdout
    done = run_qa("ask", "   ", env=env)  # bad input still fails before anything is asked
    assert done.returncode == 2


def test_a_second_writer_is_refused_with_the_servers_pid(article_server: Server) -> None:
    done = run_qa("index", env={"QA_INDEX_DIR": str(article_server.index),
                                "QA_CORPUS_DIR": str(article_server.corpus)})
    assert done.returncode == 3
    assert f"in use by another qa process (pid {article_server.process.pid})" in done.stderr


def test_qa_eval_agrees_with_score_py(article_server: Server, tmp_path: Path) -> None:
    served = score(article_server, tmp_path)
    out = tmp_path / "eval.json"
    env = {"QA_INDEX_DIR": str(tmp_path / "eval-index")}
    done = run_qa("eval", "--qa", str(DEV_QA), "--corpus", str(article_server.corpus), "-k", "4",
                  "--json", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert "recall@4" in done.stdout and "factoid" in done.stdout  # the table, with kinds
    ours = json.loads(out.read_text())["summary"]
    for key in ("recall@4", "mrr", "passage_words", "answer_acc", "answerable_acc", "unanswerable_acc",
                "cite_valid", "cite_support", "answer_words"):
        assert ours[key] == served[key], (key, ours[key], served[key])


def test_binding_beyond_loopback_needs_an_api_key(tmp_path: Path) -> None:
    done = run_qa("serve", "--host", "0.0.0.0", "--index", str(tmp_path / "i"), timeout=60)
    assert done.returncode == 2 and "QA_API_KEY" in done.stderr
