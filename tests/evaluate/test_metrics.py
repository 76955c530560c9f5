from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

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
