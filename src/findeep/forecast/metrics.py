"""Forecast metrics: errors, direction, and the information coefficient a quant reads.

IC is the correlation between forecasts and outcomes. With many assets it is computed
across assets on each date (Pearson: IC; Spearman: Rank IC), and summarised by its mean,
its spread, ICIR = mean / spread, and a t-test of mean = 0 over dates. With one asset
there is no cross-section: IC is then the correlation over time, and says so.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

from findeep.evaluate.metrics import regression_metrics

MIN_ASSETS_PER_DATE = 3


def _correlations(prediction: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    if len(prediction) < 3 or np.ptp(prediction) == 0 or np.ptp(actual) == 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (float(stats.pearsonr(prediction, actual).statistic),
                float(stats.spearmanr(prediction, actual).statistic))


def information_coefficients(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-date IC and Rank IC from columns date, prediction, actual (dates with at least
    three assets and non-constant forecasts)."""
    rows = []
    for date, group in frame.groupby("date", sort=True):
        if len(group) < MIN_ASSETS_PER_DATE:
            continue
        ic, rank_ic = _correlations(group["prediction"].to_numpy(float),
                                    group["actual"].to_numpy(float))
        if np.isfinite(ic):
            rows.append((date, ic, rank_ic))
    return pd.DataFrame(rows, columns=["date", "ic", "rank_ic"])


