"""Chat-style questions and summaries of real news, in process, as a user asks them of one story
at a time (``documents``): our own chat sets (bench/data/chat-*.jsonl, each question asked of its
own story, scored as shared/eval/score.py scores: every answer group present, within max_words),
the article's chat dev set, and a summary of every story of cnn-dev.jsonl ("Summarize this
article.", scoped to it) scored by ROUGE-1/2/L F1 against its human-written highlights beside
Lead-3 (its first three sentences) in the same run.

  python -m bench.chat_eval --shared ../shared
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from bench.fit_shapes import news_corpus
from bench.run_eval import ROOT, open_pipeline
from qa.core.config import Settings
from qa.core.text import split_sentences
from qa.edges.evaluation import evaluate, format_table
from qa.pipeline import Pipeline, make_embedder

SUMMARY_QUESTION = "Summarize this article."
RESULTS = ROOT / "results"


def summaries(pipeline: Pipeline, stories: list[dict]) -> dict[str, dict[str, float]]:
    """Mean ROUGE-1/2/L F1 (x100) and median words of qa's summary and of Lead-3, per story."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores: dict[str, list[list[float]]] = {"qa": [], "lead-3": []}
    words: dict[str, list[int]] = {"qa": [], "lead-3": []}
    for story in stories:
        answer = pipeline.ask(SUMMARY_QUESTION, documents=[f"{story['id']}.txt"])
        lead = " ".join(story["text"][s:e] for s, e in split_sentences(story["text"])[:3])
        reference = "\n".join(story["highlights"])
        for name, text in (("qa", "" if answer.abstained else answer.answer), ("lead-3", lead)):
            got = scorer.score(reference, text)
            scores[name].append([got[m].fmeasure for m in ("rouge1", "rouge2", "rougeL")])
            words[name].append(len(text.split()))
    return {name: {"rouge1": round(100 * statistics.mean(r[0] for r in rows), 2),
                   "rouge2": round(100 * statistics.mean(r[1] for r in rows), 2),
                   "rougeL": round(100 * statistics.mean(r[2] for r in rows), 2),
                   "median_words": statistics.median(words[name]), "stories": len(rows)}
            for name, rows in scores.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, required=True)
    a = ap.parse_args()
    news = a.shared / "data" / "news" / "cnn-dev.jsonl"
    stories = [json.loads(line) for line in news.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = make_embedder(Settings())
    corpus = news_corpus(news, {f"{s['id']}.txt" for s in stories}, RESULTS / "news" / "corpus")
    pipeline = open_pipeline(corpus, embedder)
    report: dict[str, object] = {}
    for qa_file in sorted((ROOT / "bench" / "data").glob("chat-*.jsonl")):
        result = evaluate(pipeline, qa_file, corpus, k=pipeline.settings.k)
        print(f"\n{qa_file.name}\n{format_table(result)}", flush=True)
        report[qa_file.stem] = {"summary": result["summary"], "by_kind": {
            k: v.get("answer_acc") for k, v in result["by_kind"].items()}, "questions": result["questions"]}
    report["summaries"] = summaries(pipeline, stories)
    print(json.dumps(report["summaries"], indent=1), flush=True)
    pipeline.close()
    article = open_pipeline(ROOT / "corpus", embedder)
    result = evaluate(article, a.shared / "eval" / "article-chat-dev.jsonl", ROOT / "corpus", k=article.settings.k)
    print(f"\narticle-chat-dev.jsonl\n{format_table(result)}", flush=True)
    report["article-chat-dev"] = {"summary": result["summary"], "by_kind": {
        k: v.get("answer_acc") for k, v in result["by_kind"].items()}}
    article.close()
    (RESULTS / "chat.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {RESULTS / 'chat.json'}")


if __name__ == "__main__":
    main()
