"""The volatility models practitioners compare against: HAR-RV and GARCH(1,1) / GJR-GARCH.

- ``har``: Corsi's (2009) heterogeneous autoregression, OLS of the mean daily variance
  over t+1..t+h on the day's variance, its 5-day mean and its 22-day mean.
- ``garch`` / ``gjr_garch``: GARCH(1,1) and GJR-GARCH(1,1,1) (constant mean, normal
  errors) from the ``arch`` package, fitted per asset on the training rows' returns only;
  forecasts at t filter the series through t with those fixed parameters, so a walk-forward
  refit updates the parameters once per fold and never sees the test block.

Each predicts volatility (root of the forecast mean variance), keeps plain numbers as
state (no pickle), and is used only with ``target='realized_vol'``.

``gjr_variance_path`` is the same GJR-GARCH forecast written out as a plain recursion
started at the fitted model's unconditional variance, so its value at t uses returns
through t only (``arch``'s own filter backcasts from the first 75 returns of the table);
the ``garch_var`` input feature (``features.py``, fitted in ``estimator.py``) uses it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.errors import ConfigError, DataError

VOL_BASELINES = {
    "har": "HAR-RV: OLS of future mean variance on daily, weekly (5) and monthly (22) variance",
    "garch": "GARCH(1,1) from arch, fitted per asset on the training returns",
    "gjr_garch": "GJR-GARCH(1,1,1) from arch (leverage term), fitted per asset",
}
VARIANCE_FLOOR = 1e-10
_PERCENT = 100.0  # arch fits best on returns in percent


def har_regressors(variance: np.ndarray, assets: np.ndarray) -> np.ndarray:
    """``(N, 3)``: the day's variance and its trailing 5- and 22-day means, per asset."""
    grouped = pd.Series(variance).groupby(assets, sort=False)
    weekly = grouped.transform(lambda s: s.rolling(5).mean()).to_numpy()
    monthly = grouped.transform(lambda s: s.rolling(22).mean()).to_numpy()
    return np.column_stack([variance, weekly, monthly])


class HARBaseline:
    """OLS with intercept on ``har_regressors``; predicts sqrt of the fitted variance."""

    def __init__(self, coef: np.ndarray | None = None, floor: float = VARIANCE_FLOOR) -> None:
        self.coef = coef
        self.floor = floor

    def fit(self, regressors: np.ndarray, target_variance: np.ndarray) -> HARBaseline:
        design = np.column_stack([np.ones(len(regressors)), regressors])
        self.coef, *_ = np.linalg.lstsq(design, target_variance, rcond=None)
        positive = target_variance[target_variance > 0]
        self.floor = float(np.quantile(positive, 0.01)) if len(positive) else VARIANCE_FLOOR
        return self

    def predict(self, regressors: np.ndarray) -> np.ndarray:
        variance = np.column_stack([np.ones(len(regressors)), regressors]) @ self.coef
        return np.sqrt(np.maximum(variance, self.floor))

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return {"floor": self.floor}, {"coef": torch.as_tensor(self.coef, dtype=torch.float64)}

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> HARBaseline:
        return cls(tensors["coef"].numpy().astype(np.float64), float(meta["floor"]))


def _arch() -> Any:
    try:
        import arch
    except ImportError:
        raise ConfigError("models 'garch' and 'gjr_garch' need the arch package: "
                          "pip install 'findeep[forecast]'.") from None
    return arch


