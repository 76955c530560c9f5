"""Early stopping: the default model's patience, log-loss as the stopping metric, and weight
averaging around the best epoch (issue 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from findeep.errors import ConfigError
from findeep.pipeline import fit_tabular
from findeep.train.trainer import EarlyStopping, TrainConfig, validation_score


def test_log_loss_score_is_minus_the_log_loss() -> None:
    """With ``metric="log_loss"`` a binary score is -log-loss, so higher is still better."""
    y = np.array([0, 1, 1, 0])
    p = np.array([0.2, 0.7, 0.9, 0.4])
    expected = np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert validation_score("binary", p, y, metric="log_loss") == pytest.approx(expected)
    # the default stays ROC-AUC: these scores rank every positive above every negative
    assert validation_score("binary", p, y) == pytest.approx(1.0)


def test_fit_stops_on_log_loss_when_asked() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = pd.Series((X["a"] + rng.normal(size=400) > 0).astype(int))
    pipeline = fit_tabular(X, y, verbose=0, max_epochs=4, stopping_metric="log_loss",
                           bagging=1)  # one network's stopping; a bag's members share it
    scores = [r["valid_score"] for r in pipeline.training["history"]]
    assert all(s < 0 for s in scores)  # -log-loss, not an AUC in [0, 1]
    assert pipeline.training["best_score"] == max(scores)
    assert pipeline.training["config"]["stopping_metric"] == "log_loss"


def test_unknown_stopping_metric_is_one_clear_error() -> None:
    X = pd.DataFrame({"a": np.arange(60.0)})
    y = pd.Series(np.arange(60) % 2)
    with pytest.raises(ConfigError, match="stopping_metric must be one of"):
        fit_tabular(X, y, verbose=0, stopping_metric="accuracy")


def test_default_model_stops_after_four_flat_epochs_unless_told_otherwise() -> None:
    """Issue 12: `default` waits 4 epochs (not the loop's 6); a caller's patience wins."""
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300)})
    y = pd.Series(rng.integers(0, 2, size=300))  # no signal: the best epoch comes early
    default = fit_tabular(X, y, verbose=0, max_epochs=40, bagging=1)  # one network's stopping
    assert default.training["config"]["patience"] == 4
    assert default.training["epochs_run"] - default.training["best_epoch"] <= 4
    patient = fit_tabular(X, y, verbose=0, max_epochs=40, patience=9, bagging=1)
    assert patient.training["config"]["patience"] == 9
    assert fit_tabular(X, y, verbose=0, model="mlp", max_epochs=2).training[
        "config"]["patience"] == 6


def test_a_batch_that_leaves_few_steps_per_epoch_is_warned_about() -> None:
    """2,048 rows a batch on ~1,000 training rows: one step an epoch, and the user is told."""
    from findeep.data.schema import FindeepWarning

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=1200), "b": rng.normal(size=1200)})
    y = pd.Series((X["a"] + rng.normal(size=1200) > 0).astype(int))
    with pytest.warns(FindeepWarning, match="step\\(s\\) per epoch"):
        fit_tabular(X, y, verbose=0, max_epochs=2, batch_size=2048)


def test_weight_average_keeps_the_mean_of_the_epochs_around_the_best() -> None:
    """weight_average=1: the restored weights are the mean of epochs best-1, best, best+1;
    epochs further away do not count."""
    model = torch.nn.Linear(1, 1, bias=False)
    stopping = EarlyStopping(TrainConfig(patience=3, weight_average=1), model)
    for epoch, score in enumerate([0.5, 0.6, 0.9, 0.7, 0.8, 0.6], start=1):
        with torch.no_grad():
            model.weight.fill_(float(epoch))
        if stopping.should_stop(epoch, score, model):
            break
    stopping.finish(model)
    assert stopping.best_epoch == 3
    assert model.weight.item() == pytest.approx((2 + 3 + 4) / 3)


def test_negative_weight_average_is_one_clear_error() -> None:
    X = pd.DataFrame({"a": np.arange(60.0)})
    y = pd.Series(np.arange(60) % 2)
    with pytest.raises(ConfigError, match="weight_average must be a non-negative integer"):
        fit_tabular(X, y, verbose=0, weight_average=-1)
