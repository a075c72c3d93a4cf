"""Question sets on SQuAD articles by part of the judge's split, in score.py's QA format.

For a part ("train", "val", "test") of the split the shipped judge was trained with:

- ``answerable``: its articles' questions, asked of SQuAD-48 (all 48 articles);
- ``swapped``: unanswerable: those questions with a name, number or role word swapped for
  one the article never holds (as in training), asked of SQuAD-48;
- ``absent``: unanswerable: its questions asked of the corpus of the training articles
  only, where their own article is missing;
- ``paraphrased``: answerable: its questions in other words (synonyms for words they share
  with the answer sentence, bench/paraphrase.py), asked of SQuAD-48;
- ``human``: unanswerable: SQuAD 2.0's human-written unanswerable questions of its articles
  (written to look answerable from their paragraph), asked of SQuAD-48.

And for each SQuAD-shifts domain (new Wikipedia, Reddit, Amazon reviews), its test split by
article or post (``bench/squad.py hashed_split``) asked of that domain's whole corpus:
``shifts-<domain>``.

The corpora are written as shared/eval/squad_to_corpus.py writes them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench.paraphrase import Paraphraser
from bench.squad import Article, Question, hashed_split, load_articles, shift_articles, split, unanswerable_questions
from bench.training_examples import Builder
from qa.answer.judge import CARD, JUDGE_DIR
from qa.index.embedding import Embedder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
FULL = RESULTS / "squad48" / "corpus"
TRAIN_ONLY = RESULTS / "squad-train" / "corpus"
SETS = RESULTS / "squad-heldout"


def judge_split(articles: list[Article]) -> dict[str, list[str]]:
    """The split recorded in the shipped judge's card (it must be the seeded one)."""
    card = json.loads((JUDGE_DIR / CARD).read_text(encoding="utf-8"))
    recorded = card["split"]
    if recorded != split([a.name for a in articles]):
        raise SystemExit("the judge's card records another split than bench/squad.py makes: retrain the judge")
    return recorded


