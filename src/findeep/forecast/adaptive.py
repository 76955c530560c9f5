"""Adaptive conformal quantile heads: shifts that follow regime changes, from realised scores.

One calibration block cannot serve a test period in a different regime (a calm 1995 before
a wild 1997-98). ``conformal="adaptive"`` recalibrates every date from what is known then:

- **Rolling scores.** Each quantile head's conformity score is how far the outcome fell
  beyond it, in units of the trailing 20-day volatility known at the forecast date
  (``forecast_scale``): ``(y - q) / s`` for an upper head, ``(q - y) / s`` for a lower one.
  A forecast made at date ``d`` is scored only once its target date has passed (the horizon
  lag), and the shift at each date is a quantile of the scores of the last ``window``
  forecast dates whose outcomes are known (all assets of a date pooled).
- **Adaptive level** (adaptive conformal inference, Gibbs and Candès 2021): each head's
  miss rate ``alpha_t`` starts at its nominal value (``1 - tau`` above the median, ``tau``
  below) and moves as outcomes arrive, ``alpha <- alpha + gamma * (nominal - err)``, where
  ``err`` is the share of a date's forecasts that fell beyond the shifted head; the shift is
  the ``1 - alpha`` quantile of the rolling scores (the largest score when ``alpha <= 0``,
  the smallest when ``alpha >= 1``).

The state (gamma, window, each head's alpha, the recent scores and the date through which
outcomes were used) is built on the fit's validation block, stored in the bundle, and
carried forward by ``predict`` over the history it is given, so a forecast at ``d`` never
depends on an outcome after ``d``. The median head is never moved; rows are re-sorted so
quantiles never cross (``conformal.apply_shifts``).

>>> import numpy as np
>>> n = 400
>>> dates = np.arange(n).astype("datetime64[D]")
>>> y = np.r_[np.ones(200), 3 * np.ones(200)][:, None] * np.where(np.arange(n) % 2, 1, -1)[:, None]
>>> outputs = np.stack([-np.ones((n, 1)), np.zeros((n, 1)), np.ones((n, 1))], axis=-1)
>>> shifts, state = adaptive_shifts(outputs, y, np.ones(n), dates, dates + 1, [0.05, 0.5, 0.95])
>>> bool(shifts[-1, 0, 2] > 1.5 and shifts[-1, 0, 0] < -1.5 and shifts[-1, 0, 1] == 0)
True
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from findeep.forecast.conformal import anchor_index

GAMMA = 0.005  # Gibbs and Candès' step for daily data
WINDOW = 250  # forecast dates of realised scores (about one trading year)
MIN_SCORES = 20  # fewer realised scores than this: the head is left where the network put it


def _nominal(quantiles: list[float]) -> np.ndarray:
    return np.array([1 - q if q >= 0.5 else q for q in quantiles])


def new_state(n_horizons: int, quantiles: list[float], *, gamma: float = GAMMA,
              window: int = WINDOW) -> dict[str, Any]:
    """An empty state: nominal miss rates, no scores yet."""
    return {"gamma": float(gamma), "window": int(window),
            "alpha": np.tile(_nominal(quantiles), (n_horizons, 1)).tolist(),
            "score_dates": [], "scores": [], "through": None}


def _current(scores: deque, alpha: np.ndarray, anchor: int) -> np.ndarray:
    """``(H, Q)`` shift magnitudes (in scale units) from the rolling scores at levels
    ``1 - alpha``; zero where fewer than ``MIN_SCORES`` are known."""
    magnitude = np.zeros_like(alpha)
    if not scores:
        return magnitude
    pooled = np.concatenate([s for _, s in scores], axis=0)  # (M, H, Q)
    for h in range(alpha.shape[0]):
        for j in range(alpha.shape[1]):
            if j == anchor:
                continue
            values = pooled[:, h, j]
            values = values[np.isfinite(values)]
            if len(values) < MIN_SCORES:
                continue
            level = 1.0 - alpha[h, j]
            magnitude[h, j] = float(np.quantile(values, min(1.0, max(0.0, level)),
                                                method="higher"))
    return magnitude


def adaptive_shifts(outputs: np.ndarray, actual: np.ndarray, scale: np.ndarray,
                    forecast_dates: np.ndarray, known_dates: np.ndarray,
                    quantiles: list[float], state: dict[str, Any] | None = None
                    ) -> tuple[np.ndarray, dict[str, Any]]:
    """Signed ``(N, H, Q)`` shifts in units of ``scale`` for forecasts ``outputs (N, H, Q)``
    made at ``forecast_dates`` whose outcomes ``actual (N, H)`` become known at
    ``known_dates`` (NaT or NaN actual: never scored, e.g. already in ``state``), carrying
    ``state`` forward; returns the shifts and the state after the last outcome used.

    The shift of a forecast made at ``d`` uses only outcomes known by ``d``."""
    n, n_h, n_q = outputs.shape
    state = new_state(n_h, quantiles) if state is None else state
    gamma, window = float(state["gamma"]), int(state["window"])
    alpha = np.asarray(state["alpha"], dtype=float).reshape(n_h, n_q)
    scores: deque = deque(
        ((np.datetime64(d, "ns"), np.asarray(s, dtype=float).reshape(-1, n_h, n_q))
         for d, s in zip(state["score_dates"], state["scores"], strict=True)), maxlen=window)
    through = None if state.get("through") is None else np.datetime64(state["through"], "ns")
    anchor = anchor_index(quantiles)
    nominal = np.tile(_nominal(quantiles), (n_h, 1))
    upper = np.asarray(quantiles) >= 0.5

    forecast_dates = np.asarray(forecast_dates, dtype="datetime64[ns]")
    known_dates = np.asarray(known_dates, dtype="datetime64[ns]")
    unit = scale[:, None, None]
    raw_scores = np.where(upper[None, None, :], actual[:, :, None] - outputs,
                          outputs - actual[:, :, None]) / unit
    raw_scores[:, :, anchor] = np.nan
    scorable = (~np.isnat(known_dates) & np.isfinite(actual).all(axis=1)
                & np.isfinite(outputs).all(axis=(1, 2)) & np.isfinite(scale))
    pending = np.flatnonzero(scorable)
    pending = pending[np.argsort(known_dates[pending], kind="stable")]
    magnitude_used = np.full((n, n_h, n_q), np.nan)
    shifts = np.zeros((n, n_h, n_q))
    sign = np.where(upper, 1.0, -1.0)

    order = np.argsort(forecast_dates, kind="stable")
    unique, starts = np.unique(forecast_dates[order], return_index=True)
    bounds = [*starts[1:].tolist(), n]
    cursor = 0
    for date, begin, end in zip(unique, starts, bounds, strict=True):
        realised = []
        while cursor < len(pending) and known_dates[pending[cursor]] <= date:
            realised.append(pending[cursor])
            cursor += 1
        if realised:
            done = np.array(realised)
            for made in np.unique(forecast_dates[done]):  # one update per forecast date
                group = done[forecast_dates[done] == made]
                group_scores = raw_scores[group]
                err = (group_scores > magnitude_used[group]).mean(axis=0)
                alpha = alpha + gamma * (nominal - err)
                scores.append((made, group_scores))
            through = date
        magnitude = _current(scores, alpha, anchor)
        rows = order[begin:end]
        magnitude_used[rows] = magnitude
        shifts[rows] = sign[None, None, :] * magnitude
    alpha[:, anchor] = nominal[:, anchor]
    new = {"gamma": gamma, "window": window, "alpha": alpha.tolist(),
           "score_dates": [str(d) for d, _ in scores],
           "scores": [np.where(np.isfinite(s), s, 0.0).tolist() for _, s in scores],
           "through": None if through is None else str(through)}
    return shifts, new


def state_shift(state: dict[str, Any], quantiles: list[float]) -> np.ndarray:
    """The signed ``(H, Q)`` shift the state gives now (reported in the fit record)."""
    alpha = np.asarray(state["alpha"], dtype=float)
    n_h, n_q = alpha.shape
    scores = deque((None, np.asarray(s, dtype=float).reshape(-1, n_h, n_q))
                   for s in state["scores"])
    anchor = anchor_index(quantiles)
    for _, s in scores:
        s[:, :, anchor] = np.nan
    sign = np.where(np.asarray(quantiles) >= 0.5, 1.0, -1.0)
    return sign[None, :] * _current(scores, alpha, anchor)
