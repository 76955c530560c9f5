"""The linear baseline of a variance target, and forecasts that land on the variance floor.

The walkthrough series is ``make_price_panel(n_assets=1, n_days=900, seed=3)`` as one series,
tested from 2017-06-01 (269 scored days): a ridge on the variance itself forecast below zero
on 34 of them, and the floor it was raised to, not the model, decided its QLIKE (3454
against HAR-RV's 1.58) and every Diebold-Mariano row against it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cli_helpers import run
from findeep.forecast import SequenceForecaster, evaluate_fixed
from findeep.forecast.baselines import LinearBaseline
from findeep.forecast.jobs import floor_notes
from findeep.forecast.metrics import forecast_metrics
from findeep.testing import make_price_panel

TEST_START = "2017-06-01"


@pytest.fixture(scope="module")
def walkthrough() -> pd.DataFrame:
    return make_price_panel(n_assets=1, n_days=900, seed=3).drop(columns=["asset", "signal"])


def _volatility(model: str, data: pd.DataFrame):
    forecaster = SequenceForecaster(date_column="date", target="realized_vol", horizon=1,
                                    window=22, model=model)
    return evaluate_fixed(forecaster, data, test_start=TEST_START)


def test_linear_volatility_baseline_stays_above_the_floor_and_scores_near_har(walkthrough):
    """The ridge on log variance never forecasts a variance below zero, none of its test
    forecasts sits on the floor, and its QLIKE is of HAR-RV's size (not 2,000 times it)."""
    linear = _volatility("linear", walkthrough)
    har = _volatility("har", walkthrough)
    assert linear.metrics["rows"] == 269
    assert linear.metrics["qlike"] < 2 * har.metrics["qlike"]
    assert linear.metrics["below_floor"] == 0
    assert linear.metrics["floor_applied"] is True
    prediction = linear.predictions["prediction"].to_numpy()
    assert (prediction ** 2 > linear.metrics["variance_floor"]).all()


def test_linear_variance_fit_is_positive_and_averages_to_the_training_variance():
    """Fitted on log variance and mapped back by exp, the forecasts are positive and their
    training mean is the training mean variance (exp of a mean log would understate it)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 10, 3))
    variance = 1e-4 * np.exp(0.5 * x[:, -1, 0]) * rng.chisquare(1, size=400)
    model = LinearBaseline().fit(x, variance, "regression", log_variance=True)
    fitted = model.predict(x)
    assert (fitted > 0).all()
    assert fitted.mean() == pytest.approx(variance.mean(), rel=1e-9)
    assert (model.predict(-50 * np.ones((5, 10, 3))) > 0).all()  # far outside: still > 0


def test_linear_return_baseline_is_still_a_plain_ridge():
    """For a return target nothing changes: ridge (alpha=1) on the flattened window, whose
    forecasts may be negative; and a bundle saved before the log fit existed predicts as
    it always did."""
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 5, 2))
    y = x[:, -1, 0] * 0.1 + rng.normal(0, 0.01, 300)
    model = LinearBaseline().fit(x, y, "regression")
    expected = Ridge(alpha=1.0).fit(x.reshape(300, -1), y).predict(x.reshape(300, -1))
    np.testing.assert_allclose(model.predict(x), expected, rtol=0, atol=1e-12)
    assert model.log_variance is False and (model.predict(x) < 0).any()
    meta, tensors = model.state()
    old = LinearBaseline.from_state({"intercept": meta["intercept"], "task": "regression"},
                                    tensors)  # an older bundle: no log_variance entry
    np.testing.assert_array_equal(old.predict(x), model.predict(x))
    return_forecaster = SequenceForecaster(model="linear", window=5).fit(
        make_price_panel(n_assets=1, n_days=200, seed=0).drop(columns=["asset", "signal"]))
    assert return_forecaster.baseline_.log_variance is False


def test_forecasts_on_the_floor_are_counted_and_named(walkthrough, monkeypatch):
    """A model whose forecasts are raised to the floor says how many, the floor, and its
    QLIKE without them: the reported ridge on variance is 34 of 269, QLIKE 3454 with them
    and 2.23 without, dominated by them."""
    level_fit = LinearBaseline.fit

    def ridge_on_variance(self, x, y, task, *, log_variance=False):  # the old baseline
        return level_fit(self, x, y, task)

    monkeypatch.setattr(LinearBaseline, "fit", ridge_on_variance)
    metrics = _volatility("linear", walkthrough).metrics
    assert metrics["below_floor"] == 34 and metrics["floor_applied"] is True
    assert metrics["qlike"] > 3000
    assert metrics["qlike_above_floor"] == pytest.approx(2.23, abs=0.01)
    [note] = floor_notes({"linear": metrics})
    assert note.startswith("linear: 34 of 269 test forecasts fell below the variance floor "
                           "and were raised to it (1e-08)")
    assert "on the other 235 rows" in note and "dominated by them" in note


def test_floor_count_uses_each_rows_own_floor():
    """A walk-forward refit has its own floor: a row counts when its forecast's variance is
    at or below its fold's floor, and QLIKE without them is over the other rows."""
    frame = pd.DataFrame({
        "date": pd.bdate_range("2020-01-01", periods=4), "asset": "a",
        "prediction": np.sqrt([1e-8, 4e-8, 2e-8, 1e-4]), "actual": [0.01] * 4,
        "variance_floor": [1e-8, 1e-8, 2e-8, 2e-8]})
    metrics = forecast_metrics(frame, task="regression", target="realized_vol")
    assert metrics["below_floor"] == 2 and metrics["variance_floor"] == 2e-8
    rest = forecast_metrics(frame.iloc[[1, 3]].drop(columns="variance_floor"),
                            task="regression", target="realized_vol")
    assert metrics["qlike_above_floor"] == pytest.approx(rest["qlike"])
    assert floor_notes({"har": {**metrics, "floor_applied": True}}, walk_forward=True)[0] \
        .startswith("har: 2 of 4 test forecasts fell below the variance floor and were raised "
                    "to it (2e-08 or less, per fold)")


def test_cli_train_shows_floor_counts_and_notes_in_table_and_json(walkthrough, tmp_path):
    """`forecast train` on the walkthrough: the table has a row of forecasts below the
    floor for every model, linear has none, and the random walk's four near-zero forecasts
    are named on the terminal and in the bundle's metrics.json."""
    pytest.importorskip("arch")
    csv = tmp_path / "px1.csv"
    walkthrough.to_csv(csv, index=False)
    bundle = tmp_path / "fvol"
    result = run("forecast", "train", csv, "--date-column", "date", "--target", "realized_vol",
                 "--horizon", "1", "--window", "22", "--model", "linear", "--test-start",
                 TEST_START, "--out", bundle, "--quiet")
    assert result.exit_code == 0, result.output
    assert "below variance floor" in result.stdout
    stored = json.loads((bundle / "metrics.json").read_text())
    compared = stored["compared"]
    assert compared["linear"]["below_floor"] == 0
    assert compared["linear"]["qlike"] < 2 * compared["har"]["qlike"]
    assert compared["naive"]["below_floor"] == 4 and compared["naive"]["floor_applied"] is False
    assert any(n.startswith("naive: 4 of 269 test forecasts were below the variance floor")
               for n in stored["notes"])
    assert "naive: 4 of 269" in " ".join(result.stdout.split())
