import json
from pathlib import Path

import numpy as np
import pytest
import torch

from qa.answer.judge import (
    CARD,
    JUDGE_DIR,
    MAX_QUESTION,
    UNREAD,
    WEIGHTS,
    Calibration,
    Excerpt,
    Judge,
    collate,
    encode,
    span_scores,
)
from qa.core.config import packaged_model_path
from qa.core.errors import ConfigError


def test_an_input_marks_each_word_piece_with_its_sentence() -> None:
    e = encode([7, 8], [5], [[10, 11], [12]], cls=1, sep=2)
    assert e.input_ids == [1, 7, 8, 2, 5, 10, 11, 12, 2]
    assert e.token_type_ids == [0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert e.sentence_ids == [0, 0, 0, 0, 0, 1, 1, 2, 0]


def test_a_long_input_is_cut_within_the_budget_and_the_question_is_capped() -> None:
    e = encode([50] * 100, [5, 6], [[9] * 30, [8] * 30, [7] * 30], cls=1, sep=2, max_length=80)
    assert len(e.input_ids) == 80 and e.input_ids[-1] == 2
    assert e.input_ids.count(2) == 2 and e.input_ids.index(2) == MAX_QUESTION + 1
    assert 3 not in e.sentence_ids  # the third sentence did not fit at all


def test_collate_pads_and_masks_sentences() -> None:
    a = encode([7], [], [[10], [11, 12]], cls=1, sep=2)
    b = encode([7], [], [[10]], cls=1, sep=2)
    t = collate([a, b], 2)
    assert t["input_ids"].shape == t["attention_mask"].shape == (2, len(a.input_ids))
    assert t["sentence_mask"].shape == (2, 2, len(a.input_ids))
    assert t["sentence_mask"][0, 1].sum() == 2 and t["sentence_mask"][1, 1].sum() == 0


def test_a_missing_judge_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="answer judge not found"):
        Judge.load(packaged_model_path(), tmp_path)


def test_a_judge_trained_over_another_base_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / WEIGHTS).write_bytes((JUDGE_DIR / WEIGHTS).read_bytes())
    card = json.loads((JUDGE_DIR / CARD).read_text())
    (tmp_path / CARD).write_text(json.dumps({**card, "base_sha256": "0" * 64}))
    with pytest.raises(ConfigError, match="another MiniLM"):
        Judge.load(packaged_model_path(), tmp_path)


def test_the_judge_runs_on_the_backend_its_calibration_was_fitted_with(tmp_path: Path) -> None:
    (tmp_path / WEIGHTS).write_bytes((JUDGE_DIR / WEIGHTS).read_bytes())
    card = json.loads((JUDGE_DIR / CARD).read_text())
    assert Judge.load(packaged_model_path()).runner.name == card.get("calibration", {}).get("backend", "torch")
    (tmp_path / CARD).write_text(json.dumps({**card, "calibration": {**card["calibration"], "backend": "torch-bf16"}}))
    assert Judge.load(packaged_model_path(), tmp_path).runner.name == "torch-bf16"
    assert Judge.load(packaged_model_path(), tmp_path, "torch").runner.name == "torch"  # QA_JUDGE_BACKEND wins


def test_the_shipped_judge_scores_each_sentence_in_its_passage() -> None:
    judge = Judge.load(packaged_model_path())
    judged = judge.judge("Who co-founded Alibaba?", [
        Excerpt("Alibaba", ("Penguins live in Antarctica.", "The company co-founded by Jack Ma grew fast.")),
        Excerpt("Other", ()),
    ])
    assert [x.shape for x in judged] == [(2, 2), (0, 2)]
    assert (judged[0][1] > judged[0][0]).all()  # both the sentence logit and the span score
    assert 0.0 < judge.calibration.threshold < 1.0


def test_the_calibration_reads_the_card() -> None:
    cal = Calibration.from_card({"select": {"logit": 1.0, "cosine": 2.0}, "support": {"bias": -1.0, "logit": 1.0},
                                 "threshold": 0.4})
    signals = np.array([[1.0, 9.0, 0.5, 0.0, 1.0], [3.0, 9.0, 0.0, 0.0, 1.0]])
    assert cal.score(signals).tolist() == [2.0, 3.0]
    assert np.allclose(cal.probability(signals), 1 / (1 + np.exp(-np.array([0.0, 2.0]))))
    assert cal.threshold == 0.4


def test_a_span_score_is_the_best_span_inside_the_sentence_against_no_answer() -> None:
    # tokens: [CLS] q [SEP] s1 s1 s2 s2 s2 [SEP]; sentence 3 is absent from the input
    owner = torch.tensor([[0, 0, 0, 1, 1, 2, 2, 2, 0]])
    mask = (owner.unsqueeze(1) == torch.arange(1, 4).view(1, -1, 1)).float()
    start = torch.tensor([[1.0, 0, 0, 2, 0, -20, 5, 0, 9]])
    end = torch.tensor([[1.0, 0, 0, 0, 3, 9, 0, 4, 0]])
    scores = span_scores(start, end, mask)[0].tolist()
    # s1: start 2 + end 3; s2: start 5 at its 2nd piece + end 4 at its 3rd (not end 9 before it);
    # a span never crosses sentences (start 9 sits on [SEP]); minus [CLS] 1 + 1
    assert scores[:2] == [3.0, 7.0]
    assert scores[2] == UNREAD


def test_the_span_head_finds_the_answering_words_inside_a_sentence() -> None:
    judge = Judge.load(packaged_model_path())
    sentence = "The internet company co-founded by Jack Ma plans to spend more on its AI network."
    found = judge.phrase("Who co-founded Alibaba?", "Alibaba", sentence)
    assert found is not None and "Jack Ma" in sentence[found[0]:found[1]]
    assert found[1] - found[0] < len(sentence) / 2


def test_the_judge_answers_two_threads_as_it_answers_one() -> None:
    import threading

    judge = Judge.load(packaged_model_path())
    passages = [Excerpt("Alibaba", ("Alibaba pledged 380 billion yuan for AI.", "Its shares fell 3%.")),
                Excerpt("Alibaba", ("Eddie Wu is the chief executive.", "Jack Ma co-founded the company."))]
    questions = ["How much did Alibaba pledge?", "Who is the chief executive?", "How far did the shares fall?",
                 "Who co-founded Alibaba?"] * 5
    alone = {q: judge.judge(q, passages) for q in set(questions)}
    mismatches: list[str] = []

    def ask(part: list[str]) -> None:
        for q in part:
            if any(not np.array_equal(a, b) for a, b in zip(judge.judge(q, passages), alone[q])):
                mismatches.append(q)

    threads = [threading.Thread(target=ask, args=(questions[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not mismatches
