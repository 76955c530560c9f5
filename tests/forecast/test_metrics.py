"""IC, Rank IC and the regression metrics of forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from findeep.forecast.metrics import forecast_metrics, information_coefficients


def test_ic_per_date_matches_scipy():
    """Per-date IC is Pearson and Rank IC is Spearman across the assets of that date."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"date": np.repeat(pd.bdate_range("2021-01-04", periods=5), 6),
                          "asset": list("ABCDEF") * 5, "prediction": rng.normal(size=30),
                          "actual": rng.normal(size=30)})
    daily = information_coefficients(frame)
    first = frame[frame["date"] == frame["date"].min()]
    assert daily["ic"].iloc[0] == pytest.approx(stats.pearsonr(first.prediction, first.actual)[0])
    assert daily["rank_ic"].iloc[0] == pytest.approx(
        stats.spearmanr(first.prediction, first.actual)[0])
    metrics = forecast_metrics(frame, task="regression", target="return")
    assert metrics["ic"] == pytest.approx(daily["ic"].mean())
    assert metrics["icir"] == pytest.approx(daily["ic"].mean() / daily["ic"].std(ddof=1))
    assert metrics["ic_kind"] == "cross-sectional"


def test_one_asset_reports_a_time_series_ic():
    """With a single series there is no cross-section: IC is the correlation over time."""
    dates = pd.bdate_range("2021-01-04", periods=50)
    x = np.sin(np.arange(50))
    frame = pd.DataFrame({"date": dates, "asset": "X", "prediction": x, "actual": 2 * x})
    metrics = forecast_metrics(frame, task="regression", target="return")
    assert metrics["ic_kind"] == "time-series"
    assert metrics["ic"] == pytest.approx(1.0)
    assert metrics["directional_accuracy"] == 1.0


def test_rows_without_a_realised_target_are_left_out():
    """Forecasts whose outcome is not known yet do not enter the metrics."""
    frame = pd.DataFrame({"date": pd.bdate_range("2021-01-04", periods=4), "asset": "X",
                          "prediction": [0.1, -0.1, 0.2, 0.3], "actual": [0.1, -0.2, 0.1, np.nan]})
    metrics = forecast_metrics(frame, task="regression", target="return")
    assert metrics["rows"] == 3


def test_the_ic_p_value_holds_its_size_when_h_step_outcomes_overlap():
    """No signal: persistent forecasts (AR(1), 0.98) of 20-day forward returns on a random
    walk. Successive dates share 19 days of outcome and nearly the same forecast, so their
    ICs are autocorrelated. The plain t-test calls most such runs significant at 5%;
    Newey-West with n-1 degrees of freedom still 12-15%; the test used, about 5-10%."""
    from findeep.forecast.metrics import ic_summary, mean_pvalue

    rng = np.random.default_rng(0)
    horizon, dates, assets, runs = 20, 250, 30, 150
    significant = {0: 0, horizon - 1: 0}
    for _ in range(runs):
        log_price = np.cumsum(rng.normal(0, 0.01, size=(dates + horizon, assets)), axis=0)
        forward = log_price[horizon:] - log_price[:-horizon]  # h-day return from each date
        shocks = rng.normal(size=(dates, assets))
        forecast = np.empty((dates, assets))
        forecast[0] = shocks[0]
        for t in range(1, dates):
            forecast[t] = 0.98 * forecast[t - 1] + shocks[t]
        a = forecast - forecast.mean(1, keepdims=True)
        b = forward - forward.mean(1, keepdims=True)
        ic = (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))  # per-date Pearson
        for lags in significant:
            significant[lags] += mean_pvalue(ic, lags) < 0.05
    assert significant[0] / runs > 0.4  # the overlap ignored: far above 5%
    assert significant[horizon - 1] / runs <= 0.11
    # and forecast evaluations pass their horizon through to it
    frame = pd.DataFrame({"date": np.repeat(np.arange(dates), assets),
                          "asset": np.tile(np.arange(assets), dates),
                          "prediction": forecast.ravel(), "actual": forward.ravel()})
    daily = information_coefficients(frame)["ic"].to_numpy()
    assert ic_summary(frame, horizon)["ic_pvalue"] == pytest.approx(
        mean_pvalue(daily, horizon - 1))
    assert forecast_metrics(frame, task="regression", target="return", horizon=horizon)[
        "ic_pvalue"] == pytest.approx(mean_pvalue(daily, horizon - 1))


def test_a_constant_ic_series_has_an_exact_p_value_and_no_scipy_warning():
    """A naive forecast's rank IC is 1 on every date: scipy warned of catastrophic
    cancellation (printed to the user) and gave nan; the mean is surely not 0."""
    import warnings

    from findeep.forecast.metrics import mean_pvalue

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mean_pvalue(np.ones(40)) == 0.0
        assert mean_pvalue(np.ones(40), lags=4) == 0.0
        assert mean_pvalue(np.zeros(40)) == 1.0
    assert 0.0 < mean_pvalue(np.random.default_rng(0).normal(size=40)) < 1.0
