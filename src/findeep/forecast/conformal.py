"""Conformalised quantile regression: shift each quantile head so it holds out of sample.

Pinball-trained quantiles are often too narrow on new data (the network fits the training
rows' tails, and volatility moves). Conformalised quantile regression (Romano, Patterson
and Candès, 2019; the asymmetric form, one side at a time) fixes this with a held-out
calibration block: for a lower quantile ``tau`` the score is ``q_tau - y`` and the head
moves down by the ``(1 - tau)(1 + 1/n)`` empirical quantile of the scores; for an upper
one the score is ``y - q_tau`` and the head moves up by the ``tau (1 + 1/n)`` quantile.
A shift can be negative (a head that was too wide comes in). The quantile nearest 0.5
(the point forecast) is not moved.

``scaled``: market data change regime — a calm calibration block
before a wild test period, or the reverse — and one additive shift then fixes the wrong
thing. The scores are first divided by a scale known at t (the trailing 20-day spread of
the series' one-step changes; ``forecast_scale``), and the head moves by that multiple of
the row's own scale, so the correction grows and shrinks with volatility (the normalised
conformal score of Lei et al. 2018, applied to each quantile head).

The calibration block is the fit's validation block — the latest training dates, all
before any date the model is asked about — so in a walk-forward evaluation each fold is
calibrated on its own past only. After shifting, each row's quantiles are sorted
(Chernozhukov et al.'s rearrangement), so they never cross.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = rng.normal(size=(2000, 1))
>>> narrow = np.stack([np.full((2000, 1), -1.0), np.zeros((2000, 1)), np.full((2000, 1), 1.0)],
...                   axis=-1)  # a too-narrow 5%-95% interval
>>> shift = conformal_shifts(narrow, y, [0.05, 0.5, 0.95])
>>> bool(shift[0, 0] < -0.5 and shift[0, 2] > 0.5 and shift[0, 1] == 0)
True
"""

from __future__ import annotations

import numpy as np


def anchor_index(quantiles: list[float]) -> int:
    """The quantile nearest 0.5: the point forecast, never shifted."""
    return int(np.argmin([abs(q - 0.5) for q in quantiles]))


CONFORMAL_MODES = ("scaled", "additive", "adaptive", "dtaci", "none")


def conformal_shifts(outputs: np.ndarray, actual: np.ndarray, quantiles: list[float],
                     scale: np.ndarray | None = None) -> np.ndarray:
    """``(H, Q)`` shifts from calibration rows: ``outputs (N, H, Q)`` (quantile forecasts,
    ascending in Q), ``actual (N, H)``; with ``scale (N,)`` (positive) the shifts are in
    units of each row's scale. Rows with a missing actual are skipped; a horizon with no
    calibration row gets zero shifts."""
    if scale is not None:
        outputs = outputs / scale[:, None, None]
        actual = actual / scale[:, None]
    n_h, n_q = outputs.shape[1], outputs.shape[2]
    shifts = np.zeros((n_h, n_q))
    anchor = anchor_index(quantiles)
    for h in range(n_h):
        known = np.isfinite(actual[:, h]) & np.isfinite(outputs[:, h, :]).all(axis=1)
        n = int(known.sum())
        if n == 0:
            continue
        y = actual[known, h]
        for j, tau in enumerate(quantiles):
            if j == anchor:
                continue
            if tau < 0.5:  # lower head: how far above y it sits
                scores, level, sign = outputs[known, h, j] - y, (1 - tau) * (1 + 1 / n), -1.0
            else:  # upper head: how far below y it sits
                scores, level, sign = y - outputs[known, h, j], tau * (1 + 1 / n), 1.0
            shifts[h, j] = sign * float(np.quantile(scores, min(1.0, level), method="higher"))
    return shifts


def apply_shifts(outputs: np.ndarray, shifts: np.ndarray,
                 floor: float | np.ndarray | None = None,
                 scale: np.ndarray | None = None) -> np.ndarray:
    """``outputs (N, H, Q)`` moved by ``shifts (H, Q)`` (times ``scale (N,)`` when given),
    sorted along Q so quantiles never cross, and held at or above ``floor`` (a volatility
    cannot be negative; one value, or one per quantile ``(Q,)``)."""
    step = shifts[None, :, :] if scale is None else shifts[None, :, :] * scale[:, None, None]
    moved = np.sort(outputs + step, axis=-1)
    return moved if floor is None else np.maximum(moved, floor)
