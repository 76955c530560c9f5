"""``ForecastEvaluation``: one model's out-of-sample forecasts, their metrics, how they were made.

Made by ``walkforward.py``; kept in a forecaster's bundle (``estimator.py``) so that a later
backtest trades only forecasts that were made without seeing their period. On disk the
forecasts are three tensors (``oos.date``, ``oos.asset``, ``oos.prediction``) and the rest
is JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.errors import ConfigError
from findeep.forecast.backtest import backtest_report


@dataclass
class ForecastEvaluation:
    """Out-of-sample forecasts of one model, their metrics, and how they were made."""

    model: str
    target: str
    task: str
    scheme: dict[str, Any]
    predictions: pd.DataFrame
    metrics: dict[str, Any]
    folds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fit_seconds(self) -> float:
        """Wall-clock seconds spent fitting, summed over folds."""
        return float(sum(f["fit_seconds"] for f in self.folds))

    def backtest(self, cost_bps: float = 5.0) -> dict[str, dict[str, Any]]:
        """Long/flat, long/short and buy-and-hold on these forecasts' dates."""
        if self.target not in ("return", "direction"):
            raise ConfigError(f"a backtest trades on a return or direction forecast; this "
                              f"model forecasts {self.target!r}.")
        return backtest_report(self.predictions, cost_bps=cost_bps,
                               threshold=0.5 if self.task == "binary" else 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "target": self.target, "task": self.task,
                "scheme": self.scheme, "metrics": self.metrics, "folds": self.folds,
                "fit_seconds": self.fit_seconds}


def evaluation_to_bundle(evaluation: ForecastEvaluation
                         ) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The JSON document and the ``oos.*`` tensors that keep ``evaluation`` in a bundle."""
    predictions = evaluation.predictions
    assets = sorted({str(a) for a in predictions["asset"]})
    codes = {a: i for i, a in enumerate(assets)}
    tensors = {
        "oos.date": torch.as_tensor(
            np.array(predictions["date"].to_numpy(dtype="datetime64[ns]"), dtype=np.int64)),
        "oos.asset": torch.as_tensor(
            np.array([codes[str(a)] for a in predictions["asset"]], dtype=np.int64)),
        "oos.prediction": torch.as_tensor(np.array(predictions["prediction"], dtype=float)),
    }
    return {**evaluation.to_dict(), "assets": assets}, tensors


def evaluation_from_bundle(document: dict[str, Any],
                           tensors: dict[str, torch.Tensor]) -> ForecastEvaluation:
    """The evaluation ``evaluation_to_bundle`` stored (its per-row forecasts and metrics)."""
    assets = np.asarray(document["assets"], dtype=object)
    predictions = pd.DataFrame({
        "date": tensors["oos.date"].numpy().astype("datetime64[ns]"),
        "asset": assets[tensors["oos.asset"].numpy()],
        "prediction": tensors["oos.prediction"].numpy().astype(float),
    })
    return ForecastEvaluation(document["model"], document["target"], document["task"],
                              document["scheme"], predictions, document["metrics"],
                              document.get("folds", []))