def mean_pvalue(values: np.ndarray, lags: int = 0) -> float:
    """Two-sided p-value that ``values`` have mean zero: the t-test, and where successive
    values overlap over ``lags`` dates — the ICs of h-step returns share h-1 days of each
    outcome — a t-test on Hansen and Hodrick's long-run variance (each autocovariance up to
    ``lags`` in full; Newey-West's tapering where that is not positive) with the degrees of
    freedom of the n/(lags+1) independent stretches the series holds. The plain t-test
    called 62-67% of no-signal runs significant at h=20; Newey-West with n-1 degrees of
    freedom still 12-15% with persistent forecasts; this about 6-9%
    (tests/forecast/test_metrics.py)."""
    n = len(values)
    values = np.asarray(values, dtype=float)
    if n >= 2 and np.ptp(values) <= 1e-12 * max(1.0, abs(float(values.mean()))):
        # the same value on every date (a naive forecast's rank IC of 1): no spread to test
        # against, so the answer is exact; scipy would warn of catastrophic cancellation
        return 0.0 if values.mean() != 0 else 1.0
    if lags <= 0:
        return float(stats.ttest_1samp(values, 0.0).pvalue)
    centred = values - values.mean()
    variance = centred @ centred / n
    autocovariances = [centred[lag:] @ centred[:-lag] / n for lag in range(1, min(lags, n - 1)
                                                                          + 1)]
    long_run = variance + 2 * sum(autocovariances)
    if not long_run > 0:  # uniform weights can go negative: taper them
        long_run = variance + 2 * sum((1.0 - lag / (lags + 1)) * gamma
                                      for lag, gamma in enumerate(autocovariances, start=1))
    if not long_run > 0:
        return float("nan")
    statistic = values.mean() / np.sqrt(long_run / n)
    return float(2 * stats.t.sf(abs(statistic), df=max(1, n // (lags + 1) - 1)))


def ic_summary(frame: pd.DataFrame, horizon: int = 1) -> dict[str, Any]:
    """Mean, spread, ICIR and p-value of the per-date IC and Rank IC (``horizon`` > 1: the
    p-value allows for the overlap of successive dates' h-step outcomes, ``mean_pvalue``)."""
    n_assets = frame["asset"].nunique() if "asset" in frame else 1
    if n_assets < MIN_ASSETS_PER_DATE:
        ic, rank_ic = _correlations(frame["prediction"].to_numpy(float),
                                    frame["actual"].to_numpy(float))
        return {"ic_kind": "time-series", "ic": ic, "rank_ic": rank_ic}
    daily = information_coefficients(frame)
    out: dict[str, Any] = {"ic_kind": "cross-sectional", "ic_dates": len(daily)}
    for name in ("ic", "rank_ic"):
        values = daily[name].to_numpy(float) if len(daily) else np.zeros(0)
        if len(values) < 2:
            out |= {name: float("nan"), f"{name}_std": float("nan"), f"{name}ir": float("nan"),
                    f"{name}_pvalue": float("nan")}
            continue
        spread = float(values.std(ddof=1))
        out |= {name: float(values.mean()), f"{name}_std": spread,
                f"{name}ir": float(values.mean() / spread) if spread > 0 else float("nan"),
                f"{name}_pvalue": mean_pvalue(values, max(0, int(horizon) - 1))}
    return out


def forecast_metrics(frame: pd.DataFrame, *, task: str, target: str,
                     horizon: int = 1) -> dict[str, Any]:
    """Metrics of out-of-sample forecasts (columns date, asset, prediction, actual) made
    ``horizon`` steps ahead."""
    frame = frame[np.isfinite(frame["actual"].to_numpy(float))]
    prediction = frame["prediction"].to_numpy(float)
    actual = frame["actual"].to_numpy(float)
    out: dict[str, Any] = {"rows": len(frame), "dates": int(frame["date"].nunique())}
    if len(frame) == 0:
        return out
    if task == "binary":
        out["accuracy"] = float(skm.accuracy_score(actual.astype(int), prediction >= 0.5))
        out["directional_accuracy"] = out["accuracy"]
        out["brier"] = float(skm.brier_score_loss(actual.astype(int), np.clip(prediction, 0, 1)))
        if len(np.unique(actual)) == 2:
            out["roc_auc"] = float(skm.roc_auc_score(actual.astype(int), prediction))
    else:
        out |= {k: v for k, v in regression_metrics(actual, prediction).items() if k != "rows"}
        if target == "return":
            # a zero forecast (the random walk) takes no side: it is left out, not counted wrong
            moved = (actual != 0) & (prediction != 0)
            out["directional_accuracy"] = float(np.mean(
                np.sign(prediction[moved]) == np.sign(actual[moved]))) if moved.any() else None
        if target == "realized_vol":
            out |= variance_losses(actual, prediction)
            if "variance_floor" in frame:
                out |= floor_report(actual, prediction, frame["variance_floor"].to_numpy(float))
        quantile_columns = [c for c in frame.columns if str(c).startswith("q")
                            and _is_number(str(c)[1:])]
        if quantile_columns:
            from findeep.forecast.comparison import interval_report

            levels = [float(str(c)[1:]) for c in quantile_columns]
            order = np.argsort(levels)
            out |= interval_report(frame, [levels[i] for i in order],
                                   [quantile_columns[i] for i in order])
        for column in frame.columns:
            if str(column).startswith("prediction_h"):
                h = str(column).removeprefix("prediction_h")
                known = np.isfinite(frame[f"actual_h{h}"].to_numpy(float))
                a = frame[f"actual_h{h}"].to_numpy(float)[known]
                p = frame[column].to_numpy(float)[known]
                per = regression_metrics(a, p)
                out |= {f"h{h}_rmse": per["rmse"], f"h{h}_r2": per["r2"]}
                if target == "realized_vol":
                    out[f"h{h}_qlike"] = variance_losses(a, p)["qlike"]
    return out | ic_summary(frame, horizon)


def variance_losses(actual_vol: np.ndarray, forecast_vol: np.ndarray) -> dict[str, float]:
    """QLIKE and MSE of volatility forecasts, scored on variance in percent squared
    (returns in percent, as GARCH software reports them)."""
    from findeep.forecast.comparison import qlike

    realised, forecast = (100 * actual_vol) ** 2, (100 * forecast_vol) ** 2
    return {"qlike": float(qlike(realised, forecast).mean()),
            "mse_variance": float(np.mean((realised - forecast) ** 2))}


def floor_report(actual_vol: np.ndarray, forecast_vol: np.ndarray,
                 floor: np.ndarray) -> dict[str, Any]:
    """How many volatility forecasts sit at or below their model's variance ``floor`` (per
    row: a walk-forward refit has its own), the highest floor, and QLIKE over the other rows.

    A forecast raised to the floor (1e-8 for a calm synthetic series) scores
    ``s²/floor`` in QLIKE: thousands on a day with an ordinary return, so a few of them
    decide the model's mean QLIKE and any Diebold–Mariano test on it. The floor itself is
    rounded through the root the forecast is reported as, hence the relative tolerance.
    """
    below = (forecast_vol ** 2 <= floor * (1 + 1e-9)) & np.isfinite(forecast_vol)
    out: dict[str, Any] = {"below_floor": int(below.sum()),
                           "variance_floor": float(np.max(floor)) if len(floor) else None}
    if below.any() and not below.all():
        out["qlike_above_floor"] = variance_losses(actual_vol[~below],
                                                   forecast_vol[~below])["qlike"]
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


HEADLINE = ("rmse", "mae", "r2", "qlike", "below_floor", "qlike_above_floor", "mse_variance",
            "accuracy", "brier", "roc_auc", "directional_accuracy", "ic", "rank_ic", "icir",
            "rank_icir", "ic_pvalue", "interval_coverage", "interval_width")
