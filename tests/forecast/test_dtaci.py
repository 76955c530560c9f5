"""DtACI heads (``conformal="dtaci"``): eight ACI step sizes aggregated online; no look-ahead,
a bundle round trip that keeps the experts, and the CLI flag."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import findeep
from findeep.cli import app
from findeep.forecast import SequenceForecaster, evaluate_fixed
from findeep.forecast.adaptive import DTACI_GAMMAS, adaptive_shifts, new_state

QUANTILES = [0.05, 0.5, 0.95]
COMMON = {"model": "gru", "window": 10, "quantiles": QUANTILES, "max_epochs": 3,
          "device": "cpu"}


@pytest.fixture(scope="module")
def series(volatility_jump):
    return volatility_jump


@pytest.fixture(scope="module")
def fitted(series):
    return SequenceForecaster(conformal="dtaci", **COMMON).fit(series.iloc[:1000])


def test_dtaci_recovers_coverage_after_a_volatility_jump(series):
    """The fit never sees the 2.5x wilder regime; the heads come back to 90% +- 4 points."""
    evaluation = evaluate_fixed(SequenceForecaster(conformal="dtaci", **COMMON), series,
                                test_start=series["date"].iloc[1000])
    assert abs(evaluation.metrics["coverage_90"] - 0.90) < 0.04
    assert abs(evaluation.metrics["var_0.05_rate"] - 0.05) < 0.02
    assert evaluation.folds[0]["conformal"]["mode"] == "dtaci"


def test_dtaci_shift_uses_only_outcomes_known_by_the_forecast_date():
    """Horizon 3: changing outcomes not yet known at t changes no shift up to t."""
    rng = np.random.default_rng(3)
    n = 300
    dates = np.arange(n).astype("datetime64[D]").astype("datetime64[ns]")
    known = dates + np.timedelta64(3, "D")
    y = rng.normal(size=(n, 1)) * np.where(np.arange(n) < 150, 1.0, 3.0)[:, None]
    outputs = np.stack([-np.ones((n, 1)), np.zeros((n, 1)), np.ones((n, 1))], axis=-1)
    start = new_state(1, QUANTILES, method="dtaci")
    shifts, state = adaptive_shifts(outputs, y, np.ones(n), dates, known, QUANTILES, start)
    for t in (60, 200, 299):
        future = y.copy()
        future[t - 2:] = 100.0
        again, _ = adaptive_shifts(outputs, future, np.ones(n), dates, known, QUANTILES,
                                   new_state(1, QUANTILES, method="dtaci"))
        np.testing.assert_array_equal(shifts[: t + 1], again[: t + 1])
    assert shifts[-1, 0, 2] > shifts[140, 0, 2] + 1  # wider after the jump
    weights = np.asarray(state["weights"])
    assert weights.shape == (len(DTACI_GAMMAS), 1, 3)
    # after a jump the fast experts earn the weight: the upper head leans to large gammas
    assert weights[4:, 0, 2].sum() > weights[:4, 0, 2].sum()


def test_dtaci_state_survives_a_bundle_round_trip(series, fitted, tmp_path):
    fitted.save(tmp_path / "bundle")
    meta = json.loads((tmp_path / "bundle" / "bundle.json").read_text())
    assert meta["conformal_mode"] == "dtaci"
    assert meta["conformal_state"]["gammas"] == list(DTACI_GAMMAS)
    loaded = findeep.load(tmp_path / "bundle")
    assert loaded.conformal_mode_ == "dtaci"
    np.testing.assert_allclose(loaded.predict_quantiles(series), fitted.predict_quantiles(series))


def test_cli_accepts_conformal_dtaci_and_rejects_an_unknown_mode(series, tmp_path):
    path = tmp_path / "prices.csv"
    series.iloc[:1100].to_csv(path, index=False)
    runner = CliRunner()
    common = ["forecast", "train", str(path), "--date-column", "date", "--quantiles",
              "0.05,0.5,0.95", "--window", "10", "--model", "gru", "--max-epochs", "2", "--quiet"]
    result = runner.invoke(app, [*common, "--conformal", "dtaci", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(app, [*common, "--conformal", "dtaci2", "--out", str(tmp_path / "n")])
    assert bad.exit_code == 2 and "conformal must be one of" in bad.output


def test_volatility_lower_heads_may_reach_zero_on_unchanged_closes():
    """A 1-day realised volatility is exactly zero on an unchanged close (here 10% of days):
    the heads below the median may go down to zero to cover those days, while the median
    keeps the variance floor (a positive point forecast)."""
    rng = np.random.default_rng(1)
    n = 1300
    returns = rng.normal(size=n) * 0.01 * (rng.random(n) > 0.10)  # 10% unchanged closes
    frame = pd.DataFrame({"date": pd.bdate_range("2012-01-02", periods=n),
                          "close": 100 * np.exp(np.cumsum(returns))})
    model = SequenceForecaster(target="realized_vol", conformal="adaptive",
                               **{**COMMON, "max_epochs": 2}).fit(frame.iloc[:1000])
    q = model.predict_quantiles(frame)
    done = np.isfinite(q).all(axis=1)
    floor = np.sqrt(model.variance_floor_)
    assert (q[done] >= 0).all() and (q[done, 1] >= floor - 1e-12).all()
    assert (q[done, 0] < floor).mean() > 0.5  # the 5% head sits below the old floor
    later = done & (np.arange(n) > 1100)
    actual = np.abs(np.r_[returns[1:], np.nan])  # the next day's |return|
    zero_days = later & (actual == 0)
    assert (q[zero_days, 0] <= 0).mean() > 0.5  # and covers most unchanged closes
