from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from scipy.stats import ks_2samp

from findeep.data.schema import FindeepWarning
from findeep.evaluate.metrics import binary_metrics, regression_metrics


def test_ks_and_gini_agree_with_their_definitions() -> None:
    """KS equals the two-sample KS of event vs non-event scores; Gini = 2 AUC - 1."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    score = rng.normal(size=2000) + 0.8 * y
    m = binary_metrics(y, 1 / (1 + np.exp(-score)))
    ks = ks_2samp(score[y == 1], score[y == 0]).statistic
    assert abs(m["ks"] - ks) < 1e-9
    assert abs(m["gini"] - (2 * m["roc_auc"] - 1)) < 1e-12
    assert 0.6 < m["roc_auc"] < 0.8


def test_perfectly_calibrated_scores_have_small_calibration_error() -> None:
    """Outcomes drawn from the scores give ECE near 0; inflated scores do not."""
    rng = np.random.default_rng(1)
    p = rng.uniform(0.01, 0.6, 20_000)
    y = (rng.random(20_000) < p).astype(int)
    assert binary_metrics(y, p)["ece"] < 0.02
    assert binary_metrics(y, np.clip(p + 0.3, 0, 1))["ece"] > 0.2


def test_regression_metrics_of_a_perfect_fit() -> None:
    """Exact predictions give RMSE 0 and R² 1."""
    y = np.array([1.0, 2.0, 3.5])
    m = regression_metrics(y, y)
    assert m["rmse"] == 0 and m["r2"] == 1


def test_gains_table_ranks_riskiest_first_and_adds_up() -> None:
    """Deciles of equal size, riskiest first; counts add up, capture reaches 100%, and no
    band's KS exceeds the KS statistic (the bands see ten of its cut-offs)."""
    from findeep.evaluate.metrics import gains_table, ks_statistic

    rng = np.random.default_rng(0)
    score = rng.random(1_003)
    y = (rng.random(1_003) < score * 0.6).astype(int)
    bands = gains_table(y, score)
    assert [b["band"] for b in bands] == list(range(1, 11))
    assert sum(b["rows"] for b in bands) == 1_003 and max(b["rows"] for b in bands) == 101
    assert sum(b["events"] for b in bands) == y.sum()
    assert all(a["score_min"] >= b["score_max"] for a, b in pairwise(bands))
    assert bands[0]["event_rate"] > y.mean() > bands[-1]["event_rate"]
    assert bands[0]["lift"] == pytest.approx(bands[0]["event_rate"] / y.mean())
    assert bands[-1]["cumulative_events"] == pytest.approx(1.0)
    assert bands[-1]["cumulative_non_events"] == pytest.approx(1.0)
    assert max(b["ks"] for b in bands) <= ks_statistic(y, score) + 1e-12
    with pytest.warns(FindeepWarning, match="2 band"):  # two scores: two bands, said
        perfect = gains_table(np.r_[np.ones(100), np.zeros(900)],
                              np.r_[np.ones(100), np.zeros(900)])
    assert perfect[0]["cumulative_events"] == 1.0 and perfect[0]["event_rate"] == 1.0


def test_a_cut_off_copied_from_a_written_score_flags_that_score_in_the_metrics_too():
    """predict wrote 0.22126639 for a float32 score of 0.2212663888…; at --threshold
    0.22126639 predict flagged it but evaluate's recall (compared in float64) did not, so a
    report's metrics table and its confusion matrix disagreed by that row."""
    from findeep.evaluate.metrics import at_or_above, binary_metrics

    scores = np.array([0.221266389, 0.1, 0.9], dtype=np.float32)
    written = float(str(scores[0]))
    assert written == 0.22126639 and float(scores[0]) < written
    assert at_or_above(scores, written).tolist() == [True, False, True]
    metrics = binary_metrics(np.array([1, 0, 1]), scores, written)
    assert metrics["recall"] == 1.0 and metrics["accuracy"] == 1.0
    # float64 scores are compared as they are
    assert at_or_above(scores.astype(np.float64), written).tolist() == [False, False, True]
