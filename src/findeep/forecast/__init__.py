"""Market prediction on price series: windows, sequence networks, honest evaluation.

The path a user follows::

    series.py      read a long table (date, optional asset, values) and check it
    features.py    causal features, targets at t+h, windows, a scaler fitted on training rows
    models/        LSTM/GRU, temporal CNN, Transformer: plain nn.Modules behind a registry
    baselines.py   naive, linear autoregression, LightGBM on flattened lags
    vol_baselines.py HAR-RV and GARCH(1,1) / GJR-GARCH for realised volatility
    training.py    the ridge-started fit of a network, seed members
    comparison.py  QLIKE, Diebold-Mariano, Kupiec, interval coverage
    evaluation.py  ``ForecastEvaluation``: out-of-sample forecasts, metrics, their bundle form
    estimator.py   ``SequenceForecaster``: fit on a table, predict per (asset, date); its own
                   to/from-bundle conversion (``forecaster_to_bundle``, ``read_forecaster``)
    walkforward.py fixed-date and walk-forward evaluation (the future is never in a fit)
    metrics.py     RMSE/MAE/R², directional accuracy, IC and Rank IC per date
    backtest.py    long/flat and long/short rules with costs, next to buy-and-hold
    jobs.py        the commands as library calls (train, backtest, predict)
    commands.py    ``findeep forecast train|backtest|predict``
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from findeep.forecast.backtest import backtest
    from findeep.forecast.estimator import SequenceForecaster
    from findeep.forecast.evaluation import ForecastEvaluation
    from findeep.forecast.walkforward import evaluate_fixed, evaluate_walk_forward

# imported on first use, so `findeep forecast --help` does not load torch
_LAZY = {"backtest": "findeep.forecast.backtest",
         "SequenceForecaster": "findeep.forecast.estimator",
         "ForecastEvaluation": "findeep.forecast.evaluation",
         "evaluate_fixed": "findeep.forecast.walkforward",
         "evaluate_walk_forward": "findeep.forecast.walkforward"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'findeep.forecast' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value

__all__ = [
    "ForecastEvaluation",
    "SequenceForecaster",
    "backtest",
    "evaluate_fixed",
    "evaluate_walk_forward",
]
