"""How sure is a metric? Bootstrap confidence intervals for AUC, KS and Brier.

One scored table gives one AUC; another draw of applicants would give another. The
interval says how far: rows are resampled with replacement ``n_resamples`` times (a plain
row bootstrap, so the event rate varies between resamples as it does between samples) and
each metric recomputed.

- ROC-AUC and Brier: the middle ``level`` share of the resampled values (percentile
  bootstrap). The resampling is not stratified by class: holding the event rate fixed hid
  most of Brier's variability (its 95% interval covered the truth in 54% of samples).
- KS: the percentile interval reflected about the table's value (the basic bootstrap),
  ``[2 KS - q_high, 2 KS - q_low]``. KS is the largest gap over all cut-offs, so a sample's
  KS runs high (noise adds to the maximum) and a resample's runs higher still; the
  percentile interval sat above the truth and covered it in about 80% of samples, the
  reflected one in about 90%. It still falls short of 95%, because a bootstrap sees only
  part of that upward bias; the report says so beside the interval.

Coverage measured on samples of 500 to 5,000 rows from a 200,000-row scored credit population
(300-1,000 samples, 200 resamples each; the table is in docs/report.md): ROC-AUC 0.93-0.95,
Brier 0.93-0.95, KS 0.88-0.93.

The scores are sorted once; each resample only draws row weights (a multinomial count per
row) and sums them in that fixed order, so a resample costs O(n) rather than a sort: 200
resamples of 200k rows take a few seconds. Larger tables are bootstrapped on a random 200k-row
subsample and the interval's half-widths scaled by sqrt(200k / n) around the full table's
value (the metrics' spread shrinks as 1/sqrt(n)), so a 1M-row report stays fast. Coverage
is checked by simulation in the tests on ``make_credit_frame``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from findeep.errors import ConfigError, DataError

BOOTSTRAPPED = ("roc_auc", "ks", "brier")
MAX_BOOTSTRAP_ROWS = 200_000
IntervalMethod = Literal["percentile", "basic"]
# KS is a maximum: see the module docstring for why its interval is reflected
METHODS: dict[str, IntervalMethod] = {"roc_auc": "percentile", "ks": "basic",
                                      "brier": "percentile"}
# Where a 95% interval measurably covers less than 95%: the share of simulated samples whose
# interval held the population value (KS: 0.88-0.93 on 500-5,000 rows, module docstring).
# The report prints it beside the interval rather than let "95%" stand alone.
SHORT_COVERAGE_AT_95 = {"ks": 0.90}


@dataclass(frozen=True)
class Interval:
    """A metric's value on the table and its bootstrap interval."""

    metric: str
    value: float
    low: float
    high: float
    level: float
    n_resamples: int
    method: IntervalMethod = "percentile"

    def to_dict(self) -> dict[str, float | int | str]:
        return {"metric": self.metric, "value": self.value, "low": self.low,
                "high": self.high, "level": self.level, "n_resamples": self.n_resamples,
                "method": self.method}


def _tie_groups(score_sorted: np.ndarray) -> np.ndarray:
    """Start index of each run of equal scores in an ascending array."""
    return np.flatnonzero(np.r_[True, score_sorted[1:] != score_sorted[:-1]])


def _sorted(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(p, kind="stable")
    return y[order], p[order], _tie_groups(p[order])


def _weighted_metrics(y_sorted: np.ndarray, p_sorted: np.ndarray, starts: np.ndarray,
                      weights: np.ndarray) -> tuple[float, float, float]:
    """AUC (ties count half), KS and Brier of rows in ascending score order, each row
    counted ``weights`` times."""
    pos_group = weights * y_sorted
    neg_group = weights - pos_group
    if len(starts) < len(y_sorted):  # tied scores: sum each run first (unique scores skip it)
        pos_group = np.add.reduceat(pos_group, starts)
        neg_group = np.add.reduceat(neg_group, starts)
    pos_cum, neg_cum = np.cumsum(pos_group), np.cumsum(neg_group)
    total_pos, total_neg = pos_cum[-1], neg_cum[-1]
    # each event beats the non-events scored strictly lower, and half of those tied with it
    auc = float(pos_group @ (neg_cum - 0.5 * neg_group) / (total_pos * total_neg))
    ks = float(np.max(np.abs(pos_cum / total_pos - neg_cum / total_neg)))
    brier = float(weights @ (p_sorted - y_sorted) ** 2 / weights.sum())
    return auc, ks, brier


def bootstrap_intervals(y_event: np.ndarray, p_event: np.ndarray, *, n_resamples: int = 200,
                        level: float = 0.95, seed: int = 0) -> dict[str, Interval]:
    """Bootstrap intervals for ROC-AUC, KS and Brier of ``p_event`` on ``y_event``
    (1 = event), resampling rows; the same ``seed`` gives the same intervals.

    >>> rng = np.random.default_rng(0); p = rng.random(2_000); y = rng.random(2_000) < p
    >>> iv = bootstrap_intervals(y, p)["roc_auc"]; iv.low < iv.value < iv.high
    True
    """
    if not (isinstance(n_resamples, int | np.integer) and n_resamples >= 20):
        raise ConfigError(f"n_resamples must be an integer >= 20, however: {n_resamples=}")
    if not 0.5 <= level < 1:
        raise ConfigError(f"level must be in [0.5, 1), however: {level=}")
    y = np.asarray(y_event).astype(float)
    p = np.asarray(p_event, dtype=float)
    if len(y) != len(p):
        raise DataError(f"labels and scores differ in length: {len(y)} vs {len(p)}.")
    if y.min(initial=1) == y.max(initial=0):
        raise DataError("intervals for AUC and KS need rows of both classes.")
    point = np.asarray(_weighted_metrics(*_sorted(y, p), np.ones_like(y)))
    rng = np.random.default_rng(seed)
    scale = 1.0
    if len(y) > MAX_BOOTSTRAP_ROWS:
        keep = rng.choice(len(y), MAX_BOOTSTRAP_ROWS, replace=False)
        scale = float(np.sqrt(MAX_BOOTSTRAP_ROWS / len(y)))
        y, p = y[keep], p[keep]
    y_sorted, p_sorted, starts = _sorted(y, p)
    centre = np.asarray(_weighted_metrics(y_sorted, p_sorted, starts, np.ones_like(y_sorted)))
    n_rows = len(y_sorted)
    draws = np.empty((n_resamples, 3))
    for r in range(n_resamples):
        while True:  # a resample without an event (or a non-event) has no AUC: drawn again
            weights = np.bincount(rng.integers(0, n_rows, n_rows), minlength=n_rows)
            events = weights @ y_sorted
            if 0 < events < n_rows:
                break
        draws[r] = _weighted_metrics(y_sorted, p_sorted, starts, weights.astype(float))
    tail = (1 - level) / 2 * 100
    q_low, q_high = np.percentile(draws, [tail, 100 - tail], axis=0)
    below, above = (centre - q_low) * scale, (q_high - centre) * scale
    intervals = {}
    for i, name in enumerate(BOOTSTRAPPED):
        method = METHODS[name]
        # percentile: the resamples' spread as it lies; basic: reflected about the value
        down, up = (below[i], above[i]) if method == "percentile" else (above[i], below[i])
        low, high = max(point[i] - down, 0.0), min(point[i] + up, 1.0)  # all three in [0, 1]
        intervals[name] = Interval(name, float(point[i]), float(low), float(high), level,
                                   n_resamples, method)
    return intervals
