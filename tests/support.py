"""What tests share besides fixtures: the repository's paths, qa's defaults, a free port, a
corpus folder holding the article (tests import these from here; conftest.py holds fixtures)."""

from __future__ import annotations

import socket
from pathlib import Path

from qa.core.config import Settings
from qa.index.retrieval import RetrievalConfig

DEFAULTS = Settings.model_construct()  # the defaults themselves, never the developer's QA_* variables
CHUNKING = (DEFAULTS.chunk_size, DEFAULTS.chunk_overlap)  # chunk_document(doc, *CHUNKING): as qa chunks
BM25 = (RetrievalConfig.fitted().bm25_k1, RetrievalConfig.fitted().bm25_b)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ARTICLE = ROOT / "corpus" / "alibaba-ai-infrastructure.txt"
DEV_QA = SHARED / "eval" / "article-dev.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_corpus(root: Path, extra: dict[str, str] | None = None) -> Path:
    """``root/corpus`` holding a copy of the article and any ``extra`` {file name: text}."""
    folder = root / "corpus"
    folder.mkdir()
    (folder / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
