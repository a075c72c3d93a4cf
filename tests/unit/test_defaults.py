"""One home per default: the limits and defaults that the API, the UI, MCP, LangChain and the
CLI share are written once, in ``Settings`` (qa/core/config.py) or as named limits (qa/core/inputs.py);
anywhere else in qa/ and ui/ they are referred to, never written again as literals."""

import ast
import re
from pathlib import Path

from qa.core.config import OLLAMA_URL, Settings
from qa.core.inputs import K_MAX, MAX_COMMENT, MAX_QUERY, MAX_TURN, MAX_TURNS
from tests.support import ROOT

HOMES = {"config.py", "inputs.py"}
DEFAULTS = Settings.model_fields
# values distinctive enough that a literal copy of them is a copied default, not a coincidence
SHARED = {K_MAX: "K_MAX", MAX_QUERY: "MAX_QUERY", MAX_COMMENT: "MAX_COMMENT",
          MAX_TURNS: "MAX_TURNS", DEFAULTS["chunk_size"].default: "QA_CHUNK_SIZE", DEFAULTS["port"].default: "QA_PORT",
          DEFAULTS["chroma_port"].default: "QA_CHROMA_PORT"}
# in help texts and descriptions (the loopback address is a fact, not a default: not listed)
SHARED_TEXT = [OLLAMA_URL, str(MAX_QUERY), str(MAX_TURN), str(DEFAULTS["port"].default),
               f"1..{K_MAX}"]


def sources() -> list[Path]:
    return [p for folder in ("qa", "ui") for p in sorted((ROOT / folder).rglob("*.py")) if p.name not in HOMES]


def test_no_shared_limit_or_default_is_written_again_as_a_number() -> None:
    copies = [f"{p.relative_to(ROOT)}:{node.lineno}: {node.value} (is {SHARED[node.value]})"
              for p in sources() for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
              if isinstance(node, ast.Constant) and type(node.value) is int and node.value in SHARED]
    assert not copies, copies


def test_no_shared_default_is_written_again_in_text() -> None:
    copies = []
    for p in sources():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for value in SHARED_TEXT:
                    if re.search(rf"(?<![\w.:/]){re.escape(value)}(?![\w.])", node.value):
                        copies.append(f"{p.relative_to(ROOT)}:{node.lineno}: {value!r} in {node.value[:60]!r}")
    assert not copies, copies
