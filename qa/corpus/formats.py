"""Files -> plain text, per format, with what a file says about itself.

``.txt`` and ``.md`` are read as UTF-8; ``.html``/``.htm`` keep their main text only
(trafilatura drops navigation, footers and other boilerplate) and give title, author, date
and site; ``.pdf`` is read page by page (pypdf), the offset where each page starts kept so
that a citation can name its page. Offsets of passages and citations always refer to the
extracted text, which is what the index stores and the document view shows.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass, field

from qa.core.errors import CorpusError

log = logging.getLogger(__name__)

FORMATS = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}
PAGE_BREAK = "\n\n"


@dataclass(frozen=True)
class Extracted:
    """A file's text; ``pages``: offset in ``text`` where each page starts (PDF only)."""

    text: str
    title: str | None = None
    pages: tuple[int, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Budget:
    """What one file may cost to extract (None: no limit): an HTML page's bytes (its parser's
    time grows with them), a PDF's pages and seconds."""

    html_bytes: int | None = None
    pdf_pages: int | None = None
    seconds: float | None = None


def supported(name: str) -> bool:
    return any(name.lower().endswith(suffix) for suffix in FORMATS)


def formats_read() -> str:
    """The formats qa reads, as every message that refuses another one says them."""
    return ", ".join(sorted(FORMATS))


def extract(name: str, raw: bytes, budget: Budget = Budget()) -> Extracted:
    """The text of file ``name`` (its suffix says the format) holding ``raw``.

    Raises:
        CorpusError: an unsupported format, a file that holds no readable text, one over the
            ``budget``, or one its parser fails on in any way (a hostile file is skipped, never fatal).
    """
    kind = next((k for suffix, k in FORMATS.items() if name.lower().endswith(suffix)), None)
    try:
        if kind == "text":
            return Extracted(_utf8(name, raw))
        if kind == "html":
            return _html(name, raw, budget)
        if kind == "pdf":
            return _pdf(name, raw, budget)
    except CorpusError:
        raise
    except Exception as exc:  # the parsers' own failures on crafted files: AttributeError, RecursionError ...
        raise CorpusError(f"{name}: could not be read as {kind} ({type(exc).__name__}: {exc})"[:500]) from exc
    raise CorpusError(f"{name}: unsupported format (qa reads {formats_read()})")


def _utf8(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _html(name: str, raw: bytes, budget: Budget) -> Extracted:
    import trafilatura

    if budget.html_bytes is not None and len(raw) > budget.html_bytes:
        raise CorpusError(f"{name}: the HTML page is {len(raw):,} bytes; qa extracts pages up to "
                          f"{budget.html_bytes:,} (QA_MAX_HTML_BYTES)")
    html = _utf8(name, raw)
    text = trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=True,
                               favor_precision=True)
    if not text or not text.strip():
        raise CorpusError(f"{name}: no main text found in the HTML")
    meta = trafilatura.extract_metadata(html, extensive=False)  # a date the page states, not a guess
    found = {} if meta is None else {
        key: str(value) for key, value in (("authors", meta.author), ("date", meta.date), ("source", meta.sitename),
                                           ("url", meta.url)) if value}
    return Extracted(text, meta.title if meta is not None and meta.title else None, (), found)


def _pdf(name: str, raw: bytes, budget: Budget) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    t0 = time.monotonic()
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise CorpusError(f"{name}: the PDF is encrypted")
        if budget.pdf_pages is not None and len(reader.pages) > budget.pdf_pages:
            raise CorpusError(f"{name}: the PDF has {len(reader.pages):,} pages; qa reads up to {budget.pdf_pages:,} "
                              "(QA_MAX_PDF_PAGES)")
        pages = []
        for page in reader.pages:
            if budget.seconds is not None and time.monotonic() - t0 > budget.seconds:
                raise CorpusError(f"{name}: extracting its text took over {budget.seconds:g} s "
                                  "(QA_EXTRACT_SECONDS)")
            pages.append((page.extract_text() or "").strip())
        info = reader.metadata
    except PyPdfError as exc:
        raise CorpusError(f"{name}: not a readable PDF ({exc})") from exc
    starts, parts, pos = [], [], 0
    for text in pages:
        starts.append(pos)
        parts.append(text)
        pos += len(text) + len(PAGE_BREAK)
    text = PAGE_BREAK.join(parts)
    if not text.strip():
        raise CorpusError(f"{name}: the PDF holds no extractable text (scanned pages need OCR first)")
    found = {"pages": str(len(pages))}
    if info is not None and info.author:
        found["authors"] = str(info.author)
    title = str(info.title) if info is not None and info.title else None
    return Extracted(text, title, tuple(starts), found)
