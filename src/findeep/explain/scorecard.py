"""A network's scores as scorecard points, for review the way credit teams review scorecards.

A scorecard adds points: ``score = offset + factor * ln(odds of good)``, with
``factor = pdo / ln 2`` (points to double the odds) and ``offset`` fixed so that
``base_odds`` (good:bad) scores ``base_score``. The network's log-odds are additive
over its Integrated-Gradients attributions, so each column's contribution converts to
points the same way, and the reference population's score is the base points:
``score = base_points + sum of points__<column>`` (up to the integration error).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from findeep.data.profile import as_numbers
from findeep.data.sentinels import format_code
from findeep.errors import ConfigError
from findeep.explain.attributions import Attributions, column_attributions
from findeep.pipeline import TabularPipeline

POINTS_PREFIX = "points__"


@dataclass(frozen=True)
class ScorecardScale:
    """Where the scale is anchored: ``base_odds`` good:bad scores ``base_score``."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def check(self) -> None:
        wild = [f"{name}={value}" for name, value in (("pdo", self.pdo),
                ("base_odds", self.base_odds), ("base_score", self.base_score))
                if not math.isfinite(value)]
        if wild:
            raise ConfigError(f"scorecard scaling takes finite numbers, however: "
                              f"{', '.join(wild)}")
        if not self.pdo > 0:
            raise ConfigError(f"pdo (points to double the odds) must be positive, however: "
                              f"pdo={self.pdo}")
        if not self.base_odds > 0:
            raise ConfigError(f"base_odds must be positive, however: base_odds={self.base_odds}")

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def score(self, event_log_odds: np.ndarray | float) -> np.ndarray | float:
        """Points for an event log-odds (higher points = safer)."""
        return self.offset - self.factor * event_log_odds


def scorecard_points(pipeline: TabularPipeline, frame: pd.DataFrame, *,
                     scale: ScorecardScale | None = None, reference: pd.DataFrame | None = None,
                     n_steps: int | None = None) -> pd.DataFrame:
    """Per row: ``score``, ``base_points`` (the reference population's score) and
    ``points__<column>`` per input column; a negative column total means it cost points."""
    scale = scale or ScorecardScale()
    scale.check()
    if pipeline.task != "binary":
        raise ConfigError("scorecard points need a binary model (odds of good to bad).")
    attributions = column_attributions(pipeline, frame, reference=reference, n_steps=n_steps)
    return points_frame(attributions, scale, frame.index)


def points_frame(attributions: Attributions, scale: ScorecardScale,
                 index: pd.Index) -> pd.DataFrame:
    """``scorecard_points``'s table from a binary model's attributions."""
    result = pd.DataFrame(index=index)
    result["score"] = scale.score(attributions.output)
    result["base_points"] = scale.score(attributions.baseline_output)
    for j, column in enumerate(attributions.columns):
        result[f"{POINTS_PREFIX}{column}"] = -scale.factor * attributions.values[:, j]
    return result


def scorecard_table(pipeline: TabularPipeline, frame: pd.DataFrame, points: pd.DataFrame, *,
                    n_bins: int = 5) -> pd.DataFrame:
    """The classic scorecard layout: per column and value range, rows and mean points.

    Numeric and date columns are cut at quantiles of ``frame`` (missing values and each
    special value get their own line); categorical columns list each value.
    """
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ConfigError(f"n_bins must be a positive integer, however: {n_bins=}")
    kinds = {c.name: c.kind for c in pipeline.schema.used}
    special = pipeline.preprocessor.special_values
    lines = []
    for column, kind in kinds.items():
        column_points = points[f"{POINTS_PREFIX}{column}"].to_numpy()
        if kind == "categorical":
            values = frame[column].astype("object").where(frame[column].notna(), "missing")
            groups = values.astype(str).to_numpy()
        else:
            numbers = as_numbers(frame[column], kind,
                                 day_first=pipeline.schema.day_first.get(column))
            groups = np.full(len(numbers), "missing", dtype=object)
            present = np.isfinite(numbers)
            for code in special.get(column, []):  # a special value is a line of its own
                is_code = numbers == code
                groups[is_code] = f"{format_code(code)} (special)"
                present &= ~is_code
            if present.any():
                cut = pd.qcut(numbers[present], q=n_bins, duplicates="drop")
                labels = pd.Series(cut).astype(str).to_numpy()
                groups[present] = labels if kind == "numeric" else _date_ranges(cut)
        summary = pd.DataFrame({"attribute": groups, "points": column_points}).groupby(
            "attribute", sort=False)["points"].agg(rows="size", mean_points="mean")
        for attribute, row in summary.iterrows():
            lines.append({"column": column, "attribute": attribute, "rows": int(row["rows"]),
                          "mean_points": float(row["mean_points"])})
    table = pd.DataFrame(lines, columns=["column", "attribute", "rows", "mean_points"])
    return table.sort_values(["column", "mean_points"], kind="stable").reset_index(drop=True)


def _date_ranges(cut: pd.Categorical) -> np.ndarray:
    epoch = pd.Timestamp("1970-01-01")

    def day(value: float) -> str:
        return (epoch + pd.to_timedelta(value, unit="D")).date().isoformat()

    return np.array([f"{day(i.left)} to {day(i.right)}" for i in cut], dtype=object)
