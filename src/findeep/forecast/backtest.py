"""Trade out-of-sample forecasts with costs, and report what a desk would ask for.

Rules (weights set at the close of each date, earning that asset's next-step return):

- ``long-flat``: hold an asset when its forecast is bullish (return > 0, or P(up) > 0.5),
  cash otherwise. Each held asset gets 1/N of capital, N = assets quoted that date.
- ``long-short``: one asset: long when bullish, short when bearish, out on a forecast of
  exactly the threshold. Many assets: long the top half by forecast and short the bottom
  half, 1/n on each name per side (net zero, gross 2).
- ``buy-and-hold``: 1/N in every asset, never traded after entering.

Costs are ``cost_bps`` basis points on turnover (sum of absolute weight changes,
entering and leaving included). Weights are reset to target every step; drift between
steps is ignored, as is financing of shorts.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError

RULES = ("long-flat", "long-short", "buy-and-hold")


def target_weights(frame: pd.DataFrame, rule: str, threshold: float) -> pd.Series:
    """Weight of each (date, asset) row under ``rule``, from its ``prediction``."""
    n_quoted = frame.groupby("date")["asset"].transform("size").to_numpy(float)
    bullish = frame["prediction"].to_numpy(float) > threshold
    if rule == "long-flat":
        weights = bullish / n_quoted
    elif rule == "buy-and-hold":
        weights = 1.0 / n_quoted
    elif frame["asset"].nunique() == 1:
        weights = np.sign(frame["prediction"].to_numpy(float) - threshold)  # 0 forecast: no side
    else:
        rank = frame.groupby("date")["prediction"].rank(method="first").to_numpy(float)
        half = np.floor(n_quoted / 2)
        top, bottom = rank > n_quoted - half, rank <= half
        n_side = np.maximum(half, 1)
        weights = np.where(top, 1.0 / n_side, np.where(bottom, -1.0 / n_side, 0.0))
        # a date where every forecast is the same ranks nothing: stay out
        weights[frame.groupby("date")["prediction"].transform("nunique").to_numpy() < 2] = 0.0
    return pd.Series(weights, index=frame.index)


def backtest_series(predictions: pd.DataFrame, *, rule: str = "long-flat",
                    cost_bps: float = 5.0, threshold: float = 0.0) -> pd.DataFrame:
    """Per date under ``rule``: the ``gross`` return, ``turnover`` and ``net`` return
    after ``cost_bps`` on turnover, and ``exposure`` (gross weight held); indexed by date."""
    if rule not in RULES:
        raise ConfigError(f"rule must be one of {', '.join(RULES)}, however: {rule=}")
    if not 0 <= cost_bps < float("inf"):
        raise ConfigError(f"cost_bps must be a finite number >= 0, however: {cost_bps=}")
    frame = predictions.dropna(subset=["prediction", "next_return"]).sort_values(["date", "asset"])
    if frame["date"].nunique() < 2:
        raise DataError("a backtest needs forecasts with a known next-step return on at least "
                        "two dates.")
    frame = frame.assign(weight=target_weights(frame, rule, threshold))
    wide = frame.pivot(index="date", columns="asset", values="weight").fillna(0.0)
    returns = frame.pivot(index="date", columns="asset", values="next_return").fillna(0.0)
    turnover = wide.diff().abs().sum(axis=1)
    turnover.iloc[0] = wide.iloc[0].abs().sum()  # entering the first positions is traded too
    gross = (wide * returns).sum(axis=1)
    return pd.DataFrame({"gross": gross, "turnover": turnover,
                         "net": gross - turnover * cost_bps / 1e4,
                         "exposure": wide.abs().sum(axis=1)})


def backtest(predictions: pd.DataFrame, *, rule: str = "long-flat", cost_bps: float = 5.0,
             threshold: float = 0.0, periods_per_year: float | None = None) -> dict[str, Any]:
    """Performance of ``rule`` on ``predictions`` (date, asset, prediction, next_return).

    Returns annualised return (compounded) and volatility, Sharpe (no risk-free rate),
    maximum drawdown, annualised turnover, hit rate (share of invested steps that made
    money after costs), exposure, and the period covered.
    """
    series = backtest_series(predictions, rule=rule, cost_bps=cost_bps, threshold=threshold)
    net, turnover = series["net"], series["turnover"]
    dates = pd.DatetimeIndex(series.index)
    if periods_per_year is None:
        years = (dates[-1] - dates[0]).days / 365.25
        periods_per_year = (len(dates) - 1) / years if years > 0 else 252.0
    # a step that loses 100% or more (losses and costs) wipes the account out: equity stays
    # at 0, as money does, instead of compounding a negative balance into sign flips
    growth = (1.0 + net).clip(lower=0.0)
    equity = growth.cumprod()
    wiped = growth.index[growth.to_numpy() == 0.0]
    if len(wiped):
        warnings.warn(f"{rule} loses everything on {pd.Timestamp(wiped[0]).date()} (that "
                      f"step's losses and costs, at {cost_bps:g} bps, reach 100%): its equity "
                      "stays at 0 from then on.", FindeepWarning, stacklevel=2)
    spread = float(net.std(ddof=1))
    invested = series["exposure"] > 0
    return {
        "rule": rule, "cost_bps": float(cost_bps), "start": dates[0].date().isoformat(),
        "end": dates[-1].date().isoformat(), "periods": len(net),
        "periods_per_year": float(periods_per_year),
        "total_return": float(equity.iloc[-1] - 1.0),
        "annual_return": float(equity.iloc[-1] ** (periods_per_year / len(net)) - 1.0)
        if equity.iloc[-1] > 0 else -1.0,
        "annual_volatility": spread * float(np.sqrt(periods_per_year)),
        "sharpe": float(net.mean() / spread * np.sqrt(periods_per_year)) if spread > 0 else 0.0,
        # from the highest equity so far, the starting 1.0 included (a first step's loss is
        # a drawdown too, and an account wiped out on its first step is at -100%)
        "max_drawdown": float((equity / equity.cummax().clip(lower=1.0) - 1.0).min()),
        "turnover": float(turnover.mean() * periods_per_year),
        "hit_rate": float((net[invested] > 0).mean()) if invested.any() else float("nan"),
        "exposure": float(series["exposure"].mean()),
        "costs": float((turnover * cost_bps / 1e4).sum()),
        "wiped_out": pd.Timestamp(wiped[0]).date().isoformat() if len(wiped) else None,
    }


def backtest_report(predictions: pd.DataFrame, *, cost_bps: float = 5.0,
                    threshold: float = 0.0) -> dict[str, dict[str, Any]]:
    """The model under both rules next to buy-and-hold, on the same dates and costs."""
    return {rule: backtest(predictions, rule=rule, cost_bps=cost_bps, threshold=threshold)
            for rule in RULES}


HEADLINE = ("annual_return", "annual_volatility", "sharpe", "max_drawdown", "turnover",
            "hit_rate", "exposure", "total_return", "costs", "periods")
