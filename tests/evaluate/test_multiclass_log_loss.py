from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss

from findeep.evaluate.metrics import multiclass_metrics


def test_multiclass_log_loss_is_computed_on_a_distribution_without_warnings() -> None:
    """Confident probabilities (exact zeros) are clipped and renormalised, so scikit-learn
    sees rows that sum to one: no "do not sum to one" warning, and the loss is finite."""
    proba = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics = multiclass_metrics(np.array([0, 1, 2]), proba)
    clipped = np.clip(proba, 1e-7, 1)
    expected = log_loss([0, 1, 2], clipped / clipped.sum(axis=1, keepdims=True),
                        labels=[0, 1, 2])
    assert metrics["log_loss"] == pytest.approx(expected)
