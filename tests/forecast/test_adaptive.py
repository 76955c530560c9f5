"""Adaptive conformal heads (``conformal="adaptive"``): they follow a regime change using
only outcomes known at each forecast date."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import findeep
from findeep.cli import app
from findeep.forecast import SequenceForecaster, evaluate_fixed, evaluate_walk_forward
from findeep.forecast.adaptive import adaptive_shifts

QUANTILES = [0.05, 0.5, 0.95]
COMMON = {"model": "gru", "window": 10, "quantiles": QUANTILES, "max_epochs": 3,
          "device": "cpu"}


@pytest.fixture(scope="module")
def series(volatility_jump) -> pd.DataFrame:
    return volatility_jump


@pytest.fixture(scope="module")
def evaluations(series):
    start = series["date"].iloc[1000]
    return {mode: evaluate_fixed(SequenceForecaster(conformal=mode, **COMMON), series,
                                 test_start=start)
            for mode in ("none", "scaled", "adaptive")}


@pytest.fixture(scope="module")
def fitted(series):
    return SequenceForecaster(conformal="adaptive", **COMMON).fit(series.iloc[:1000])


def test_coverage_recovers_after_a_volatility_jump(evaluations):
    """Raw and once-calibrated heads under-cover the wilder test period badly; adaptive
    heads come back to 90% +- 4 points and a 5% VaR breached about 5% of the time."""
    raw, once = evaluations["none"].metrics, evaluations["scaled"].metrics
    adaptive = evaluations["adaptive"].metrics
    assert raw["coverage_90"] < 0.75 and once["coverage_90"] < 0.75
    assert abs(adaptive["coverage_90"] - 0.90) < 0.04
    assert abs(adaptive["var_0.05_rate"] - 0.05) < 0.02
    assert evaluations["adaptive"].folds[0]["conformal"]["mode"] == "adaptive"


def test_no_look_ahead_a_later_outcome_never_changes_an_earlier_interval(series, fitted):
    """Changing the price from date T on changes no interval forecast before T (the
    outcome of a forecast made at d is used only from its target date on), and does move
    later ones (the heads really are updated from realised outcomes)."""
    at = 1250
    changed = series.copy()
    changed.loc[at:, "close"] *= 1.08  # a single 8% return at T
    a, b = fitted.predict_quantiles(series), fitted.predict_quantiles(changed)
    np.testing.assert_array_equal(a[:at], b[:at])
    later = slice(at + 15, at + 60)  # windows no longer hold T, but the scores do
    assert not np.allclose(a[later], b[later])


def test_adaptive_quantiles_never_cross(series, fitted):
    out = fitted.predict_quantiles(series)
    done = np.isfinite(out).all(axis=1)
    assert done.sum() > 1000
    assert (np.diff(out[done], axis=1) >= 0).all()


def test_shift_uses_only_outcomes_known_by_the_forecast_date():
    """With a 3-step horizon, the first forecasts' outcomes arrive three dates later: the
    shift at a date equals the one computed from the rows whose target dates have passed."""
    rng = np.random.default_rng(3)
    n = 300
    dates = np.arange(n).astype("datetime64[D]").astype("datetime64[ns]")
    known = dates + np.timedelta64(3, "D")
    y = rng.normal(size=(n, 1)) * np.where(np.arange(n) < 150, 1.0, 3.0)[:, None]
    outputs = np.stack([-np.ones((n, 1)), np.zeros((n, 1)), np.ones((n, 1))], axis=-1)
    shifts, _ = adaptive_shifts(outputs, y, np.ones(n), dates, known, QUANTILES)
    for t in (60, 200, 299):
        future = y.copy()
        future[t - 2:] = 100.0  # outcomes not known at t (target dates after t)
        again, _ = adaptive_shifts(outputs, future, np.ones(n), dates, known, QUANTILES)
        np.testing.assert_array_equal(shifts[: t + 1], again[: t + 1])
    assert shifts[-1, 0, 2] > shifts[140, 0, 2] + 1  # wider after the jump


def test_state_is_saved_in_the_bundle_and_predict_carries_it_forward(series, fitted,
                                                                     tmp_path):
    fitted.save(tmp_path / "bundle")
    meta = json.loads((tmp_path / "bundle" / "bundle.json").read_text())
    state = meta["conformal_state"]
    assert state["gamma"] == 0.005 and state["window"] == 250 and len(state["scores"]) > 20
    loaded = findeep.load(tmp_path / "bundle")
    np.testing.assert_allclose(loaded.predict_quantiles(series), fitted.predict_quantiles(series))


def test_cli_trains_and_predicts_with_adaptive_heads(series, tmp_path):
    path = tmp_path / "prices.csv"
    series.iloc[:1100].to_csv(path, index=False)
    runner = CliRunner()
    result = runner.invoke(app, [
        "forecast", "train", str(path), "--date-column", "date", "--quantiles", "0.05,0.5,0.95",
        "--conformal", "adaptive", "--window", "10", "--model", "gru", "--max-epochs", "2",
        "--quiet", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "f.csv"
    assert runner.invoke(app, ["forecast", "predict", str(tmp_path / "m"), str(path), "--out",
                               str(out)]).exit_code == 0
    frame = pd.read_csv(out).dropna(subset=["q0.05", "q0.95"])
    assert ((frame["q0.05"] <= frame["q0.5"]) & (frame["q0.5"] <= frame["q0.95"])).all()


def test_walk_forward_folds_each_carry_their_own_state(series):
    evaluation = evaluate_walk_forward(SequenceForecaster(conformal="adaptive", **COMMON),
                                       series.iloc[:1300], test_start=series["date"].iloc[1000],
                                       refit_every=150)
    assert len(evaluation.folds) == 2
    assert all(f["conformal"]["mode"] == "adaptive" for f in evaluation.folds)
    assert abs(evaluation.metrics["coverage_90"] - 0.9) < 0.06
