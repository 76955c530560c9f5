from __future__ import annotations

import numpy as np
import torch

from findeep.train.trainer import fit_temperature, logits_to_prediction


def test_temperature_undoes_overconfidence() -> None:
    """Logits blown up 3x get a temperature near 3, restoring the true probabilities."""
    rng = np.random.default_rng(0)
    true_logit = rng.normal(size=(5000, 1, 1)).astype(np.float32)
    y = (rng.random(5000) < 1 / (1 + np.exp(-true_logit[:, 0, 0]))).astype(np.float32)
    inflated = torch.from_numpy(3 * true_logit)
    temperature = fit_temperature(inflated, y, "binary")
    assert 2.5 < temperature < 3.5
    calibrated = logits_to_prediction(inflated, "binary", temperature)
    raw = logits_to_prediction(inflated, "binary")

    def log_loss(p: np.ndarray) -> float:
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    assert log_loss(calibrated) < log_loss(raw) - 0.05


def test_temperature_leaves_a_single_network_ranking_alone() -> None:
    """For one member, a temperature rescales scores without reordering them (same AUC)."""
    logits = torch.randn(500, 1, 1)
    a = logits_to_prediction(logits, "binary", 1.0)
    b = logits_to_prediction(logits, "binary", 2.0)
    np.testing.assert_array_equal(np.argsort(a, kind="stable"), np.argsort(b, kind="stable"))
