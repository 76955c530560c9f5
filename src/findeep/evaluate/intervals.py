"""Prediction intervals for regressions: split-conformal, calibrated on held-out rows.

Split conformal prediction (Vovk et al. 2005; Lei et al. 2018): the absolute errors
``|y - ŷ|`` of ``n`` rows the network did not fit on are sorted; for a level ``1 - α`` the
half-width is the ``ceil((n + 1)(1 - α))``-th smallest of them, and ``ŷ ± half-width``
covers a new row's value with probability at least ``1 - α`` whenever the new row is
exchangeable with the calibration rows. The whole sorted list is kept, so any level can be
asked for later without refitting. Widths are the same for every row: the method is honest
about coverage, not adaptive in width (conformalised quantile regression would be).

findeep calibrates on the validation rows that early stopping watched. Picking one epoch
out of a few dozen on those rows makes them very slightly optimistic; the coverage measured
on untouched test folds (BENCHMARKS.md) is what to rely on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

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
        n = len(self.residuals)
        rank = math.ceil((n + 1) * level)
        return float(self.residuals[rank - 1]) if 0 < rank <= n else math.inf

    def interval(self, prediction: np.ndarray,
                 level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        width = self.half_width(level)
        prediction = np.asarray(prediction, dtype=float)
        return prediction - width, prediction + width

    def to_dict(self) -> dict[str, Any]:
        return {"method": "split-conformal", "level": self.level,
                "calibration_rows": len(self.residuals),
                "abs_residuals": [float(f"{r:.7g}") for r in self.residuals]}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> ConformalIntervals:
        return cls(np.asarray(document["abs_residuals"], dtype=float),
                   float(document.get("level", DEFAULT_LEVEL)))


def interval_metrics(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict[str, float]:
    """Empirical coverage and mean width of intervals on labelled rows."""
    y = np.asarray(y, dtype=float)
    return {"interval_coverage": float(np.mean((y >= lower) & (y <= upper))),
            "interval_width": float(np.mean(np.asarray(upper) - np.asarray(lower)))}