def write_corpus(folder: Path, articles: list[Article]) -> None:
    """A corpus folder holding exactly these articles (as squad_to_corpus.py writes them)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {a.file_name for a in articles}
    for stale in folder.glob("*.txt"):
        if stale.name not in wanted:
            stale.unlink()
    for a in articles:
        path = folder / a.file_name
        if not path.exists() or path.read_text(encoding="utf-8") != a.document.text:
            path.write_text(a.document.text, encoding="utf-8")


def row(article: Article, qid: str, question: str, answers: tuple[str, ...], kind: str) -> dict:
    text = article.document.text
    evidence = []
    if answers:
        start = next(s for s, _ in sorted(p for q in article.questions if q.qid == qid for p in q.positions))
        spans = [(s, e) for c in article.chunks for s, e in c.sentences if s <= start < e]
        evidence = [text[spans[0][0] : spans[0][1]]] if spans else []
    return {"id": qid, "question": question, "answers": list(answers), "answerable": bool(answers),
            "evidence": evidence, "document": article.name, "kind": kind}


def question_sets(data: Path, embedder: Embedder, per_part: int = 500, unanswerable: int = 200,
                  seed: int = 13) -> dict[str, Path]:
    """Write the corpora and the question sets (``embedder`` checks the paraphrases); returns
    {set name: qa file}."""
    articles = load_articles(data)
    by_name = {a.name: a for a in articles}
    parts = judge_split(articles)
    if not FULL.is_dir() or len(list(FULL.glob("*.txt"))) != len(articles):
        write_corpus(FULL, articles)
    write_corpus(TRAIN_ONLY, [by_name[n] for n in parts["train"]])
    SETS.mkdir(parents=True, exist_ok=True)
    paraphraser = Paraphraser(embedder.embed)
    out: dict[str, Path] = {}
    for part in ("train", "val", "test"):
        rng = random.Random(f"{seed}-{part}")
        chosen = [by_name[n] for n in parts[part]]
        pool = [(a, q) for a in chosen for q in a.questions]
        sample = rng.sample(pool, min(per_part if part != "train" else per_part // 2, len(pool)))
        sets = {"answerable": [row(a, q.qid, q.text, q.answers, "squad") for a, q in sample]}
        if part != "train":
            builder = Builder(chosen, seed)
            swapped = []
            for a, q in rng.sample(pool, len(pool)):
                chunk = next((c for c in a.chunks if any(s <= p < e for s, e in c.sentences for p, _ in q.positions)),
                             None)
                new = builder.swap(a, chunk, q.text) if chunk is not None else None
                if new is not None:
                    swapped.append(row(a, f"{q.qid}-{new[0]}", new[1], (), new[0]))
                if len(swapped) >= unanswerable:
                    break
            sets["swapped"] = swapped
            sets["absent"] = [row(a, f"{q.qid}-absent", q.text, (), "absent")
                              for a, q in rng.sample(pool, min(unanswerable, len(pool)))]
            sets["paraphrased"] = paraphrased(paraphraser, rng.sample(pool, len(pool)), unanswerable)
            squad2 = data.parent / "squad-v2.0" / "dev-v2.0.json"
            if squad2.is_file():
                human = unanswerable_questions(squad2, by_name)
                asked = [(by_name[n], q) for n in parts[part] for q in human.get(n, [])]
                sets["human"] = [row(a, f"{q.qid}-human", q.text, (), "human")
                                 for a, q in rng.sample(asked, min(HUMAN, len(asked)))]
        for name, rows in sets.items():
            path = SETS / f"{part}-{name}.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
            out[f"{part}-{name}"] = path
    return out


HUMAN = 250  # human-written unanswerable questions per part (val: calibration; test: measured)
SHIFT_QUESTIONS = 250  # test questions per SQuAD-shifts domain


def shift_sets(shifts: Path, seed: int = 13) -> dict[str, tuple[Path, Path]]:
    """Per SQuAD-shifts domain: its corpus (every article or post) and SHIFT_QUESTIONS of its
    test split; {set name: (corpus, qa file)}."""
    out: dict[str, tuple[Path, Path]] = {}
    for path in sorted(shifts.glob("*.json")):
        domain = path.name.split("_v1")[0].replace("_", "-")
        articles = shift_articles(path)
        by_name = {a.name: a for a in articles}
        corpus = RESULTS / f"shifts-{domain}" / "corpus"
        write_corpus(corpus, articles)
        test = [(by_name[n], q) for n in hashed_split(list(by_name))["test"] for q in by_name[n].questions]
        rng = random.Random(f"{seed}-{domain}")
        rows = [row(a, q.qid, q.text, q.answers, domain) for a, q in rng.sample(test, min(SHIFT_QUESTIONS, len(test)))]
        qa_file = SETS / f"shifts-{domain}.jsonl"
        SETS.mkdir(parents=True, exist_ok=True)
        qa_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        out[f"shifts-{domain}"] = (corpus, qa_file)
    return out


def paraphrased(paraphraser: Paraphraser, pool: list[tuple[Article, Question]], n: int) -> list[dict]:
    """Up to ``n`` of the questions asked in other words (answerable: the answers stay)."""
    out = []
    for a, q in pool:
        text, start = a.document.text, min(p for p, _ in q.positions)
        chunk = next((c for c in a.chunks if any(s <= start < e for s, e in c.sentences)), None)
        if chunk is None:
            continue
        answer = next(text[s:e] for s, e in chunk.sentences if s <= start < e)
        new = paraphraser.paraphrase(q.text, answer, chunk.text)
        if new is not None:
            out.append({**row(a, q.qid, new, q.answers, "paraphrased"), "id": f"{q.qid}-paraphrased"})
        if len(out) >= n:
            break
    return out


def corpus_for(set_name: str) -> Path:
    """The corpus a set is asked of."""
    return TRAIN_ONLY if set_name.endswith("-absent") else FULL

