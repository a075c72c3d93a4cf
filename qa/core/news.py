"""How a news text reads: the lines sites add around a story (boilerplate), the lines a story
states about itself (credits: agency, byline, contributors, a signed passage, the date), and
the content segments left once boilerplate is set aside. Text rules only, no I/O: ingestion,
the summaries and the source composer all read a story through them."""

from __future__ import annotations

import re

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
