"""`make eval` / `make bench`: qa on the article dev set and SQuAD-48, optionally beside
the plain LangChain RAG a user would write by hand. Results land in results/*.json.

  python scripts/run_eval.py --shared ../shared [--baseline]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.embedding import SentenceTransformerEmbedder
from qa.evaluation import Reply, format_table, score_system
from qa.evaluation import evaluate as evaluate_qa
from qa.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"


def sets(shared: Path) -> dict[str, tuple[Path, Path]]:
    return {
        "article": (ROOT / "corpus", shared / "eval" / "article-dev.jsonl"),
        "squad48": (RESULTS / "squad48" / "corpus", RESULTS / "squad48" / "qa.jsonl"),
    }


def run_qa(name: str, corpus: Path, qa_file: Path, embedder: SentenceTransformerEmbedder, k: int) -> dict:
    settings = Settings(index_dir=ROOT / ".qa" / f"eval-{name}", corpus_dir=corpus)
    pipeline = Pipeline.from_settings(settings, embedder)
    report = pipeline.index(progress=True)
    rate = report.chunks_written / report.seconds if report.chunks_written else 0.0
    print(f"[{name}] index: {report.documents_total} documents, {report.chunks_total} chunks; "
          f"{report.chunks_written} written in {report.seconds:.1f} s ({rate:.0f} chunks/s)", flush=True)
    t0 = time.perf_counter()
    again = pipeline.index()
    reindex_s = time.perf_counter() - t0
    print(f"[{name}] re-index unchanged: {reindex_s:.2f} s, {again.chunks_written} chunks written", flush=True)
    result = evaluate_qa(pipeline, qa_file, corpus, k=k)
    result["index"] = {"documents": report.documents_total, "chunks": report.chunks_total,
                       "chunks_written": report.chunks_written, "seconds": report.seconds,
                       "chunks_per_s": round(rate, 1), "reindex_unchanged_s": round(reindex_s, 3)}
    pipeline.close()
    return result


def run_baseline(name: str, corpus: Path, qa_file: Path, model_path: str, k: int) -> dict[str, Any]:
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
        t0 = time.perf_counter()
        store = Chroma.from_documents(splits, embeddings, persist_directory=tmp,
                                      collection_metadata={"hnsw:space": "cosine"})
        index_s = time.perf_counter() - t0

        def retrieve(question: str) -> list[str]:
            return [d.page_content for d in store.similarity_search(question, k=k)]

        def ask(question: str) -> Reply:
            top = retrieve(question)[:1]
            return Reply(top[0] if top else "", False, tuple(top))

        result = score_system(retrieve, ask, qa_file, corpus, k)
    result["index"] = {"chunks": len(splits), "seconds": round(index_s, 1)}
    return result


def side_by_side(ours: dict, base: dict) -> str:
    lines = [f"{'metric':<18}{'qa':>10}{'baseline':>10}{'qa/base':>10}", "-" * 48]
    for key, value in ours["summary"].items():
        b = base["summary"].get(key)
        ratio = (f"{value / b:.2f}" if isinstance(value, (int, float)) and isinstance(b, (int, float)) and b
                 else "-")
        lines.append(f"{key:<18}{str(value):>10}{str(b):>10}{ratio:>10}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--baseline", action="store_true", help="also run the plain LangChain RAG")
    ap.add_argument("--k", type=int, default=4)
    a = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.model_path())
    for name, (corpus, qa_file) in sets(a.shared).items():
        result = run_qa(name, corpus, qa_file, embedder, a.k)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
        print(f"\n== qa on {name} (k={a.k}) ==\n{format_table(result)}\n", flush=True)
        if a.baseline:
            base = run_baseline(name, corpus, qa_file, settings.model_path(), a.k)
            (RESULTS / f"{name}-baseline.json").write_text(json.dumps(base, indent=1))
            print(f"== qa vs the LangChain tutorial RAG on {name} ==\n{side_by_side(result, base)}\n", flush=True)


if __name__ == "__main__":
    main()
