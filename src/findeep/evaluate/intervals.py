"""Prediction intervals for regressions: split-conformal, calibrated on held-out rows.

Split conformal prediction (Vovk et al. 2005; Lei et al. 2018): the absolute errors
``|y - ŷ|`` of ``n`` rows the network did not fit on are sorted; for a level ``1 - α`` the
half-width is the ``ceil((n + 1)(1 - α))``-th smallest of them, and ``ŷ ± half-width``
covers a new row's value with probability at least ``1 - α`` whenever the new row is
exchangeable with the calibration rows. The whole sorted list is kept, so any level can be
asked for later without refitting. Widths are the same for every row: the method is honest
about coverage, not adaptive in width.

Conformalised quantile regression (CQR; Romano, Patterson & Candès 2019) adapts the width
per row: a second network learns the ``α/2`` and ``1 - α/2`` quantiles ``(q_lo, q_hi)``
with the pinball loss; on the calibration rows the scores are
``E = max(q_lo - y, y - q_hi)`` (negative inside the band), and the interval is
``[q_lo - Q, q_hi + Q]`` with ``Q`` the ``ceil((n + 1)(1 - α))``-th smallest score. The same
finite-sample guarantee holds for any level asked for later, since the score function is
fixed once the quantile network is; widths are tightest at the level it was trained for.

findeep calibrates on the validation rows that early stopping watched. Picking one epoch
out of a few dozen on those rows makes them very slightly optimistic; the coverage measured
on untouched test folds (BENCHMARKS.md) is what to rely on.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError

DEFAULT_LEVEL = 0.9


def check_level(level: float) -> float:
    """``level`` as a float in (0, 1), or a ConfigError."""
    if not isinstance(level, (int, float)) or not 0 < float(level) < 1:
        raise ConfigError(f"interval level must be between 0 and 1 (e.g. 0.9), however: "
                          f"{level!r}")
    return float(level)


@dataclass
class ConformalIntervals:
    """Sorted absolute calibration residuals, in target units."""

    residuals: np.ndarray
    level: float = DEFAULT_LEVEL  # the default level (``--interval`` at training time)

    @classmethod
    def fit(cls, y: np.ndarray, prediction: np.ndarray,
            level: float = DEFAULT_LEVEL) -> ConformalIntervals:
        residuals = np.sort(np.abs(np.asarray(y, float) - np.asarray(prediction, float)))
        return cls(residuals[np.isfinite(residuals)], check_level(level))

    def half_width(self, level: float | None = None) -> float:
        """Half-width at ``level``; infinite when there are too few calibration rows for it
        (fewer than ``1/(1 - level) - 1``), as the finite-sample guarantee demands."""
        level = self.level if level is None else check_level(level)
        return conformal_rank(self.residuals, level)

    def interval(self, prediction: np.ndarray, level: float | None = None,
                 band: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``prediction ± half-width``; ``band`` is for CQR and ignored here."""
        width = self.half_width(level)
        prediction = np.asarray(prediction, dtype=float)
        return prediction - width, prediction + width

    method = "split-conformal"

    def to_dict(self) -> dict[str, Any]:
        return {"method": "split-conformal", "level": self.level,
                "calibration_rows": len(self.residuals),
                "abs_residuals": [float(f"{r:.7g}") for r in self.residuals]}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> ConformalIntervals:
        return cls(np.asarray(document["abs_residuals"], dtype=float),
                   float(document.get("level", DEFAULT_LEVEL)))


def conformal_rank(scores: np.ndarray, level: float) -> float:
    """The ``ceil((n + 1) level)``-th smallest of sorted ``scores``; inf if too few rows,
    with a warning that says which level these rows do support."""
    n = len(scores)
    rank = math.ceil((n + 1) * level)
    if 0 < rank <= n:
        return float(scores[rank - 1])
    warnings.warn(
        f"a {level:g} interval needs at least {math.ceil(level / (1 - level)):,} calibration "
        f"rows to be finite, and this model kept {n:,}: it is unbounded (-inf to inf); levels "
        f"up to {n / (n + 1):.4g} are finite here.", FindeepWarning, stacklevel=3)
    return math.inf


