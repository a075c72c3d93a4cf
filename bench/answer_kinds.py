"""How often an answer's kind contradicts its question's, on the judge's val articles only:
qa answers their answerable questions and SQuAD 2.0's human-written unanswerable ones (asked
of SQuAD-48), once without the figure check and once with it (qa/answer/checks.py
``can_state_the_figure``: a question asking for a figure is answered only by a sentence
stating one, "how many <things>" not by money or years alone).

Prints, per set: questions asking for a figure, answers given, answers whose sentence states
no figure the question could take (a contradiction), and accuracy (answerable: right answer;
unanswerable: refused).

  python -m bench.answer_kinds --data ../shared/data/squad-v1.1
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.heldout import corpus_for, question_sets
from bench.run_eval import open_pipeline
from qa.answer import extractive
from qa.answer.checks import FIGURE_QUESTION, can_state_the_figure
from qa.config import Settings
from qa.evaluation import load_qa, norm
from qa.pipeline import make_embedder

SETS = ("val-answerable", "val-human")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/squad-v1.1"))
    a = ap.parse_args()
    embedder = make_embedder(Settings())
    sets = {n: p for n, p in question_sets(a.data, embedder).items() if n in SETS}
    pipeline = open_pipeline(corpus_for(SETS[0]), embedder)
    checked = extractive.can_state_the_figure

    def unchecked(question: str, sentence: str) -> bool:
        return True

    result: dict[str, dict] = {}
    for mode in ("without the check", "with the check"):
        extractive.can_state_the_figure = checked if mode == "with the check" else unchecked
        for name in SETS:
            rows = load_qa(sets[name])
            figure = answered = contradicted = right = 0
            for r in rows:
                answer = pipeline.ask(r["question"])
                asks_figure = bool(FIGURE_QUESTION.search(r["question"]))
                figure += asks_figure
                answered += not answer.abstained
                contradicted += (not answer.abstained and asks_figure
                                 and not can_state_the_figure(r["question"], answer.answer))
                right += (answer.abstained if not r["answerable"] else
                          not answer.abstained and any(norm(x) in norm(answer.answer) for x in r["answers"]))
            result.setdefault(mode, {})[name] = {
                "questions": len(rows), "asking_a_figure": figure, "answered": answered,
                "answered_against_the_kind": contradicted, "accuracy": round(right / len(rows), 4)}
            print(mode, name, json.dumps(result[mode][name]), flush=True)
    extractive.can_state_the_figure = checked
    pipeline.close()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
