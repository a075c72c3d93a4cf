"""How often an answer's kind contradicts its question's, on the judge's val articles only:
qa answers their answerable questions and SQuAD 2.0's human-written unanswerable ones (asked
of SQuAD-48), once without the figure check and once with it (qa/answer/checks.py
``can_state_the_figure``: a question asking for a figure is answered only by a sentence
stating one, "how many <things>" not by money or years alone).

Prints, per set: questions asking for a figure, answers given, answers whose sentence states
no figure the question could take (a contradiction), and accuracy (answerable: right answer;
unanswerable: refused). Also, for "when ..." and "who ..." questions, answers holding no word of
time (a digit, a month, "century", "after" ...) or of a person (a name, a pronoun, "leader" ...):
how often a check for those kinds would have anything to stop.

  python -m bench.answer_kinds --data ../shared/data/squad-v1.1
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from bench.heldout import corpus_for, question_sets
from bench.run_eval import open_pipeline
from qa.answer import extractive
from qa.answer.checks import FIGURE_QUESTION, can_state_the_figure
from qa.core.config import Settings
from qa.core.text import STOPWORDS
from qa.edges.evaluation import load_qa, norm
from qa.pipeline import make_embedder

SETS = ("val-answerable", "val-human")
WHEN_QUESTION = re.compile(r"^\s*when\s+(?:did|does|do|was|were|is|are|will|would|had|has|have)\b"
                           r"|^\s*(?:in|by|during|from|since|until|at)?\s*(?:what|which)\s+"
                           r"(?:time|date|day|month|century|decade|period|era|season)\b", re.IGNORECASE)
TIME_WORD = re.compile(
    r"\d|\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"centur(?:y|ies)|decades?|eras?|periods?|ages?|seasons?|spring|summer|autumn|fall|winter|morning|afternoon|"
    r"evening|night|noon|midnight|today|yesterday|tomorrow|ago|years?|months?|weeks?|days?|hours?|minutes?|"
    r"times?|dates?|dynasty|reign|war|bce?|ad|ce|then|after|before|during|until|till|since|when|while|once|"
    r"later|earlier|early|late|recently|now|currently|formerly|previously|eventually|initially|first|last|"
    r"following|prior|upon|soon|modern|ancient|medieval|born|died|birth|death|end|beginning|start)\b",
    re.IGNORECASE)
WHO_QUESTION = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)
PERSON_WORD = re.compile(r"\b(?:he|she|they|him|her|them|his|their|people|persons?|m[ae]n|wom[ae]n|king|queen|"
                         r"leaders?|members?|group|team|company|government|council|committee|family|children|"
                         r"[a-z]+(?:ers|ists|ians|ors))\b", re.IGNORECASE)


def states_a_person(sentence: str) -> bool:
    """A name (a capitalised word that is not a stop word) or a word for people."""
    return bool(PERSON_WORD.search(sentence)) or any(
        w.lower() not in STOPWORDS for w in re.findall(r"\b[A-Z][\w’'-]*", sentence))


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
            kinds = {"when": [0, 0], "who": [0, 0]}  # answered, holding no word of the kind
            for r in rows:
                answer = pipeline.ask(r["question"])
                asks_figure = bool(FIGURE_QUESTION.search(r["question"]))
                figure += asks_figure
                answered += not answer.abstained
                contradicted += (not answer.abstained and asks_figure
                                 and not can_state_the_figure(r["question"], answer.answer))
                for kind, asks, states in (("when", WHEN_QUESTION.search, TIME_WORD.search),
                                           ("who", WHO_QUESTION.search, states_a_person)):
                    if not answer.abstained and asks(r["question"]):
                        kinds[kind][0] += 1
                        kinds[kind][1] += not states(answer.answer)
                right += (answer.abstained if not r["answerable"] else
                          not answer.abstained and any(norm(x) in norm(answer.answer) for x in r["answers"]))
            result.setdefault(mode, {})[name] = {
                "questions": len(rows), "asking_a_figure": figure, "answered": answered,
                "answered_against_the_kind": contradicted, "accuracy": round(right / len(rows), 4),
                **{f"{k}_answered": n for k, (n, _) in kinds.items()},
                **{f"{k}_answered_without_the_kind": m for k, (_, m) in kinds.items()}}
            print(mode, name, json.dumps(result[mode][name]), flush=True)
    extractive.can_state_the_figure = checked
    pipeline.close()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
