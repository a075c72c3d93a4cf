"""Corpus files -> Document: original text kept, boilerplate left out, news credits as metadata."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from qa.corpus.formats import Budget, extract, supported
from qa.errors import CorpusError
from qa.schema import Document

log = logging.getLogger(__name__)


# Whole lines that news sites add around an article, which say nothing about the story.
# General shapes, not one article's lines. Credits (bylines, "With assistance from",
# editor's notes, photo credits) are not boilerplate: they stay, as text and as metadata.
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
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

NAMES = r"[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*(?:(?:\s*,\s*|\s+and\s+)[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*)*"
# What a news text says about itself, each read from a whole line (or a line's start).
CREDITS: dict[str, re.Pattern[str]] = {
    # "(Bloomberg) — Alibaba ...", "WASHINGTON (Reuters) - ..."
    # "(CNN)Seventy years ago ...": the agency's name set right before the story's first word
    "source": re.compile(r"^\s*(?:[A-Z][A-Za-z .,]{0,40})?\((?P<value>[A-Z][\w .&-]{1,30})\)(?:\s*[—–-]+\s|(?=[A-Z]))"),
    "authors": re.compile(rf"^\s*By\s+(?P<value>{NAMES})\s*$"),
    # "–With assistance from A and B.", "CNN's Dave Alsup contributed to this report."
    "contributors": re.compile(rf"^\s*(?:[-–—]*\s*With\s+assistance\s+from\s+(?P<value>{NAMES})\.?"
                               rf"|(?:[A-Z][\w.&]*['’]s\s+)?(?P<by>{NAMES})\s+contributed\s+to\s+(?:this|the)\s+"
                               rf"(?:report|story|article)\.?)\s*$", re.I),
    # "– Robert Lea and Jasmine Lyu, analysts": a signed passage
    "attribution": re.compile(rf"^\s*[-–—]+\s*(?P<value>{NAMES}(?:,\s*[\w\s]{{2,40}})?)\s*$"),
    "editor_note": re.compile(r"^\s*\(\s*(?P<value>(?:updates|adds|recasts|corrects|clarifies|an\s+earlier"
                              r"\s+version)\b[^)]{0,400})\)\s*$", re.I),
    "photo_credit": re.compile(r"^\s*(?:photo|image|video)\s*(?:credit)?\s*:\s*(?P<value>.{1,120})$", re.I),
    "date": re.compile(
        r"^\s*(?:(?:published|updated|posted)\s*:?\s*)?(?:\w+day,?\s+)?(?P<value>"
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
        r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}"
        r"|\d{4}-\d{2}-\d{2})\b[^.!?]{0,40}$", re.I),
}
HEADLINE_WORDS = 20


def content_segments(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` that hold content: non-empty lines that are not boilerplate,
    whitespace at either end left out so chunks start and end on text."""
    segments: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        body = text[start:end]
        if not body.strip() or BOILERPLATE_LINE.match(body):
            continue
        start += len(body) - len(body.lstrip())
        end -= len(body) - len(body.rstrip())
        segments.append((start, end))
    return tuple(segments)


def headline(text: str, segments: tuple[tuple[int, int], ...]) -> str | None:
    """The first content line when it reads as a headline: short, no closing full stop,
    not a credit line, and followed by more text (a Markdown "# heading" counts)."""
    if len(segments) < 2:
        return None
    line = text[segments[0][0] : segments[0][1]]
    plain = line.lstrip("#").strip()
    if line.startswith("#") or (
        len(plain.split()) <= HEADLINE_WORDS and not plain.endswith((".", "!", "?", ":", ";", ","))
        and not any(p.match(line) for p in CREDITS.values())
    ):
        return plain or None
    return None


def credit(m: re.Match[str]) -> str:
    """The value a credit line's match holds (its ``value`` group, or ``by`` for "X contributed ...")."""
    found = m.groupdict()
    return found.get("value") or found.get("by") or ""


def news_metadata(text: str, segments: tuple[tuple[int, int], ...]) -> dict[str, str]:
    """Headline, source, authors, contributors, attribution, editor's note, photo credit
    and date, where the text states them (each line keeps its place in the text)."""
    found: dict[str, str] = {}
    if (title := headline(text, segments)) is not None:
        found["headline"] = title
    for start, end in segments:
        line = text[start:end]
        for key, pattern in CREDITS.items():
            m = pattern.match(line)
            if m and key not in found:
                found[key] = credit(m).strip().rstrip(".")
    return found


# Two-letter words of a file name that are words, not initialisms ("ai" -> "AI", "us" stays).
SHORT_WORDS = frozenset("a an am as at be by do go he if in is it me my no of on or so to up us we".split())


def title_of(path: Path) -> str:
    """A readable title from a file name: ``alibaba-ai_infrastructure.txt`` -> ``Alibaba AI
    infrastructure`` (two-letter words that are not English words read as initialisms)."""
    words = [w.upper() if len(w) == 2 and w.isalpha() and w.islower() and w not in SHORT_WORDS else w
             for w in re.sub(r"[_\-]+", " ", path.stem).split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else path.name


def load_document(path: Path, corpus_dir: Path, budget: Budget = Budget()) -> Document:
    """Read one file (any format of ``qa.corpus.formats``) into a Document.

    Raises:
        CorpusError: the file cannot be read in its format or holds no text.
    """
    raw = path.read_bytes()
    extracted = extract(str(path), raw, budget)
    document = document_from_text(path.relative_to(corpus_dir).as_posix(), extracted.text,
                                  extracted.title or title_of(path), hashlib.sha256(raw).hexdigest(),
                                  extracted.pages, extracted.metadata, titled=extracted.title is not None)
    if not document.segments:
        raise CorpusError(f"{path}: empty (no text to index)")
    return document


def document_from_text(doc_id: str, text: str, title: str, sha256: str, pages: tuple[int, ...] = (),
                       metadata: dict[str, str] | None = None, titled: bool = False) -> Document:
    """A Document of already extracted text: content segments marked (offsets into ``text``),
    news credits read as metadata (``metadata`` from the file format wins); the headline,
    when the text has one, is the title, unless the format gave one (``titled``)."""
    segments = content_segments(text)
    found = {**news_metadata(text, segments), **(metadata or {})}
    return Document(doc_id=doc_id, title=title if titled else found.get("headline", title), text=text,
                    sha256=sha256, segments=segments, metadata=found, pages=pages)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The files under ``corpus_dir`` that qa reads (``qa.corpus.formats``), sorted, hidden ones left out.

    Raises:
        CorpusError: the folder does not exist.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and supported(p.name)
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def load_corpus(corpus_dir: Path, budget: Budget = Budget()) -> Iterator[Document | CorpusError]:
    """Yield a Document per readable file, or the CorpusError that made a file unusable."""
    for path in corpus_files(corpus_dir):
        try:
            yield load_document(path, corpus_dir, budget)
        except CorpusError as exc:
            log.warning("skipped %s", exc)
            yield exc
