"""`make eval` / `make bench`: qa on the article dev set and on SQuAD, split as the judge was
trained: articles it trained on, articles whose questions fitted its threshold (val), and
articles it never saw (test), with simulated unanswerable questions; the gaps printed.
With --baseline, the plain LangChain RAG a user would write by hand, side by side.
Results land in results/*.json.

  python -m bench.run_eval --shared ../shared [--baseline] [--judge v7=qa/models/judge --judge v6=git:2453b03]

With --judge, every set is run once per named judge (results/judges/NAME/*.json; results/*.json
stay the shipped judge's record) and a table shows them side by side.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.heldout import corpus_for, question_sets, shift_sets
from bench.judges import parse_judges
from qa.core.config import Settings
from qa.edges.evaluation import Reply, score_system
from qa.edges.evaluation import evaluate as evaluate_qa
from qa.index.embedding import Embedder
from qa.pipeline import Pipeline, make_embedder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
COLUMNS = {  # column -> what it measures
    "article-dev": "the 21 article dev questions (never trained or tuned on)",
    "squad48": "SQuAD-48 sample (500 q, seed 13, all articles): retrieval",
    "train-answerable": "SQuAD articles the judge trained on",
    "val-answerable": "SQuAD val articles (threshold fitted here)",
    "test-answerable": "SQuAD test articles (never seen)",
    "test-swapped": "test: name/number/role swapped (unanswerable)",
    "test-absent": "test: own article not in the corpus (unanswerable)",
    "test-paraphrased": "test: questions in other words (synonyms; answerable)",
    "test-human": "test: SQuAD 2.0 human-written unanswerable, asked of all 48 articles",
    "shifts-new-wiki": "SQuAD-shifts new Wikipedia, test split (its 48 articles as corpus)",
    "shifts-reddit": "SQuAD-shifts Reddit, test split (its 2,035 posts as corpus)",
    "shifts-amazon-reviews": "SQuAD-shifts Amazon reviews, test split (its products as corpus)",
}
KEYS = ("questions", "recall@4", "mrr", "passage_words", "answer_acc", "answerable_acc", "unanswerable_acc",
        "answered_share", "wrong_among_answered", "cite_valid", "cite_support", "answer_words",
        "retrieve_p50_ms", "ask_p50_ms", "ask_p95_ms")


def open_pipeline(corpus: Path, embedder: Embedder, judge_dir: Path | None = None) -> Pipeline:
    """qa over ``corpus`` with its own index under .qa/, brought up to date (the shipped judge,
    or the one in ``judge_dir``)."""
    name = "article" if corpus == ROOT / "corpus" else corpus.parent.name
    settings = Settings(index_dir=ROOT / ".qa" / f"eval-{name}", corpus_dir=corpus)
    if judge_dir:  # else QA_JUDGE_DIR, or the shipped judge
        settings = settings.model_copy(update={"judge_dir": judge_dir})
    pipeline = Pipeline.from_settings(settings, embedder)
    report = pipeline.index(progress=True)
    rate = report.chunks_written / report.seconds if report.chunks_written else 0.0
    print(f"[{name}] index: {report.documents_total} documents, {report.chunks_total} chunks; "
          f"{report.chunks_written} written in {report.seconds:.1f} s ({rate:.0f} chunks/s)", flush=True)
    return pipeline


def run_baseline(corpus: Path, qa_file: Path, model_path: str, k: int) -> dict[str, Any]:
    """The LangChain tutorial RAG: 1000/200 splitter, MiniLM, Chroma, top-k similarity,
    the top chunk as the answer and its citation (it never abstains); scored by the same code."""
    import tempfile

    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
            for p in sorted(corpus.glob("*.txt"))]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(model_name=model_path, encode_kwargs={"normalize_embeddings": True})
    with tempfile.TemporaryDirectory() as tmp:
        store = Chroma.from_documents(splits, embeddings, persist_directory=tmp,
                                      collection_metadata={"hnsw:space": "cosine"})

        def retrieve(question: str) -> list[str]:
            return [d.page_content for d in store.similarity_search(question, k=k)]

        def ask(question: str) -> Reply:
            top = retrieve(question)[:1]
            return Reply(top[0] if top else "", False, tuple(top))

        return score_system(retrieve, ask, qa_file, corpus, k)


def table(results: dict[str, dict]) -> str:
    cols = [c for c in COLUMNS if c in results]
    widths = [16] + [max(10, len(c) + 1) for c in cols]
    line = lambda cells: "".join(str(c).rjust(w) if i else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(["metric", *cols])]
    for key in KEYS:
        values = [results[c]["summary"].get(key) for c in cols]
        out.append(line([key, *("-" if v is None else v for v in values)]))
    return "\n".join(out)


def gaps(results: dict[str, dict]) -> list[str]:
    acc = {c: r["summary"].get("answer_acc") for c, r in results.items()}
    lines = []
    for seen, unseen in (("train-answerable", "test-answerable"), ("val-answerable", "test-answerable"),
                         ("article-dev", "test-answerable")):
        if acc.get(seen) is not None and acc.get(unseen) is not None:
            lines.append(f"gap answer_acc {seen} - {unseen}: {acc[seen] - acc[unseen]:+.3f}")
    refused = [acc[c] for c in ("test-swapped", "test-absent") if acc.get(c) is not None]
    if refused:
        mean = sum(refused) / len(refused)
        lines.append(f"simulated unanswerable refused on test articles (mean of kinds): {mean:.3f}")
    return lines


SIDE_BY_SIDE = ("answer_acc", "answered_share", "wrong_among_answered")


def side_by_side(by_judge: dict[str, dict[str, dict]]) -> str:
    """One row per set and metric, one column per judge."""
    names = list(by_judge)
    sets = [c for c in COLUMNS if any(c in r for r in by_judge.values())]
    out = ["set".ljust(24) + "metric".ljust(22) + "".join(n.rjust(12) for n in names)]
    for c in sets:
        for key in SIDE_BY_SIDE:
            values = [by_judge[n].get(c, {}).get("summary", {}).get(key) for n in names]
            out.append(c.ljust(24) + key.ljust(22) + "".join(("-" if v is None else str(v)).rjust(12) for v in values))
    return "\n".join(out)


def run_sets(sets: dict[str, tuple[Path, Path]], embedder: Embedder, k: int, judge_dir: Path | None,
             out: Path) -> dict[str, dict]:
    """Every set with one judge; each result written to ``out``/SET.json as it lands."""
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    for corpus in dict.fromkeys(c for c, _ in sets.values()):
        pipeline = open_pipeline(corpus, embedder, judge_dir)
        for name, (c, qa_file) in sets.items():
            if c != corpus:
                continue
            results[name] = evaluate_qa(pipeline, qa_file, corpus, k=k)
            (out / f"{name}.json").write_text(json.dumps(results[name], indent=1, ensure_ascii=False))
            print(f"[{name}] {json.dumps(results[name]['summary'])}", flush=True)
        pipeline.close()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--baseline", action="store_true", help="also run the plain LangChain RAG")
    ap.add_argument("--k", type=int, default=Settings().k)
    ap.add_argument("--no-shifts", action="store_true", help="skip the SQuAD-shifts domains (their corpora take "
                    "minutes to index)")
    ap.add_argument("--only", help="comma-separated set names to run (default: all)")
    ap.add_argument("--judge", action="append", default=[],
                    help="NAME=FOLDER or NAME=git:REV, repeatable (default: the shipped judge)")
    a = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)
    t0 = time.time()
    sets = {"article-dev": (ROOT / "corpus", a.shared / "eval" / "article-dev.jsonl"),
            "squad48": (RESULTS / "squad48" / "corpus", RESULTS / "squad48" / "qa.jsonl")}
    settings = Settings()
    embedder = make_embedder(settings)
    for name, path in question_sets(a.shared / "data" / "squad-v1.1", embedder).items():
        if name in COLUMNS:
            sets[name] = (corpus_for(name), path)
    if not a.no_shifts:
        sets.update(shift_sets(a.shared / "data" / "squadshifts"))
    if a.only:
        sets = {n: v for n, v in sets.items() if n in a.only.split(",")}
    judges = parse_judges(a.judge)
    by_judge: dict[str, dict[str, dict]] = {}
    for judge, folder in judges.items():
        print(f"--- judge {judge}: {folder or 'shipped'}", flush=True)
        out = RESULTS if folder is None else RESULTS / "judges" / judge  # results/ is the shipped judge's record
        by_judge[judge] = run_sets(sets, embedder, a.k, folder, out)
    results = by_judge[next(iter(judges))]
    if a.baseline:
        for name in ("article-dev", "squad48"):
            corpus, qa_file = sets[name]
            results[f"{name}-baseline"] = base = run_baseline(corpus, qa_file, settings.model_path(), a.k)
            (RESULTS / f"{name}-baseline.json").write_text(json.dumps(base, indent=1))
            print(f"[{name}-baseline] {json.dumps(base['summary'])}", flush=True)
        COLUMNS.update({"article-dev-baseline": "LangChain tutorial RAG", "squad48-baseline": "LangChain tutorial RAG"})
    print("\n" + "\n".join(f"{c}: {d}" for c, d in COLUMNS.items() if c in results))
    print(f"\n{table(results)}\n")
    print("\n".join(gaps(results)))
    if len(judges) > 1:
        print(f"\njudges side by side (first: {next(iter(judges))}, the table above)\n{side_by_side(by_judge)}")
    print(f"\n(k={a.k}; {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
