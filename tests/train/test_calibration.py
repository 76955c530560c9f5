from __future__ import annotations

import numpy as np
import pytest
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
    # a fixed draw: unseeded, ~0.8% of draws hold two scores that tie in float32 after
    # the rescale, which flips their stable order (an order-dependent flake)
    logits = torch.randn(500, 1, 1, generator=torch.Generator().manual_seed(0))
    a = logits_to_prediction(logits, "binary", 1.0)
    b = logits_to_prediction(logits, "binary", 2.0)
    np.testing.assert_array_equal(np.argsort(a, kind="stable"), np.argsort(b, kind="stable"))


def test_multiclass_temperature_undoes_overconfidence() -> None:
    """The same holds for softmax outputs: 3x inflated logits get a temperature near 3."""
    rng = np.random.default_rng(1)
    true_logits = rng.normal(size=(4000, 1, 3))
    p = np.exp(true_logits[:, 0]) / np.exp(true_logits[:, 0]).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    temperature = fit_temperature(torch.from_numpy(3 * true_logits).float(), y, "multiclass")
    assert 2.5 < temperature < 3.5


def test_temperature_is_one_when_scores_are_already_calibrated() -> None:
    """Calibrated logits are left (nearly) alone rather than pushed to a bound."""
    rng = np.random.default_rng(2)
    logit = rng.normal(size=(5000, 1, 1))
    y = (rng.random(5000) < 1 / (1 + np.exp(-logit[:, 0, 0]))).astype(float)
    assert 0.85 < fit_temperature(torch.from_numpy(logit).float(), y, "binary") < 1.15


def test_validation_score_is_roc_auc_ties_included() -> None:
    """Early stopping's AUC (via Mann-Whitney U) equals scikit-learn's, also with ties."""
    from sklearn.metrics import roc_auc_score

    from findeep.train.trainer import validation_score

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300).astype(float)
    scores = np.round(rng.random(300) + 0.3 * y, 1)  # coarse: many tied scores
    assert validation_score("binary", scores, y) == pytest.approx(roc_auc_score(y, scores))
