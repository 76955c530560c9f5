"""The baselines a quant checks before believing a network: naive, linear, LightGBM.

- ``naive``: the random walk. Zero for a return, the last value for a level or a
  volatility, the training base rate for a direction. Beating it is the first bar.
- ``linear``: ridge regression (logistic for direction) on the same standardised window
  the networks see, flattened: a linear autoregression with exogenous inputs. For a
  variance target (``realized_vol``) the ridge is on log variance, mapped back by exp and
  re-levelled to the training mean (``training.log_variance_ridge``: the networks' own
  linear start), as HAR-log practitioners do: a ridge on the variance itself forecasts
  below zero on calm days, and the floor those forecasts land on decides its QLIKE.
- ``lightgbm``: gradient-boosted trees on the same flattened lags (needs ``lightgbm``).

Each keeps its learned state as plain numbers or text, so bundles need no pickle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from findeep.errors import ConfigError

BASELINES = {
    "naive": "random walk: zero return, last value of a level or volatility, base rate of ups",
    "linear": "ridge (logistic for direction; on log variance for realized_vol) on the "
              "flattened standardised window",
    "lightgbm": "LightGBM on the flattened standardised window (300 trees max, early stopping)",
}


class NaiveBaseline:
    """Forecasts known at t without fitting anything but a direction's base rate."""

    def __init__(self, base_rate: float = 0.5) -> None:
        self.base_rate = base_rate

    def fit(self, y: np.ndarray, task: str) -> NaiveBaseline:
        if task == "binary":
            self.base_rate = float(np.mean(y))
        return self

    def predict(self, naive: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(naive), self.base_rate, naive)

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return {"base_rate": self.base_rate}, {}

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> NaiveBaseline:
        return cls(float(meta["base_rate"]))


class LinearBaseline:
    """Ridge (alpha=1) or L2 logistic regression (C=1) on the flattened window; with
    ``log_variance`` (a variance target) ridge on log variance, predicting
    ``variance_scale * exp(score)``."""

    def __init__(self, coef: np.ndarray | None = None, intercept: float = 0.0,
                 task: str = "regression", log_variance: bool = False,
                 variance_scale: float = 1.0) -> None:
        self.coef = coef
        self.intercept = intercept
        self.task = task
        self.log_variance = log_variance
        self.variance_scale = variance_scale

    def fit(self, x: np.ndarray, y: np.ndarray, task: str, *,
            log_variance: bool = False) -> LinearBaseline:
        from sklearn.linear_model import LogisticRegression, Ridge

        flat = x.reshape(len(x), -1)  # (N, W, F) -> (N, W*F)
        scale = 1.0
        if task == "binary":
            model = LogisticRegression(C=1.0, max_iter=2000).fit(flat, y.astype(int))
            coef, intercept = model.coef_[0], float(model.intercept_[0])
        elif log_variance:
            from findeep.forecast.training import log_variance_ridge

            scale = float(np.mean(y)) if np.mean(y) > 0 else 1.0
            coefs, intercepts = log_variance_ridge(x, (y / scale)[:, None])  # (1, W*F), (1,)
            coef, intercept = coefs[0], float(intercepts[0])
        else:
            model = Ridge(alpha=1.0).fit(flat, y)
            coef, intercept = model.coef_, float(model.intercept_)
        self.coef, self.intercept, self.task = np.asarray(coef, dtype=np.float64), intercept, task
        self.log_variance = bool(log_variance) and task != "binary"
        self.variance_scale = scale
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        score = x.reshape(len(x), -1).astype(np.float64) @ self.coef + self.intercept
        if self.task == "binary":
            return 1.0 / (1.0 + np.exp(-score))
        if self.log_variance:  # the clip the networks' log-variance output uses
            return self.variance_scale * np.exp(np.clip(score, -30, 30))
        return score

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return ({"intercept": self.intercept, "task": self.task,
                 "log_variance": self.log_variance, "variance_scale": self.variance_scale},
                {"coef": torch.as_tensor(self.coef, dtype=torch.float64)})

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> LinearBaseline:
        # bundles written before 2026-12 have no log_variance: their ridge was on the variance
        return cls(tensors["coef"].numpy().astype(np.float64), float(meta["intercept"]),
                   meta["task"], bool(meta.get("log_variance", False)),
                   float(meta.get("variance_scale", 1.0)))


class LightGBMBaseline:
    """Boosted trees on the flattened window; early stopping on the latest training dates."""

    def __init__(self, model_text: str | None = None, task: str = "regression",
                 seed: int = 0) -> None:
        self.model_text = model_text
        self.task = task
        self.seed = seed
        self._booster: Any = None

    def fit(self, x: np.ndarray, y: np.ndarray, task: str, x_valid: np.ndarray,
            y_valid: np.ndarray) -> LightGBMBaseline:
        lgb = _lightgbm()
        params = {"objective": "binary" if task == "binary" else "regression",
                  "learning_rate": 0.03, "num_leaves": 15, "min_data_in_leaf": 100,
                  "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.8,
                  "lambda_l2": 1.0, "seed": self.seed, "num_threads": 1, "deterministic": True,
                  "force_row_wise": True, "verbose": -1}
        train = lgb.Dataset(x.reshape(len(x), -1), y)
        valid = lgb.Dataset(x_valid.reshape(len(x_valid), -1), y_valid, reference=train)
        self._booster = lgb.train(params, train, num_boost_round=300, valid_sets=[valid],
                                  callbacks=[lgb.early_stopping(30, verbose=False)])
        self.model_text = self._booster.model_to_string()
        self.task = task
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        if self._booster is None:
            self._booster = _lightgbm().Booster(model_str=self.model_text)
        return np.asarray(self._booster.predict(x.reshape(len(x), -1)), dtype=float)

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return {"model_text": self.model_text, "task": self.task, "seed": self.seed}, {}

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> LightGBMBaseline:
        return cls(meta["model_text"], meta["task"], int(meta.get("seed", 0)))


def _lightgbm() -> Any:
    try:
        import lightgbm
    except ImportError:
        raise ConfigError("model 'lightgbm' needs the lightgbm package: "
                          "pip install 'findeep[baselines]'.") from None
    return lightgbm


BASELINE_CLASSES: dict[str, Any] = {"naive": NaiveBaseline, "linear": LinearBaseline,
                                    "lightgbm": LightGBMBaseline}
