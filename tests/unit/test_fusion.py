import pytest

from qa.index.retrieval import reciprocal_rank_fusion


def test_items_ranked_high_by_both_lists_win_and_a_tie_keeps_the_order_of_first_appearance() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert [i for i, _ in fused] == ["a", "b", "c", "d"]  # a and b tie; c and d tie
    assert fused[0][1] == fused[1][1]
    assert [i for i, _ in reciprocal_rank_fusion([["b", "a"], ["a", "b"]], k=60)][:2] == ["b", "a"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert {i for i, _ in fused} == {"a", "b", "c", "d"}


def test_an_item_in_one_list_only_scores_from_that_list() -> None:
    fused = dict(reciprocal_rank_fusion([["a"], ["b", "c"]], k=10))
    assert fused["c"] == pytest.approx(1 / 12)


def test_weights_shift_the_order() -> None:
    rankings = [["dense"], ["lexical"]]
    assert reciprocal_rank_fusion(rankings, k=60, weights=[2, 1])[0][0] == "dense"
    assert reciprocal_rank_fusion(rankings, k=60, weights=[1, 2])[0][0] == "lexical"


def test_weights_must_match_the_rankings() -> None:
    with pytest.raises(ValueError, match="weights"):
        reciprocal_rank_fusion([["a"], ["b"]], k=60, weights=[1.0])


def test_empty_rankings_fuse_to_nothing() -> None:
    assert reciprocal_rank_fusion([[], []], k=60) == []
