"""SelQA dev (evaluation only, never trained or tuned on): 785 crowd-written questions over
Wikipedia sections, half of them rewritten by people from another question, each with its
answer sentence(s) marked. Every section is one document of one corpus (680 sections); each
question is asked of all of it and scored by the sentence qa cites first:

- right: it overlaps a marked answer sentence of the question's own section;
- wrong: qa answered with another sentence;
- refused: qa said the sources do not say (every SelQA question is answerable).

Rewritten and original questions are reported side by side, for each judge given.

  python -m bench.selqa --shared ../shared [--judge v7=qa/models/judge --judge v6=git:2453b03]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from bench.judges import parse_judges
from qa.core.config import Settings
from qa.pipeline import Pipeline, make_embedder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"


@dataclass(frozen=True)
class Question:
    """One SelQA question: its document, whether people rewrote it, and the character spans of
    its answer sentences in that document."""

    text: str
    doc_id: str
    rewritten: bool
    answers: tuple[tuple[int, int], ...]


def section_name(index: int, article: str, section: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{article} {section}").strip("-")[:60]
    return f"{index:04d}-{slug}.txt"


def build(selqa: Path, folder: Path) -> list[Question]:
    """Writes each section as a document (its heading, then its sentences) and returns the
    questions with their answer sentences' spans in those documents."""
    rows = json.loads(selqa.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[tuple[str, str, tuple[str, ...]], str] = {}
    questions = []
    for row in rows:
        key = (row["article"], row["section"], tuple(row["candidates"]))
        heading = f"{row['article']}: {row['section']}\n\n"
        starts, offset = [], len(heading)
        for sentence in row["candidates"]:
            starts.append(offset)
            offset += len(sentence) + 1
        if key not in names:
            names[key] = section_name(len(names), row["article"], row["section"])
            path = folder / names[key]
            text = heading + " ".join(row["candidates"]) + "\n"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
        spans = tuple((starts[i], starts[i] + len(row["candidates"][i])) for i in row["answers"])
        questions.append(Question(row["question"], names[key], bool(row["is_paraphrase"]), spans))
    wanted = set(names.values())
    for stale in folder.glob("*.txt"):
        if stale.name not in wanted:
            stale.unlink()
    return questions


def outcome(pipeline: Pipeline, q: Question, k: int) -> str:
    answer = pipeline.ask(q.text, k=k)
    if answer.abstained or not answer.citations:
        return "refused"
    c = answer.citations[0]
    if c.doc_id != q.doc_id:
        return "wrong"
    inside = max(min(c.end, e) - max(c.start, s) for s, e in q.answers)
    return "right" if inside >= (c.end - c.start) / 2 else "wrong"


def score(outcomes: list[tuple[bool, str]]) -> dict[str, dict[str, float | int]]:
    out: dict[str, dict[str, float | int]] = {}
    for name, rewritten in (("original", False), ("rewritten", True)):
        got = [o for r, o in outcomes if r == rewritten]
        out[name] = {"questions": len(got),
                     **{kind: round(got.count(kind) / len(got), 3) for kind in ("right", "wrong", "refused")}}
    out["gap_right"] = {"original_minus_rewritten": round(out["original"]["right"] - out["rewritten"]["right"], 3)}
    return out


def record(k: int, named: dict[str, str], results: dict[str, dict]) -> None:
    """Add these judges' results to results/selqa.json (a judge measured before under the same
    name and k is replaced; the others stay)."""
    path = RESULTS / "selqa.json"
    kept = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if kept.get("k") != k:
        kept = {}
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"k": k, "judges": {**kept.get("judges", {}), **named},
                                "results": {**kept.get("results", {}), **results}}, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--judge", action="append", default=[],
                    help="NAME=FOLDER or NAME=git:REV (default: the shipped judge)")
    ap.add_argument("--k", type=int, default=Settings().k)
    ap.add_argument("--limit", type=int, help="only the first N questions (a smoke run)")
    a = ap.parse_args()
    corpus = ROOT / ".qa" / "selqa" / "corpus"
    questions = build(a.shared / "data" / "selqa" / "selqa-ass-dev.json", corpus)[: a.limit]
    judges = parse_judges(a.judge)
    embedder = make_embedder(Settings())
    results = {}
    for name, folder in judges.items():
        t0 = time.time()
        settings = Settings(index_dir=ROOT / ".qa" / "eval-selqa", corpus_dir=corpus)
        if folder:  # else QA_JUDGE_DIR, or the shipped judge
            settings = settings.model_copy(update={"judge_dir": folder})
        pipeline = Pipeline.from_settings(settings, embedder)
        try:
            pipeline.index()
            results[name] = score([(q.rewritten, outcome(pipeline, q, a.k)) for q in questions])
        finally:
            pipeline.close()
        print(f"[{name}] {json.dumps(results[name])} ({time.time() - t0:.0f} s)", flush=True)
    record(a.k, {n: str(f or "shipped") for n, f in judges.items()}, results)
    print(f"\n{'judge':10}{'':>4}{'right':>8}{'wrong':>8}{'refused':>9}  (original / rewritten)")
    for name, r in results.items():
        for part in ("original", "rewritten"):
            s = r[part]
            print(f"{name:10}{part[:4]:>4}{s['right']:>8}{s['wrong']:>8}{s['refused']:>9}")
        print(f"{name:10} gap in right sentence: {r['gap_right']['original_minus_rewritten']:+.3f}")


if __name__ == "__main__":
    main()
