"""Corpus files -> Document: original text kept, boilerplate left out, news credits as metadata."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from qa.core.errors import CorpusError
from qa.core.news import content_segments, news_metadata
from qa.core.schema import Document
from qa.corpus.formats import Budget, extract, supported

log = logging.getLogger(__name__)


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
