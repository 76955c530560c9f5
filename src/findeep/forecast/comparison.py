"""Losses and tests for comparing forecasts: QLIKE, Diebold-Mariano, coverage, Kupiec.

- ``qlike``: Patton's (2011) robust loss for variance forecasts, in the form
  ``log(h) + s2 / h`` (s2: realised variance proxy, h: forecast variance). It differs from
  ``s2/h - log(s2/h) - 1`` only by a term free of the forecast, so differences and
  Diebold-Mariano tests are the same, and it stays finite on days with a zero return.
- ``diebold_mariano``: is the mean loss differential zero? Losses are first averaged over
  assets per date (a panel's assets on one date are not independent), then the date
  series' mean is divided by a Newey-West (Bartlett) standard error with ``horizon - 1``
  lags (h-step forecasts overlap, so their errors are MA(h-1)), with Harvey, Leybourne
  and Newbold's small-sample correction and a t(n-1) reference.
- ``kupiec``: unconditional coverage of a value-at-risk (a lower quantile): is the share
  of exceedances equal to its nominal level? Likelihood ratio, chi-squared with 1 df.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats


def qlike(realised_variance: np.ndarray, forecast_variance: np.ndarray) -> np.ndarray:
    """Per-forecast QLIKE loss ``log(h) + s2 / h`` (lower is better)."""
    forecast_variance = np.maximum(forecast_variance, 1e-12)
    return np.log(forecast_variance) + realised_variance / forecast_variance


def squared_error(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    return (actual - forecast) ** 2


def pinball(actual: np.ndarray, forecast: np.ndarray, quantile: float) -> np.ndarray:
    error = actual - forecast
    return np.maximum(quantile * error, (quantile - 1) * error)


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, dates: np.ndarray,
                    horizon: int = 1) -> dict[str, float]:
    """Test of equal expected loss; ``mean_difference`` < 0 means A is better.

    Returns the mean differential (per date), the statistic and a two-sided p-value.
    """
    frame = pd.DataFrame({"date": dates, "d": np.asarray(loss_a) - np.asarray(loss_b)})
    d = frame.dropna().groupby("date", sort=True)["d"].mean().to_numpy(float)
    n = len(d)
    if n < 10:
        return {"mean_difference": float(d.mean()) if n else float("nan"),
                "statistic": float("nan"), "pvalue": float("nan"), "dates": n}
    lags = max(0, int(horizon) - 1)
    centred = d - d.mean()
    variance = centred @ centred / n
    for lag in range(1, lags + 1):
        weight = 1.0 - lag / (lags + 1)
        variance += 2 * weight * (centred[lag:] @ centred[:-lag]) / n
    if not variance > 0:
        return {"mean_difference": float(d.mean()), "statistic": float("nan"),
                "pvalue": float("nan"), "dates": n}
    statistic = d.mean() / np.sqrt(variance / n)
    correction = np.sqrt((n + 1 - 2 * (lags + 1) + lags * (lags + 1) / n) / n)
    statistic *= correction
    pvalue = 2 * stats.t.sf(abs(statistic), df=n - 1)
    return {"mean_difference": float(d.mean()), "statistic": float(statistic),
            "pvalue": float(pvalue), "dates": n}


def kupiec(exceedances: np.ndarray, level: float) -> dict[str, float]:
    """Kupiec's unconditional-coverage LR test for ``exceedances`` (bool) at ``level``."""
    hits = np.asarray(exceedances, dtype=bool)
    n, x = len(hits), int(hits.sum())
    if n == 0:
        return {"n": 0, "exceedances": 0, "rate": float("nan"), "lr": float("nan"),
                "pvalue": float("nan")}
    rate = x / n

    def loglik(p: float) -> float:
        out = 0.0
        if n - x:
            out += (n - x) * np.log(1 - p) if p < 1 else -np.inf
        if x:
            out += x * np.log(p) if p > 0 else -np.inf
        return out

    lr = float(-2 * (loglik(level) - loglik(rate)))
    return {"n": n, "exceedances": x, "rate": rate, "lr": lr,
            "pvalue": float(stats.chi2.sf(lr, df=1))}


def interval_report(frame: pd.DataFrame, quantiles: list[float],
                    columns: list[str]) -> dict[str, Any]:
    """Coverage and width of the widest central interval, pinball per quantile, and a
    Kupiec test of each quantile below 0.5 read as a value-at-risk."""
    actual = frame["actual"].to_numpy(float)
    out: dict[str, Any] = {}
    for q, column in zip(quantiles, columns, strict=True):
        forecast = frame[column].to_numpy(float)
        out[f"pinball_{q:g}"] = float(pinball(actual, forecast, q).mean())
        if q < 0.5:
            test = kupiec(actual < forecast, q)
            out[f"var_{q:g}_rate"] = test["rate"]
            out[f"var_{q:g}_kupiec_p"] = test["pvalue"]
    for q, column in zip(quantiles, columns, strict=True):  # every central pair, e.g. 90%
        partner = [c for p, c in zip(quantiles, columns, strict=True) if abs(p - (1 - q)) < 1e-9]
        if q < 0.5 and partner:
            lower, upper = frame[column].to_numpy(float), frame[partner[0]].to_numpy(float)
            name = f"{round(100 * (1 - 2 * q), 6):g}"
            out[f"coverage_{name}"] = float(np.mean((actual >= lower) & (actual <= upper)))
            out[f"width_{name}"] = float(np.mean(upper - lower))
    low, high = quantiles[0], quantiles[-1]
    if low < 0.5 < high:
        lower = frame[columns[0]].to_numpy(float)
        upper = frame[columns[-1]].to_numpy(float)
        out["interval"] = f"{low:g}-{high:g}"
        out["interval_nominal"] = high - low
        out["interval_coverage"] = float(np.mean((actual >= lower) & (actual <= upper)))
        out["interval_width"] = float(np.mean(upper - lower))
    return out
