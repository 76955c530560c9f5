"""Prediction intervals for regressions: split-conformal coverage, storage and serving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.errors import ConfigError
from findeep.evaluate.intervals import ConformalIntervals, interval_metrics
from findeep.serve import create_app
from findeep.testing import json_record, make_credit_frame


def test_conformal_intervals_cover_new_draws_at_the_asked_level():
    """Residuals from one sample calibrate intervals that cover new draws from the same
    law at the level asked for (within sampling noise)."""
    rng = np.random.default_rng(0)
    intervals = ConformalIntervals.fit(rng.standard_t(4, 2000), np.zeros(2000))
    fresh = rng.standard_t(4, 20000)
    for level in (0.5, 0.8, 0.9, 0.95):
        lower, upper = intervals.interval(np.zeros_like(fresh), level)
        assert abs(interval_metrics(fresh, lower, upper)["interval_coverage"] - level) < 0.02


def test_too_few_calibration_rows_give_an_unbounded_interval_not_a_false_one():
    intervals = ConformalIntervals.fit(np.arange(5.0), np.zeros(5))
    assert intervals.half_width(0.9) == np.inf  # 5 rows cannot promise 90%
    assert intervals.half_width(0.5) == 2.0
    with pytest.raises(ConfigError, match="between 0 and 1"):
        intervals.half_width(1.2)


@pytest.fixture(scope="module")
def regressor():
    frame = make_credit_frame(600, seed=5)
    X = frame.drop(columns=["default", "income"])
    y = frame["income"].fillna(frame["income"].median())
    return findeep.TabularRegressor(model="mlp", max_epochs=3).fit(X, y), X, y


def test_regressor_intervals_are_centred_and_survive_the_bundle(regressor, tmp_path):
    model, X, _ = regressor
    bounds = model.predict_interval(X.iloc[:20], level=0.9)
    prediction = model.predict(X.iloc[:20])
    np.testing.assert_allclose(bounds.mean(axis=1), prediction, rtol=1e-6)
    assert (bounds[:, 1] - bounds[:, 0] > model.predict_interval(X.iloc[:20], 0.5)[:, 1]
            - model.predict_interval(X.iloc[:20], 0.5)[:, 0]).all()
    model.save(tmp_path / "m")
    loaded = findeep.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_interval(X.iloc[:20], 0.9), bounds, rtol=1e-6)


def test_served_regression_returns_the_interval(regressor):
    """/v1/predict gives lower and upper beside the prediction, equal to predict_interval
    at the stored level."""
    model, X, _ = regressor
    client = TestClient(create_app(model))
    records = [json_record(r) for r in X.iloc[:4].to_dict(orient="records")]
    body = client.post("/v1/predict", json=records).json()
    expected = model.predict_interval(X.iloc[:4], model.pipeline_.intervals.level)
    np.testing.assert_allclose(body["lower"], expected[:, 0], rtol=1e-5)
    np.testing.assert_allclose(body["upper"], expected[:, 1], rtol=1e-5)


def test_predict_interval_on_the_command_line(regressor, tmp_path):
    model, X, _ = regressor
    model.save(tmp_path / "m")
    X.iloc[:30].to_csv(tmp_path / "x.csv", index=False)
    result = run("predict", tmp_path / "m", tmp_path / "x.csv", "--out", tmp_path / "p.csv",
                 "--interval", "0.8")
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "p.csv")
    assert (scores["lower"] < scores["prediction"]).all()
    assert (scores["prediction"] < scores["upper"]).all()
    bad = run("predict", tmp_path / "m", tmp_path / "x.csv", "--out", tmp_path / "q.csv",
              "--interval", "90")
    assert_one_line_error(bad, "between 0 and 1")
    assert not (tmp_path / "q.csv").exists()


def test_a_level_too_high_for_the_calibration_rows_is_unbounded_and_says_so() -> None:
    import math
    import warnings

    from findeep.data.schema import FindeepWarning
    from findeep.evaluate.intervals import ConformalIntervals

    intervals = ConformalIntervals(np.linspace(0.1, 1.0, 320))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert math.isinf(intervals.half_width(0.999))
    assert any(issubclass(w.category, FindeepWarning) and "needs at least 999 calibration rows"
               in str(w.message) and "up to 0.9969" in str(w.message) for w in caught)
    assert math.isfinite(intervals.half_width(0.99))


def test_lower_ends_below_zero_are_named_when_no_training_value_was(tmp_path):
    """A skewed non-negative target (an amount): split-conformal bands of one width reach
    below 0 for small predictions. predict_interval and `findeep predict --interval` say how
    many, with the lowest training value; a target that was negative in training says
    nothing, and neither does an older bundle without the stored range."""
    import warnings

    rng = np.random.default_rng(3)
    frame = make_credit_frame(800, seed=6).drop(columns=["default"])
    amount = pd.Series(rng.exponential(1.0, len(frame)) + 0.01, name="amount")
    model = findeep.TabularRegressor(model="mlp", max_epochs=2).fit(frame, amount)
    assert model.pipeline_.training["target_range"][0] == pytest.approx(amount.min())
    with pytest.warns(UserWarning, match=r"interval lower end\(s\) are below 0, although every "
                                         r"training value of 'amount' was 0 or more"):
        bounds = model.predict_interval(frame.iloc[:100], level=0.9)
    assert (bounds[:, 0] < 0).any()

    shifted = findeep.TabularRegressor(model="mlp", max_epochs=2).fit(frame, amount - 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        shifted.predict_interval(frame.iloc[:100], level=0.9)

    path = model.save(tmp_path / "amount")
    data = tmp_path / "rows.csv"
    frame.iloc[:100].to_csv(data, index=False)
    result = run("predict", path, data, "--out", tmp_path / "scored.csv", "--interval", "0.9")
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "scored.csv")
    count = int((written["lower"] < 0).sum())
    assert count and f"{count:,} of 100 interval lower end(s) are below 0" in " ".join(
        result.stderr.split())
    del model.pipeline_.training["target_range"]  # as an older bundle reads
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model.predict_interval(frame.iloc[:100], level=0.9)

