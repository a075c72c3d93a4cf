"""SQuAD v1.1 articles as qa Documents, and the split by article the judge is trained on.

An article's text is built exactly as ``shared/eval/squad_to_corpus.py`` writes it (its
paragraphs joined by a blank line), and read through qa's own ingest and chunking, so the
judge trains on the passages qa serves.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from qa.core.config import Settings
from qa.core.schema import Chunk, Document
from qa.corpus.ingest import document_from_text, title_of
from qa.index.chunking import chunk_document

SETTINGS = Settings()  # qa's defaults: the judge trains on the chunks qa serves
SPLIT_SEED = 2026
SPLIT_SIZES = {"test": 8, "val": 8}  # the rest is "train"


@dataclass(frozen=True)
class Question:
    """A SQuAD question, its gold answers and their character offsets in the document."""

    qid: str
    text: str
    answers: tuple[str, ...]
    positions: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Article:
    name: str  # the SQuAD title, e.g. "Super_Bowl_50"
    document: Document
    chunks: tuple[Chunk, ...]
    questions: tuple[Question, ...]

    @property
    def file_name(self) -> str:
        return self.document.doc_id


def file_name(title: str) -> str:
    """The corpus file name squad_to_corpus.py gives an article."""
    return f"{re.sub(r'[^A-Za-z0-9_.-]', '_', title)}.txt"


def load_articles(data_dir: Path, chunk_size: int = SETTINGS.chunk_size,
                  chunk_overlap: int = SETTINGS.chunk_overlap) -> list[Article]:
    """Every article of the SQuAD JSON files in ``data_dir`` (``*.json`` or ``*.json.gz``),
    chunked as qa chunks it."""
    out: list[Article] = []
    for path in sorted([*data_dir.glob("*.json"), *data_dir.glob("*.json.gz")]):
        with (gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")) as f:
            data = json.load(f)["data"]
        out.extend(build_article(art, chunk_size, chunk_overlap) for art in data)
    return out


def build_article(art: dict, chunk_size: int, chunk_overlap: int) -> Article:
    paragraphs = [p["context"].strip() for p in art["paragraphs"]]
    text = "\n\n".join(paragraphs) + "\n"
    name = file_name(art["title"])
    document = document_from_text(name, text, title_of(Path(name)), hashlib.sha256(text.encode()).hexdigest())
    questions = []
    offset = 0
    for p, context in zip(art["paragraphs"], paragraphs):
        shift = len(p["context"]) - len(p["context"].lstrip())
        for qa in p["qas"]:
            positions = []
            for a in qa["answers"]:
                start = offset + a["answer_start"] - shift
                end = start + len(a["text"].strip())
                if text[start:end] == a["text"].strip():
                    positions.append((start, end))
            if positions:
                questions.append(Question(qa["id"], qa["question"].strip(),
                                          tuple(sorted({a["text"].strip() for a in qa["answers"]})),
                                          tuple(sorted(set(positions)))))
        offset += len(context) + 2
    chunks = tuple(chunk_document(document, chunk_size, chunk_overlap))
    return Article(art["title"], document, chunks, tuple(questions))


def split(names: list[str], seed: int = SPLIT_SEED) -> dict[str, list[str]]:
    """Articles by part: "test" (never trained or tuned on), "val" (threshold and
    calibration), "train". Seeded, so the same names always give the same split."""
    order = sorted(names)
    random.Random(seed).shuffle(order)
    test = sorted(order[: SPLIT_SIZES["test"]])
    val = sorted(order[SPLIT_SIZES["test"] : SPLIT_SIZES["test"] + SPLIT_SIZES["val"]])
    return {"train": sorted(set(order) - set(test) - set(val)), "val": val, "test": test}


def unanswerable_questions(path: Path, articles: dict[str, Article]) -> dict[str, list[Question]]:
    """SQuAD 2.0's human-written unanswerable questions, by article name, over the v1.1
    articles (same titles, same paragraphs): ``answers``/``positions`` hold the plausible
    answer, the span a reader would wrongly pick (the hard negative)."""
    out: dict[str, list[Question]] = {}
    for art in json.loads(path.read_text(encoding="utf-8"))["data"]:
        article = articles.get(art["title"])
        if article is None:
            continue
        text = article.document.text
        for p in art["paragraphs"]:
            context = p["context"].strip()
            base = text.find(context)
            if base < 0:
                continue
            shift = len(p["context"]) - len(p["context"].lstrip())
            for qa in p["qas"]:
                if not qa.get("is_impossible"):
                    continue
                spans = []
                for a in qa.get("plausible_answers", []):
                    start = base + a["answer_start"] - shift
                    end = start + len(a["text"].strip())
                    if text[start:end] == a["text"].strip():
                        spans.append((start, end))
                if not spans:  # no plausible span: the paragraph's start stands for it
                    spans = [(base, base + 1)]
                out.setdefault(art["title"], []).append(Question(
                    qa["id"], qa["question"].strip(), tuple(sorted({text[s:e] for s, e in spans})),
                    tuple(sorted(set(spans)))))
    return out


def shift_articles(path: Path, chunk_size: int = SETTINGS.chunk_size,
                   chunk_overlap: int = SETTINGS.chunk_overlap) -> list[Article]:
    """A SQuAD-shifts file as articles: each title its own (new Wikipedia, Amazon products);
    a file of one title (Reddit) gives one article per post."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    if len(data) == 1:
        data = [{"title": f"{data[0]['title']}_{i}", "paragraphs": [p]} for i, p in enumerate(data[0]["paragraphs"])]
    return [build_article(art, chunk_size, chunk_overlap) for art in data]


def hashed_split(names: list[str], val: float = 0.15, test: float = 0.15) -> dict[str, list[str]]:
    """SQuAD-shifts by article or post, from a hash of the name: stable whatever else changes."""
    parts: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for name in sorted(names):
        x = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        parts["test" if x < test else "val" if x < test + val else "train"].append(name)
    return parts
