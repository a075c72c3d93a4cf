"""Metrics over a QA file, in process; the same definitions as shared/eval/score.py."""

from __future__ import annotations

import difflib
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.pipeline import Pipeline

QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                        "\u2014": "-", "\u2013": "-", "\u00a0": " "})


def norm(text: str) -> str:
    text = text.translate(QUOTES).lower()
    return re.sub(r"\s+", " ", text).strip()


def loose(text: str) -> str:
    return re.sub(r"[^a-z0-9%$ ]", "", norm(text)).replace(" ", "")


def coverage(evidence: str, passage: str) -> float:
    """Share of the evidence covered by one contiguous piece of the passage."""
    e, p = norm(evidence), norm(passage)
    if not e:
        return 0.0
    if e in p:
        return 1.0
    m = difflib.SequenceMatcher(None, e, p, autojunk=False).find_longest_match(0, len(e), 0, len(p))
    return m.size / len(e)


def percentile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def load_qa(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def source_text(source: Path) -> str:
    files = sorted(source.rglob("*")) if source.is_dir() else [source]
    return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in files if f.is_file())


@dataclass(frozen=True)
class Reply:
    """What a system under test answered: the text, whether it abstained, its cited quotes."""

    answer: str
    abstained: bool
    quotes: tuple[str, ...]
    confidence: float | None = None


def evaluate(
    pipeline: Pipeline,
    qa_file: Path,
    source: Path,
    k: int = 4,
    retrieve_only: bool = False,
    hybrid: bool = True,
) -> dict[str, Any]:
    """Score qa's retrieval (recall@k, MRR) and answers (accuracy, abstention, citations, length).

    Returns:
        {"summary": {...}, "by_kind": {kind: {...}}, "questions": [...]}.
    """

    def retrieve(question: str, documents: list[str] | None = None) -> list[str]:
        return [h.chunk.text for h in pipeline.retrieve(question, k, hybrid=hybrid, documents=documents)]

    def ask(question: str, documents: list[str] | None = None) -> Reply:
        a = pipeline.ask(question, k=k, hybrid=hybrid, documents=documents)
        return Reply(a.answer, a.abstained, tuple(c.quote for c in a.citations), a.confidence)

    return score_system(retrieve, None if retrieve_only else ask, qa_file, source, k)


def evidence_found(evidence: list[str], texts: list[str]) -> dict[str, Any]:
    """How many of a question's evidence sentences the passages hold, and the first passage that does."""
    first = None
    found = 0
    for ev in evidence:
        ranks = [i for i, t in enumerate(texts) if coverage(ev, t) >= 0.6]
        if ranks:
            found += 1
            first = ranks[0] if first is None else min(first, ranks[0])
    return {"evidence": len(evidence), "evidence_found": found, "first_hit_rank": first}


