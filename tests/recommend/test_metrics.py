"""Ranking metrics and their two MAP conventions, on hand-checked examples."""

from __future__ import annotations

import numpy as np
import pytest

from findeep.errors import ConfigError
from findeep.recommend.metrics import ranking_metrics, top_k


def test_map_conventions_differ_only_by_non_adders():
    """MAP@k over all customers counts non-adders as 0; over adders it leaves them out."""
    scores = np.array([[0.9, 0.5, 0.1], [0.9, 0.5, 0.1], [0.2, 0.3, 0.4]])
    labels = np.array([[0, 1, 0], [1, 0, 1], [0, 0, 0]])
    eligible = np.ones_like(labels, dtype=bool)
    m = ranking_metrics(scores, labels, eligible, k=2)
    # customer 1: hit at rank 2 -> AP = (1/2)/1; customer 2: hit at rank 1 -> AP = 1/min(2,2)
    assert m["map_adders@k"] == pytest.approx((0.5 + 0.5) / 2)
    assert m["map_all@k"] == pytest.approx((0.5 + 0.5 + 0.0) / 3)
    assert m["recall@k"] == pytest.approx((1.0 + 0.5) / 2)
    ndcg_1 = (1 / np.log2(3)) / 1.0
    ndcg_2 = 1.0 / (1.0 + 1 / np.log2(3))
    assert m["ndcg@k"] == pytest.approx((ndcg_1 + ndcg_2) / 2)
    assert m["adders"] == 2 and m["customers"] == 3


def test_held_products_are_never_ranked():
    """An ineligible (held) product never appears in a top-k list, whatever its score."""
    scores = np.array([[9.0, 1.0, 2.0]])
    eligible = np.array([[False, True, True]])
    np.testing.assert_array_equal(top_k(scores, eligible, 3), [[2, 1, -1]])


def test_coverage_counts_distinct_products_shown():
    """Coverage is the share of the catalogue in anyone's top k."""
    scores = np.array([[3.0, 2.0, 1.0, 0.0]] * 5)
    m = ranking_metrics(scores, np.zeros((5, 4)), np.ones((5, 4), dtype=bool), k=2)
    assert m["coverage@k"] == 0.5


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_k_that_is_not_a_positive_integer_is_one_config_error(k):
    """k = 0, a negative k or a non-integer is refused in one sentence naming k, not an
    IndexError or a broadcasting error from deep inside the metric."""
    scores = np.array([[0.9, 0.5, 0.1]])
    with pytest.raises(ConfigError, match="k must be a positive integer"):
        ranking_metrics(scores, np.array([[1, 0, 0]]), np.ones((1, 3), dtype=bool), k=k)
    with pytest.raises(ConfigError, match="k must be a positive integer"):
        top_k(scores, np.ones((1, 3), dtype=bool), k)


def test_k_past_the_catalogue_ranks_the_whole_catalogue():
    """A k larger than the catalogue gives the same metrics as k = P, without building
    k-wide arrays."""
    scores = np.array([[0.9, 0.5, 0.1], [0.2, 0.3, 0.4]])
    labels = np.array([[0, 1, 1], [1, 0, 0]])
    eligible = np.ones_like(labels, dtype=bool)
    huge = ranking_metrics(scores, labels, eligible, k=10**12)
    assert huge == ranking_metrics(scores, labels, eligible, k=3)
    assert top_k(scores, eligible, 10**12).shape == (2, 3)


def test_the_benchmark_verdict_judges_the_network_against_the_best_other_model() -> None:
    """The closing line names the strongest other model on MAP@k (all customers) and says
    whether the network's paired lead over the same months clears one std; the oracle (true
    probabilities, a ceiling) is never that model."""
    from findeep.recommend.evaluation import network_verdict

    def fold(network: float, popularity: float, lightgbm: float) -> dict:
        return {"models": {"network": {"map_all@k": network},
                           "popularity": {"map_all@k": popularity},
                           "lightgbm": {"map_all@k": lightgbm},
                           "oracle": {"map_all@k": max(network, lightgbm) + 0.05}}}

    noisy = [fold(0.30, 0.20, 0.29), fold(0.31, 0.21, 0.33), fold(0.32, 0.20, 0.30)]
    line = network_verdict(noisy)
    assert line.startswith("network vs lightgbm (best other model): +0.0033 ± 0.0208")
    assert "no clear difference" in line
    clear = [fold(0.30, 0.20, 0.25), fold(0.31, 0.21, 0.27), fold(0.32, 0.20, 0.26)]
    assert "better by more than one std" in network_verdict(clear)
    assert network_verdict([{"models": {"popularity": {"map_all@k": 0.2}}}]) is None
