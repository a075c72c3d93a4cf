from qa.core.text import terms, weighted_coverage


def test_possessives_fold_and_words_lowercase() -> None:
    assert terms("Alibaba’s AI") == terms("Alibaba's AI") == terms("alibaba AI")
    assert terms("ALIBABA’S growth")[0] == "alibaba"


def test_irregular_forms_meet_their_base() -> None:
    assert terms("the company said") == terms("the company says") == ["compani", "say"]


def test_spans_of_time_are_written_out() -> None:
    assert set(terms("over the past decade")) >= set(terms("ten years"))


def test_capital_abbreviations_expand_but_the_pronoun_us_does_not() -> None:
    assert terms("Alibaba's CEO") == terms("Alibaba's chief executive officer")
    assert terms("the US market") == terms("the United States market")
    assert "state" not in terms("let us go")


def test_weighted_coverage_counts_rare_terms_more() -> None:
    idf = {"alibaba": 0.1, "profit": 3.0}.get
    assert weighted_coverage(["alibaba", "profit"], {"alibaba"}, idf) < 0.05
    assert weighted_coverage(["alibaba", "profit"], {"profit"}, idf) > 0.95
    assert weighted_coverage([], {"x"}, idf) == 0.0

