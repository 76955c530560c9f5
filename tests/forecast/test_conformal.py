"""Conformalised quantile heads, the log-volume target and the HAR/leverage inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import findeep
from findeep.cli import app
from findeep.errors import ConfigError, DataError
from findeep.forecast import SequenceForecaster, evaluate_fixed
from findeep.forecast.conformal import apply_shifts, conformal_shifts
from findeep.forecast.features import feature_matrix, resolve_columns
from findeep.forecast.series import read_series

QUANTILES = [0.05, 0.5, 0.95]


def _heteroscedastic(n: int = 1400, seed: int = 0) -> pd.DataFrame:
    """Daily returns whose volatility rises through time: the later dates are wilder than
    anything a fit on the early ones saw, so raw quantile heads under-cover there."""
    rng = np.random.default_rng(seed)
    sigma = 0.01 * np.exp(np.linspace(0, 0.8, n)) * (1 + 0.5 * np.sin(np.arange(n) / 40))
    returns = rng.standard_t(5, size=n) * sigma / np.sqrt(5 / 3)
    return pd.DataFrame({"date": pd.bdate_range("2010-01-01", periods=n),
                         "close": 100 * np.exp(np.cumsum(returns)),
                         "volume": np.exp(15 + 0.3 * rng.normal(size=n))})


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return _heteroscedastic()


@pytest.fixture(scope="module")
def pair(series):
    """The same GRU evaluated out of sample with raw and with conformalised heads."""
    common = {"model": "gru", "window": 10, "quantiles": QUANTILES, "max_epochs": 4,
              "device": "cpu", "linear_path": True}  # the conformal modes, on one network
    start = series["date"].iloc[1000]
    return {mode: evaluate_fixed(SequenceForecaster(conformal=mode, **common), series,
                                 test_start=start)
            for mode in ("none", "additive", "scaled")}


def test_shifts_widen_a_too_narrow_interval_and_never_move_the_median():
    """A 5-95% interval of +-1 around N(0, 1) data moves out to about +-1.645."""
    rng = np.random.default_rng(1)
    y = rng.normal(size=(4000, 1))
    narrow = np.stack([np.full((4000, 1), -1.0), np.zeros((4000, 1)), np.ones((4000, 1))], -1)
    shift = conformal_shifts(narrow, y, QUANTILES)
    assert shift[0, 1] == 0
    assert shift[0, 0] == pytest.approx(-0.645, abs=0.08)
    assert shift[0, 2] == pytest.approx(0.645, abs=0.08)
    moved = apply_shifts(narrow, shift)
    assert np.mean((y[:, 0] >= moved[:, 0, 0]) & (y[:, 0] <= moved[:, 0, 2])) >= 0.89


def test_shifted_quantiles_are_rearranged_so_they_never_cross():
    """A shift that would push the lower head above the median is sorted back into order."""
    outputs = np.array([[[-0.1, 0.0, 0.1]]])
    moved = apply_shifts(outputs, np.array([[0.5, 0.0, -0.5]]))
    assert np.all(np.diff(moved, axis=-1) >= 0)


@pytest.mark.parametrize("mode", ["additive", "scaled"])
def test_coverage_improves_out_of_sample_on_a_heteroscedastic_series(pair, mode):
    """Raw heads under-cover the wilder test period; conformalised heads come closer to 90%
    and their 5% value-at-risk is breached less often."""
    raw, calibrated = pair["none"].metrics, pair[mode].metrics
    assert raw["coverage_90"] < 0.85
    assert calibrated["coverage_90"] > raw["coverage_90"] + 0.03
    assert abs(calibrated["coverage_90"] - 0.9) < abs(raw["coverage_90"] - 0.9)
    assert abs(calibrated["var_0.05_rate"] - 0.05) < abs(raw["var_0.05_rate"] - 0.05)


def test_scaled_shifts_follow_volatility_into_a_wilder_period(pair):
    """Shifts in units of trailing volatility widen the heads as volatility rises, so on a
    series whose volatility grows they cover at least as well as one additive shift."""
    assert pair["scaled"].metrics["coverage_90"] >= pair["additive"].metrics["coverage_90"]
    assert pair["scaled"].folds[0]["conformal"]["mode"] == "scaled"


def test_an_unknown_conformal_mode_is_one_clear_error(series):
    """A typo in the mode names the choices."""
    with pytest.raises(ConfigError, match="scaled, additive, adaptive, dtaci, none"):
        SequenceForecaster(model="gru", quantiles=QUANTILES, conformal="sclaed").fit(series)


def test_the_shift_comes_from_the_training_table_only(series, pair):
    """The evaluated model's shift equals a fit on the dates before the test start alone,
    and scrambling every test-period price does not change it."""
    start = series["date"].iloc[1000]
    fold = pair["scaled"].folds[0]["conformal"]
    alone = SequenceForecaster(model="gru", window=10, quantiles=QUANTILES, max_epochs=4,
                               conformal="scaled", device="cpu", linear_path=True).fit(
        series[series["date"] < start])
    np.testing.assert_allclose(alone.conformal_shift_, fold["shift"])
    assert fold["rows"] == alone.training_["validation_samples"]
    scrambled = series.copy()
    later = scrambled["date"] >= start
    scrambled.loc[later, "close"] = scrambled.loc[later, "close"].to_numpy()[::-1] * 3
    again = evaluate_fixed(SequenceForecaster(model="gru", window=10, quantiles=QUANTILES,
                                              max_epochs=4, conformal="scaled", device="cpu",
                                              linear_path=True),
                           scrambled, test_start=start)
    np.testing.assert_allclose(again.folds[0]["conformal"]["shift"], fold["shift"])


def test_the_shift_is_saved_in_the_bundle_and_applied_after_loading(series, tmp_path):
    """A loaded bundle holds the shift and forecasts the same shifted, ordered quantiles."""
    model = SequenceForecaster(model="gru", window=10, quantiles=QUANTILES, max_epochs=2,
                               conformal="scaled", device="cpu").fit(series.iloc[:600])
    assert np.any(model.conformal_shift_ != 0)
    model.save(tmp_path / "bundle")
    meta = json.loads((tmp_path / "bundle" / "bundle.json").read_text())
    assert np.asarray(meta["conformal_shift"]).shape == (1, 3)
    assert meta["conformal_mode"] == "scaled" and meta["conformal_fallback"] > 0
    loaded = findeep.load(tmp_path / "bundle")
    np.testing.assert_allclose(loaded.conformal_shift_, model.conformal_shift_)
    a, b = model.predict_quantiles(series.iloc[:700]), loaded.predict_quantiles(series.iloc[:700])
    np.testing.assert_allclose(a, b, atol=1e-6)
    known = np.isfinite(a).all(axis=1)
    assert np.all(np.diff(a[known], axis=1) >= 0)


@pytest.mark.parametrize("conformal", [False, "none"])
def test_without_conformal_no_shift_is_learnt(series, conformal):
    """'none' (or False) leaves the pinball heads as trained (the 'raw' rows)."""
    model = SequenceForecaster(model="gru", window=10, quantiles=QUANTILES, max_epochs=1,
                               device="cpu", conformal=conformal).fit(series.iloc[:500])
    assert model.conformal_shift_ is None and model.conformal_state_ is None
    raw = model.predict_quantiles(series.iloc[:600])
    model.conformal_mode_ = "adaptive"  # nothing calibrated: still the raw heads
    np.testing.assert_array_equal(raw, model.predict_quantiles(series.iloc[:600]))


def test_the_default_is_adaptive(series):
    """Chosen from BENCHMARKS.md, 'Forecasting, round 3': 9 of 10 rows within 90% +- 3."""
    model = SequenceForecaster(model="gru", window=10, quantiles=QUANTILES, max_epochs=1,
                               device="cpu").fit(series.iloc[:500])
    assert model.training_["conformal"]["mode"] == "adaptive"


def test_log_volume_target_forecasts_levels_and_beats_the_naive_forecast(series):
    """Log volume is forecast in levels (learned against its 20-day mean): on an i.i.d.
    volume series the last value is a poor forecast, ridge is close to the mean."""
    start = series["date"].iloc[1000]
    naive = evaluate_fixed(SequenceForecaster(model="naive", target="log_volume", window=10),
                           series, test_start=start)
    ridge = evaluate_fixed(SequenceForecaster(model="linear", target="log_volume", window=10),
                           series, test_start=start)
    assert ridge.metrics["rmse"] < 0.8 * naive.metrics["rmse"]
    prediction = ridge.predictions["prediction"].to_numpy()
    assert abs(prediction.mean() - np.log1p(series["volume"]).mean()) < 0.1


def test_log_volume_without_a_volume_column_is_one_line_exit_2(tmp_path):
    """The CLI names the missing column instead of printing a traceback."""
    data = _heteroscedastic(200).drop(columns="volume")
    path = tmp_path / "prices.csv"
    data.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["forecast", "train", str(path), "--date-column", "date",
                                      "--target", "log_volume", "--model", "linear",
                                      "--out", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert "Volume column" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(DataError, match="Volume column"):
        SequenceForecaster(model="linear", target="log_volume", window=5).fit(data)


def test_har_and_leverage_inputs_use_only_the_past(series):
    """The log-HAR averages and the down-day squared return at row t do not change when
    every later price changes."""
    base = read_series(series, date_column="date")
    columns = resolve_columns(base, None)
    matrix, names = feature_matrix(base, ["har", "leverage"], columns)
    assert names == ["rv_d", "rv_w", "rv_m", "negative_squared_return"]
    changed = series.copy()
    changed.loc[800:, "close"] *= 1.5
    other, _ = feature_matrix(read_series(changed, date_column="date"), ["har", "leverage"],
                              columns)
    np.testing.assert_allclose(matrix[:800], other[:800], equal_nan=True)
    assert not np.allclose(matrix[800:830], other[800:830], equal_nan=True)
    returns = np.diff(np.log(series["close"].to_numpy()))
    np.testing.assert_allclose(matrix[1:, 3], np.where(returns < 0, returns ** 2, 0.0))
