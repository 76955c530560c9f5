"""Bootstrap intervals: right values, honest coverage."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from findeep.errors import ConfigError, DataError
from findeep.evaluate.metrics import ks_statistic
from findeep.evaluate.uncertainty import bootstrap_intervals
from findeep.testing import make_credit_frame


@pytest.mark.parametrize("decimals", [2, None])
def test_point_values_equal_scikit_learn_with_and_without_ties(decimals) -> None:
    """The interval's centre is the table's own AUC, KS and Brier (ties count half)."""
    rng = np.random.default_rng(1)
    p = rng.random(3_000)
    p = np.round(p, decimals) if decimals else p
    y = (rng.random(3_000) < p).astype(int)
    found = bootstrap_intervals(y, p, n_resamples=20)
    assert found["roc_auc"].value == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert found["ks"].value == pytest.approx(ks_statistic(y, p), abs=1e-12)
    assert found["brier"].value == pytest.approx(skm.brier_score_loss(y, p), abs=1e-12)


def test_auc_interval_covers_the_population_auc_at_its_level() -> None:
    """On make_credit_frame, the 95% AUC interval of a 1,000-row sample covers the
    population AUC (the true default probability's AUC on 400,000 rows) in 90-99% of 200
    repeats."""
    population = make_credit_frame(400_000, seed=5, return_probability=True)
    y_all = population["default"].to_numpy()
    p_all = population["true_probability"].to_numpy()
    truth = skm.roc_auc_score(y_all, p_all)
    rng = np.random.default_rng(0)
    covered = 0
    for repeat in range(200):
        rows = rng.choice(len(y_all), 1_000, replace=False)
        interval = bootstrap_intervals(y_all[rows], p_all[rows], n_resamples=200,
                                       seed=repeat)["roc_auc"]
        covered += interval.low <= truth <= interval.high
    assert 180 <= covered <= 198, covered


def test_large_tables_use_a_scaled_subsample_interval() -> None:
    """Past 200k rows the interval comes from a subsample, scaled to the full size: it
    still contains the value and is narrower than a 200k-row table's."""
    rng = np.random.default_rng(2)
    p = rng.random(600_000)
    y = (rng.random(600_000) < p).astype(int)
    big = bootstrap_intervals(y, p, n_resamples=30)["roc_auc"]
    small = bootstrap_intervals(y[:200_000], p[:200_000], n_resamples=30)["roc_auc"]
    assert big.low < big.value < big.high
    assert (big.high - big.low) < 0.8 * (small.high - small.low)


def test_bad_input_is_one_clear_error() -> None:
    with pytest.raises(DataError, match="both classes"):
        bootstrap_intervals(np.zeros(10), np.linspace(0, 1, 10))
    with pytest.raises(ConfigError, match="n_resamples"):
        bootstrap_intervals(np.r_[0, 1], np.r_[0.2, 0.8], n_resamples=5)
    with pytest.raises(DataError, match="length"):
        bootstrap_intervals(np.r_[0, 1, 1], np.r_[0.2, 0.8])