class GARCHBaseline:
    """Per-asset GARCH parameters; forecasts the mean variance over the next ``horizon`` days."""

    def __init__(self, kind: str = "garch", params: dict[str, list[float]] | None = None) -> None:
        self.kind = kind
        self.params = params or {}

    def _model(self, returns: np.ndarray) -> Any:
        return _arch().arch_model(returns * _PERCENT, mean="Constant", vol="GARCH", p=1,
                                  o=1 if self.kind == "gjr_garch" else 0, q=1, dist="normal",
                                  rescale=False)

    def fit(self, returns: np.ndarray, assets: np.ndarray) -> GARCHBaseline:
        import warnings

        self.params = {}
        for asset in pd.unique(assets):
            series = returns[(assets == asset) & np.isfinite(returns)]
            if len(series) < 100:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter; the fit is still used
                result = self._model(series).fit(disp="off", show_warning=False)
            self.params[str(asset)] = [float(v) for v in result.params.to_numpy()]
        if not self.params:
            raise DataError(f"{self.kind} needs at least 100 returns of one asset to fit.")
        return self

    def predict(self, returns: np.ndarray, assets: np.ndarray, horizon: int) -> np.ndarray:
        """Forecast at each row t from returns through t (NaN on an asset's first row)."""
        out = np.full(len(returns), np.nan)
        pooled = np.mean(np.array(list(self.params.values())), axis=0)
        for asset in pd.unique(assets):
            rows = np.flatnonzero((assets == asset) & np.isfinite(returns))
            if len(rows) == 0:
                continue
            params = np.asarray(self.params.get(str(asset), pooled))
            forecast = self._model(returns[rows]).fix(params).forecast(
                horizon=horizon, start=0, reindex=False)
            variance = forecast.variance.to_numpy().mean(axis=1) / _PERCENT ** 2
            out[rows] = np.sqrt(np.maximum(variance, VARIANCE_FLOOR))
        return out

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return {"kind": self.kind, "params": self.params}, {}

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> GARCHBaseline:
        return cls(meta["kind"], {k: list(v) for k, v in meta["params"].items()})


def gjr_variance_path(params: list[float], returns: np.ndarray, horizon: int) -> np.ndarray:
    """Mean GJR-GARCH(1,1,1) variance forecast over t+1..t+horizon at every t of one asset.

    ``params`` are ``arch``'s (mu, omega, alpha, gamma, beta) on returns in percent (a
    GARCH(1,1) has no gamma: pass 0). The recursion starts at the unconditional variance
    implied by ``params`` and reads return t only after forecasting at t-1, so the value
    at t never depends on a later row; a missing return leaves the variance unchanged.
    """
    mu, omega, alpha, gamma, beta = (float(v) for v in params)
    persistence = alpha + gamma / 2 + beta
    unconditional = omega / (1 - persistence) if persistence < 1 else omega / 1e-3
    variance = np.empty(len(returns))
    current = unconditional
    for t, value in enumerate(np.asarray(returns, dtype=float) * _PERCENT):
        if np.isfinite(value):
            shock = value - mu
            current = omega + (alpha + gamma * (shock < 0)) * shock ** 2 + beta * current
        variance[t] = current  # forecast for t+1, known at the close of t
    if horizon > 1:  # E[sigma^2_{t+k}] = V + rho^(k-1) (sigma^2_{t+1} - V), averaged over k
        decay = np.mean(persistence ** np.arange(horizon))
        variance = unconditional + decay * (variance - unconditional)
    return np.maximum(variance / _PERCENT ** 2, VARIANCE_FLOOR)


def garch_feature(model: GARCHBaseline, returns: np.ndarray, assets: np.ndarray,
                  horizon: int) -> np.ndarray:
    """``gjr_variance_path`` per asset with ``model``'s parameters (the pooled mean for an
    asset it was not fitted on); NaN where the return is missing (each asset's first row)."""
    out = np.full(len(returns), np.nan)
    pooled = np.mean(np.array(list(model.params.values())), axis=0)
    for asset in pd.unique(assets):
        rows = np.flatnonzero(assets == asset)
        params = list(model.params.get(str(asset), pooled))
        if model.kind == "garch":
            params = [*params[:3], 0.0, params[3]]
        path = gjr_variance_path(params, returns[rows], horizon)
        out[rows] = np.where(np.isfinite(returns[rows]), path, np.nan)
    return out
