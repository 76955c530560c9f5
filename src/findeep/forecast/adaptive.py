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

- **Several step sizes at once** (``conformal="dtaci"``; DtACI, Gibbs and Candès 2022):
  no single ``gamma`` suits a calm year and a crash, so each head runs eight ACI experts
  (``gamma`` 0.001 ... 0.128, doubling) and uses their weighted mean level. After each
  forecast date every expert pays the pinball loss of its level against ``beta``, the
  largest miss rate at which the realised outcome would still have been covered (the share
  of the rolling scores at or above the new score); weights move by exponential weighting
  with rate ``eta`` and are mixed with the uniform ``sigma`` so a dormant expert can come
  back. ``eta`` and ``sigma`` are the paper's choices for an interval of ``I = 500`` dates:
  ``sigma = 1/(2I)``, ``eta = sqrt(3/I) sqrt((log(kI) + 2) / ((1-a)^2 a^3 + a^2 (1-a)^3))``
  for each head's nominal miss rate ``a``; nothing is tuned.

The state (gamma or the experts, window, each head's alpha, the recent scores and the date
through which outcomes were used) is built on the fit's validation block, stored in the bundle, and
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
# DtACI (Gibbs and Candès 2022): the experts' step sizes and the interval length behind
# their eta and sigma, as in the paper; fixed before any findeep measurement.
DTACI_GAMMAS = (0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128)
DTACI_INTERVAL = 500


def _nominal(quantiles: list[float]) -> np.ndarray:
    return np.array([1 - q if q >= 0.5 else q for q in quantiles])


def dtaci_eta(nominal: np.ndarray, n_experts: int = len(DTACI_GAMMAS),
              interval: int = DTACI_INTERVAL) -> np.ndarray:
    """Gibbs and Candès' (2022) learning rate of the expert weights for miss rate(s) ``a``."""
    a = np.clip(np.asarray(nominal, dtype=float), 1e-6, 1 - 1e-6)
    return np.sqrt(3 / interval) * np.sqrt((np.log(n_experts * interval) + 2)
                                           / ((1 - a) ** 2 * a ** 3 + a ** 2 * (1 - a) ** 3))


def new_state(n_horizons: int, quantiles: list[float], *, gamma: float = GAMMA,
              window: int = WINDOW, method: str = "aci") -> dict[str, Any]:
    """An empty state: nominal miss rates, no scores yet (``method='dtaci'``: the experts
    start at the nominal rate with equal weights)."""
    nominal = np.tile(_nominal(quantiles), (n_horizons, 1))
    state: dict[str, Any] = {"gamma": float(gamma), "window": int(window),
                             "alpha": nominal.tolist(),
                             "score_dates": [], "scores": [], "through": None}
    if method == "dtaci":
        k = len(DTACI_GAMMAS)
        state |= {"method": "dtaci", "gammas": list(DTACI_GAMMAS),
                  "sigma": 1 / (2 * DTACI_INTERVAL), "eta": dtaci_eta(nominal).tolist(),
                  "experts": np.tile(nominal, (k, 1, 1)).tolist(),
                  "weights": np.full((k, *nominal.shape), 1 / k).tolist()}
    return state


def _pinball(u: np.ndarray, a: np.ndarray) -> np.ndarray:
    return a * u - np.minimum(u, 0.0)


class _Experts:
    """DtACI's experts for every head: levels ``(K, H, Q)``, weights ``(K, H, Q)``."""

    def __init__(self, state: dict[str, Any], n_h: int, n_q: int) -> None:
        self.gammas = np.asarray(state["gammas"], dtype=float)[:, None, None]
        self.sigma = float(state["sigma"])
        self.eta = np.asarray(state["eta"], dtype=float).reshape(n_h, n_q)
        self.alpha = np.asarray(state["experts"], dtype=float).reshape(-1, n_h, n_q)
        self.weights = np.asarray(state["weights"], dtype=float).reshape(-1, n_h, n_q)

    def level(self) -> np.ndarray:
        """The weighted mean level ``(H, Q)`` the heads use now."""
        return (self.weights * self.alpha).sum(axis=0) / self.weights.sum(axis=0)

    def update(self, beta: np.ndarray, nominal: np.ndarray) -> None:
        """``beta (M, H, Q)``: one forecast date's realised betas (NaN: not scored)."""
        k = len(self.alpha)
        valid = np.isfinite(beta)
        count = np.maximum(valid.sum(axis=0), 1)  # (H, Q)
        b = np.where(valid, beta, 0.0)[None]  # (1, M, H, Q)
        losses = (_pinball(b - self.alpha[:, None], nominal) * valid).sum(axis=1) / count
        errs = ((self.alpha[:, None] > b) * valid).sum(axis=1) / count  # (K, H, Q)
        seen = valid.any(axis=0)[None]
        bar = self.weights * np.exp(-self.eta[None] * losses)
        mixed = (1 - self.sigma) * bar / bar.sum(axis=0) + self.sigma / k
        self.weights = np.where(seen, mixed, self.weights)
        self.alpha = np.where(seen, self.alpha + self.gammas * (nominal[None] - errs),
                              self.alpha)

    def dump(self) -> dict[str, Any]:
        return {"experts": self.alpha.tolist(), "weights": self.weights.tolist()}


def _betas(scores: deque, new: np.ndarray) -> np.ndarray:
    """``(M, H, Q)``: for each new score, the share of the rolling scores at or above it
    (the largest miss rate whose shifted head would still have covered the outcome)."""
    beta = np.full(new.shape, np.nan)
    if not scores:
        return beta
    pooled = np.concatenate([s for _, s in scores], axis=0)
    for h in range(new.shape[1]):
        for j in range(new.shape[2]):
            values = np.sort(pooled[:, h, j][np.isfinite(pooled[:, h, j])])
            if len(values) < MIN_SCORES:
                continue
            column = new[:, h, j]
            at_or_above = len(values) - np.searchsorted(values, column, side="left")
            beta[:, h, j] = np.where(np.isfinite(column), at_or_above / len(values), np.nan)
    return beta


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
    experts = _Experts(state, n_h, n_q) if state.get("method") == "dtaci" else None

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
                if experts is not None:  # DtACI: every expert scored, weights moved
                    experts.update(_betas(scores, group_scores), nominal)
                    alpha = experts.level()
                else:
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
    if experts is not None:
        new |= {k: state[k] for k in ("method", "gammas", "sigma", "eta")} | experts.dump()
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