@dataclass
class QuantileConformalIntervals:
    """CQR: sorted conformity scores ``max(q_lo - y, y - q_hi)``, in target units."""

    scores: np.ndarray
    level: float = DEFAULT_LEVEL  # the level the quantile network was trained for
    method = "cqr"

    @classmethod
    def fit(cls, y: np.ndarray, band: np.ndarray,
            level: float = DEFAULT_LEVEL) -> QuantileConformalIntervals:
        """``band``: (n, 2) predicted lower and upper quantiles of the calibration rows."""
        y = np.asarray(y, float)
        band = np.sort(np.asarray(band, float), axis=1)  # crossed quantiles: rearranged
        scores = np.sort(np.maximum(band[:, 0] - y, y - band[:, 1]))
        return cls(scores[np.isfinite(scores)], check_level(level))

    def correction(self, level: float | None = None) -> float:
        """``Q``: how far both quantile ends move (negative: inwards) to reach ``level``."""
        return conformal_rank(self.scores, self.level if level is None else check_level(level))

    def interval(self, prediction: np.ndarray, level: float | None = None,
                 band: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``[q_lo - Q, q_hi + Q]``; ``band`` is the (n, 2) quantile network output."""
        if band is None:
            raise ConfigError("CQR intervals need the quantile network's band for the rows.")
        band = np.sort(np.asarray(band, float), axis=1)
        q = self.correction(level)
        lower, upper = band[:, 0] - q, band[:, 1] + q
        crossed = lower > upper  # a negative Q larger than the band: the midpoint, width 0
        middle = 0.5 * (band[:, 0] + band[:, 1])
        return np.where(crossed, middle, lower), np.where(crossed, middle, upper)

    def to_dict(self) -> dict[str, Any]:
        return {"method": "cqr", "level": self.level, "calibration_rows": len(self.scores),
                "quantiles": list(cqr_quantiles(self.level)),
                "scores": [float(f"{r:.7g}") for r in self.scores]}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> QuantileConformalIntervals:
        return cls(np.asarray(document["scores"], dtype=float),
                   float(document.get("level", DEFAULT_LEVEL)))


Intervals = ConformalIntervals | QuantileConformalIntervals
INTERVAL_METHODS = ("split-conformal", "cqr")


def check_method(method: str) -> str:
    if method not in INTERVAL_METHODS:
        raise ConfigError(f"interval method must be one of {', '.join(INTERVAL_METHODS)}, "
                          f"however: {method!r}")
    return method


def cqr_quantiles(level: float) -> tuple[float, float]:
    """The lower and upper quantiles a CQR network learns for a ``level`` interval."""
    alpha = 1.0 - check_level(level)
    return alpha / 2, 1.0 - alpha / 2


def intervals_from_dict(document: dict[str, Any]) -> Intervals:
    if document.get("method") == "cqr":
        return QuantileConformalIntervals.from_dict(document)
    return ConformalIntervals.from_dict(document)


def interval_metrics(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict[str, float]:
    """Empirical coverage and mean width of intervals on labelled rows."""
    y = np.asarray(y, dtype=float)
    return {"interval_coverage": float(np.mean((y >= lower) & (y <= upper))),
            "interval_width": float(np.mean(np.asarray(upper) - np.asarray(lower)))}


def target_range(y: np.ndarray) -> list[float]:
    """[lowest, highest] training value of a regression's target (``training["target_range"]``),
    so scoring can tell interval ends no training value came near."""
    return [float(np.nanmin(y)), float(np.nanmax(y))]


def negative_lower_ends(lower: np.ndarray, trained: list[float] | None) -> int:
    """How many finite lower ends fall below 0 when every training value was 0 or more
    (a rate, an amount): a band of the same width for every row reaches below what the
    target can be. 0 when the range is unknown (older bundles) or reaches below 0."""
    if not trained or trained[0] < 0:
        return 0
    lower = np.asarray(lower, dtype=float)
    return int((np.isfinite(lower) & (lower < 0)).sum())


def negative_lower_message(count: int, rows: int, name: str, lowest: float) -> str:
    """The one sentence for ``negative_lower_ends``."""
    return (f"{count:,} of {rows:,} interval lower end(s) are below 0, although every "
            f"training value of '{name}' was 0 or more (lowest {lowest:,.6g}): read them as 0, "
            "or train with --interval-method cqr, whose bands follow the data.")

