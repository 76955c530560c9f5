"""Conformalised quantile regression: adaptive widths, coverage, bundle, serving, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.errors import ConfigError
from findeep.evaluate.intervals import QuantileConformalIntervals, interval_metrics
from findeep.serve import create_app
from findeep.testing import json_record, make_credit_frame
from findeep.train.losses import pinball


def test_cqr_widens_a_too_narrow_band_until_it_covers_and_keeps_its_shape():
    """Noise whose spread grows with x; a quantile band of the right shape but half the
    right width: CQR moves both ends out by one constant until new draws are covered at
    the asked level, so wide rows stay wider than narrow ones."""
    rng = np.random.default_rng(0)

    def draw(n):
        x = rng.uniform(0.1, 2.0, n)
        return x, x * rng.standard_normal(n)

    x, y = draw(4000)
    half = 0.5 * 1.645 * x  # half of the true 90% band
    intervals = QuantileConformalIntervals.fit(y, np.column_stack([-half, half]), 0.9)
    assert intervals.correction() > 0
    x_new, y_new = draw(20000)
    half_new = 0.5 * 1.645 * x_new
    lower, upper = intervals.interval(np.zeros_like(x_new), 0.9,
                                      np.column_stack([half_new, -half_new]))  # crossed: sorted
    assert abs(interval_metrics(y_new, lower, upper)["interval_coverage"] - 0.9) < 0.015
    width = upper - lower
    assert width[x_new > 1.5].mean() > 1.5 * width[x_new < 0.6].mean()
    with pytest.raises(ConfigError, match="band"):
        intervals.interval(np.zeros(3))


def test_pinball_loss_is_minimised_at_the_quantile():
    y = np.random.default_rng(1).standard_normal(5000)
    import torch

    grid = np.linspace(-3, 3, 601)
    losses = [float(pinball(torch.full((1,), g), torch.as_tensor(y)[:, None], (0.9,)).mean())
              for g in grid]
    assert abs(grid[int(np.argmin(losses))] - np.quantile(y, 0.9)) < 0.02


@pytest.fixture(scope="module")
def cqr_regressor():
    frame = make_credit_frame(800, seed=5)
    X = frame.drop(columns=["default", "income"])
    y = frame["income"].fillna(frame["income"].median())
    model = findeep.TabularRegressor(model="mlp", max_epochs=3, interval_method="cqr",
                                     interval=0.8).fit(X, y)
    return model, X, y


def test_cqr_regressor_gives_row_specific_widths_that_survive_the_bundle(cqr_regressor,
                                                                         tmp_path):
    model, X, _ = cqr_regressor
    assert model.pipeline_.intervals.method == "cqr"
    bounds = model.predict_interval(X.iloc[:50], level=0.8)
    assert (bounds[:, 0] <= bounds[:, 1]).all()
    assert np.std(bounds[:, 1] - bounds[:, 0]) > 0  # not one width for every row
    wider = model.predict_interval(X.iloc[:50], level=0.95)
    assert (wider[:, 1] - wider[:, 0] >= bounds[:, 1] - bounds[:, 0] - 1e-9).all()
    model.save(tmp_path / "m")
    loaded = findeep.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_interval(X.iloc[:50], 0.8), bounds, rtol=1e-6)
    client = TestClient(create_app(loaded))
    records = [json_record(r) for r in X.iloc[:4].to_dict(orient="records")]
    body = client.post("/v1/predict", json=records).json()
    np.testing.assert_allclose(body["lower"], bounds[:4, 0], rtol=1e-5)
    np.testing.assert_allclose(body["upper"], bounds[:4, 1], rtol=1e-5)
    np.testing.assert_allclose(body["prediction"], model.predict(X.iloc[:4]), rtol=1e-5)


def test_cqr_on_the_command_line_and_a_bad_method(cqr_regressor, tmp_path):
    model, X, y = cqr_regressor
    model.save(tmp_path / "m")
    X.iloc[:30].to_csv(tmp_path / "x.csv", index=False)
    result = run("predict", tmp_path / "m", tmp_path / "x.csv", "--out", tmp_path / "p.csv",
                 "--interval", "0.8")
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "p.csv")
    np.testing.assert_allclose(scores[["lower", "upper"]].to_numpy(),
                               model.predict_interval(X.iloc[:30], 0.8), rtol=1e-5)
    frame = X.assign(income=y)
    frame.to_csv(tmp_path / "t.csv", index=False)
    bad = run("train", tmp_path / "t.csv", "--target", "income", "--out", tmp_path / "b",
              "--interval-method", "quantile")
    assert_one_line_error(bad, "interval method must be one of split-conformal, cqr")
    assert not (tmp_path / "b").exists()