def score_system(
    retrieve: Callable[..., list[str]],
    ask: Callable[..., Reply] | None,
    qa_file: Path,
    source: Path,
    k: int = 4,
) -> dict[str, Any]:
    """The metrics of shared/eval/score.py for any system given as two functions: ranked
    passage texts for a question, and a Reply (``ask=None`` scores retrieval only). A row with a
    ``scope`` (document ids) is asked of those documents alone (both functions get ``documents``); one
    with ``answers_all`` is right when the answer holds an answer of every group, and one with
    ``max_words`` only within that length."""
    retrieve_only = ask is None
    rows = load_qa(qa_file)
    source_n = norm(source_text(source))
    source_l = loose(source_n)
    per: list[dict[str, Any]] = []
    t_ret: list[float] = []
    t_ask: list[float] = []
    for row in rows:
        res: dict[str, Any] = {"id": row["id"], "kind": row.get("kind"), "answerable": row["answerable"]}
        t0 = time.perf_counter()
        scope = {"documents": row["scope"]} if row.get("scope") else {}
        texts = retrieve(row["question"], **scope)[:k]
        t_ret.append((time.perf_counter() - t0) * 1000)
        res["passage_words"] = [len(t.split()) for t in texts]
        if row["answerable"]:
            res.update(evidence_found(row["evidence"], texts))
        if ask is not None:
            t0 = time.perf_counter()
            reply = ask(row["question"], **scope)
            t_ask.append((time.perf_counter() - t0) * 1000)
            cites = reply.quotes
            valid = [bool(c.strip()) and (norm(c) in source_n or loose(c) in source_l) for c in cites]
            if row["answerable"]:
                groups = row.get("answers_all") or [row["answers"]]
                ok = ((not reply.abstained) and all(any(norm(x) in norm(reply.answer) for x in g) for g in groups)
                      and len(reply.answer.split()) <= row.get("max_words", len(reply.answer.split())))
                supported = ok and any(
                    coverage(ev, c) >= 0.5 or coverage(c, ev) >= 0.8 and len(norm(c)) > 10
                    for ev in row["evidence"] for c in cites
                )
            else:
                ok, supported = reply.abstained, None
            res.update(answer=reply.answer, abstained=reply.abstained, correct=ok,
                       supported=supported if ok else None, citations_valid=valid,
                       confidence=reply.confidence)
        per.append(res)
    summary = summarize(per, k, retrieve_only)
    summary["retrieve_p50_ms"] = round(percentile(t_ret, 0.5), 1)
    summary["retrieve_p95_ms"] = round(percentile(t_ret, 0.95), 1)
    if not retrieve_only:
        summary["ask_p50_ms"] = round(percentile(t_ask, 0.5), 1)
        summary["ask_p95_ms"] = round(percentile(t_ask, 0.95), 1)
    kinds = sorted({r["kind"] or "-" for r in per})
    by_kind = {kind: summarize([r for r in per if (r["kind"] or "-") == kind], k, retrieve_only)
               for kind in kinds}
    return {"summary": summary, "by_kind": by_kind, "questions": per}


def summarize(per: list[dict[str, Any]], k: int, retrieve_only: bool) -> dict[str, Any]:
    answerable = [r for r in per if r["answerable"]]
    unanswerable = [r for r in per if not r["answerable"]]
    ev_total = sum(r["evidence"] for r in answerable)
    out: dict[str, Any] = {
        "questions": len(per),
        f"recall@{k}": round(sum(r["evidence_found"] for r in answerable) / ev_total, 3) if ev_total else None,
        "mrr": round(statistics.mean(0.0 if r["first_hit_rank"] is None else 1 / (r["first_hit_rank"] + 1)
                                     for r in answerable), 3) if answerable else None,
        "passage_words": statistics.median([w for r in per for w in r["passage_words"]] or [0]),
    }
    if retrieve_only:
        return out
    mean = lambda xs: round(statistics.mean(xs), 3) if xs else None
    cites = [v for r in per for v in r["citations_valid"]]
    support = [r["supported"] for r in answerable if r["correct"]]
    out.update(
        answer_acc=mean([r["correct"] for r in per]),
        answerable_acc=mean([r["correct"] for r in answerable]),
        unanswerable_acc=mean([r["correct"] for r in unanswerable]),
        answered_share=mean([not r["abstained"] for r in per]),
        wrong_among_answered=mean([not r["correct"] for r in per if not r["abstained"]]),
        cite_valid=mean(cites),
        cite_support=mean(support),
        answer_words=statistics.median(
            [len(r["answer"].split()) for r in per if not r["abstained"]] or [0]),
    )
    return out


def format_table(result: dict[str, Any]) -> str:
    """A plain-text table of the summary and the per-kind breakdown."""
    summary, by_kind = result["summary"], result["by_kind"]
    keys = list(summary)
    cols = ["all", *by_kind]
    rows = [[key, *(_fmt(summary.get(key)) if c == "all" else _fmt(by_kind[c].get(key)) for c in cols)]
            for key in keys]
    widths = [max(len(str(x)) for x in col) for col in zip(["metric", *cols], *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))
    return "\n".join([line(["metric", *cols]), line(["-" * w for w in widths]), *map(line, rows)])


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)
