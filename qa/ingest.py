"""Corpus files -> Document: original text kept, boilerplate lines left out of segments."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from .errors import CorpusError
from .schema import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")

# Whole lines that news sites add around an article. General shapes, not one article's lines.
BOILERPLATE_LINE = re.compile(
    r"""^\s*(?:
        (?:most\s+(?:read|popular|viewed)|top\s+stories|trending|related\s+(?:stories|articles|coverage)
           |more\s+from|recommended(?:\s+for\s+you)?|read\s+(?:more|next)|also\s+read|you\s+may\s+also\s+like)
           \b[^.!?]{0,60}
      | story\s+continues(?:\s+below)?
      | continue\s+reading.{0,40}
      | advertisement | sponsored(?:\s+content)? | skip\s+(?:to\s+)?(?:ad|content)
      | (?:click|tap)\s+here\b.{0,80}
      | (?:sign\s+up|subscribe)\b.{0,100}
      | share\s+(?:this\s+)?(?:article|story)\b.{0,40}
      | (?:©|\(c\)|copyright\b).{0,120}
      | all\s+rights\s+reserved.{0,40}
      | [-–—]*\s*with\s+assistance\s+from\b.{0,160}
      | \(\s*(?:updates|adds|recasts|corrects)\b[^)]{0,300}\)
      | (?:photo|image|video)\s*(?:credit)?\s*:.{0,120}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# "(Bloomberg) — ", "(Reuters) - ": a dateline that prefixes the first paragraph.
DATELINE = re.compile(r"^\s*(?:[A-Z][A-Za-z .,]{0,40})?\((?:[A-Z][\w .&-]{1,30})\)\s*[—–-]+\s*")


def content_segments(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` that hold content: non-empty lines that are not boilerplate.

    A leading dateline is trimmed from the line it starts; whitespace at either end of a
    line is left out so chunks start and end on text.
    """
    segments: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        body = text[start:end]
        if not body.strip() or BOILERPLATE_LINE.match(body):
            continue
        if not segments and (m := DATELINE.match(body)):
            start += m.end()
        start += len(text[start:end]) - len(text[start:end].lstrip())
        end -= len(text[start:end]) - len(text[start:end].rstrip())
        if end > start:
            segments.append((start, end))
    return tuple(segments)


def title_of(path: Path) -> str:
    """A readable title from a file name: ``alibaba-ai_infrastructure.txt`` -> ``Alibaba ai infrastructure``."""
    words = re.sub(r"[_\-]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else path.name


def load_document(path: Path, corpus_dir: Path) -> Document:
    """Read one file as UTF-8 into a Document.

    Raises:
        CorpusError: the file is not valid UTF-8 or holds no text.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    text = text.removeprefix("\ufeff")
    segments = content_segments(text)
    if not segments:
        raise CorpusError(f"{path}: empty (no text to index)")
    return Document(
        doc_id=path.relative_to(corpus_dir).as_posix(),
        title=title_of(path),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        segments=segments,
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The .txt/.md files under ``corpus_dir``, sorted, hidden ones left out.

    Raises:
        CorpusError: the folder does not exist.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def load_corpus(corpus_dir: Path) -> Iterator[Document | CorpusError]:
    """Yield a Document per readable file, or the CorpusError that made a file unusable."""
    for path in corpus_files(corpus_dir):
        try:
            yield load_document(path, corpus_dir)
        except CorpusError as exc:
            log.warning("skipped %s", exc)
            yield exc
