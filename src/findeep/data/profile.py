"""A summary of the training rows saved in the bundle: bins and frequencies, never raw rows.

Two uses need to know what the training data looked like after the rows are gone:

- drift (population stability) compares new data to the training distribution, bin by
  bin, so the profile keeps each column's decile edges and the share of rows per bin,
  the share missing, and the frequencies of the commonest categories, the rarer ones
  pooled in one share (drift tells them from values never seen in training by the
  preprocessor's levels, which name every training value); a text date column is read in
  the day / month order the schema recorded (``ColumnSpec.day_first``), as scoring reads
  it; the model's score gets the same treatment;
- explanations need a reference population ("approvable applicants"), so the profile
  keeps each column's marginal distribution over the rows the model placed on the
  low-risk side of the decision threshold. Every findeep network embeds each column on
  its own, so the reference population's mean embedding depends only on these marginals.

Everything is plain numbers and strings, so it is stored as JSON in ``bundle.json``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from findeep.data.number_text import numbers_of
from findeep.data.schema import Schema, parse_datetimes

# 1: the first profile; 2: a categorical column named its pooled levels (``other_levels``);
# 3: it no longer does: the preprocessor's levels and rare values name every training value
# already (once, not twice in bundle.json), and drift reads them. Every version gives drift.
PROFILE_VERSION = 3
DECISION_THRESHOLD = 0.5  # the event probability at and above which findeep predicts the event
N_DRIFT_BINS = 10
N_REFERENCE_QUANTILES = 41
MAX_LEVELS = 30  # per column, for drift
MAX_REFERENCE_LEVELS = 200  # per column, for the reference; the rest share one bucket
OTHER_LEVEL = "<other>"
MISSING_LEVEL = "<missing>"


def build_profile(frame: pd.DataFrame, schema: Schema, *, score: np.ndarray | None,
                  low_risk: np.ndarray | None, threshold: float = DECISION_THRESHOLD,
                  ) -> dict[str, Any]:
    """Profile ``frame``'s used columns and ``score``; ``low_risk`` marks the reference rows.

    ``low_risk`` is a boolean mask (rows scored below ``threshold``); ``None`` or an
    all-false mask makes every row part of the reference population.
    """
    reference = np.ones(len(frame), dtype=bool)
    if low_risk is not None and np.asarray(low_risk).any():
        reference = np.asarray(low_risk, dtype=bool)
    columns: dict[str, Any] = {}
    for spec in schema.used:
        values = frame[spec.name]
        if spec.kind == "categorical":
            columns[spec.name] = _categorical_profile(values, reference)
        else:
            numbers = as_numbers(values, spec.kind, day_first=spec.day_first)
            columns[spec.name] = {"kind": spec.kind, **numeric_bins(numbers),
                                  "reference": _quantile_summary(numbers[reference])}
    profile: dict[str, Any] = {
        "version": PROFILE_VERSION, "rows": len(frame), "threshold": threshold,
        "reference_rows": int(reference.sum()),
        "reference_rule": "rows scored below the threshold" if reference.sum() < len(frame)
        else "all rows", "columns": columns,
    }
    if score is not None:
        profile["score"] = numeric_bins(np.asarray(score, dtype=float))
    return profile


def as_numbers(values: pd.Series, kind: str, *, day_first: bool | None = None) -> np.ndarray:
    """Floats for a numeric column; days since 1970-01-01 for a datetime column.

    ``day_first`` is the order the model was trained with (``ColumnSpec.day_first``): text
    dates are read that way, and one that is no date in that order is missing; without it
    (a column whose training values told no order) the order is told by the values.
    """
    if kind == "datetime":
        stamps = parse_datetimes(values, day_first=day_first)
        return ((stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0).to_numpy(
            dtype=float, na_value=np.nan)
    return numbers_of(values)


def category_text(values: pd.Series) -> pd.Series:
    """Category values as the strings the preprocessor uses (1.0 and 1 are both '1')."""
    def text(value: object) -> str:
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return str(value)

    as_object = values.astype("object")
    return as_object.where(values.notna(), MISSING_LEVEL).map(text)


def numeric_bin_shares(numbers: np.ndarray, edges: list[float]) -> np.ndarray:
    """Share of values per bin (right-closed bins between ``edges``), then the share missing."""
    present = np.isfinite(numbers)
    which = np.searchsorted(np.asarray(edges, dtype=float), numbers[present], side="left")
    counts = np.bincount(which, minlength=len(edges) + 1).astype(float)
    counts = np.append(counts, float((~present).sum()))
    return counts / max(len(numbers), 1)


def category_shares(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Share of rows per listed level, then of every other value, then missing."""
    return level_shares(category_text(values), levels)


def level_shares(text: pd.Series, levels: list[str], *,
                 other_levels: Collection[str] | None = None) -> np.ndarray:
    """Share of rows per listed level, then of ``other_levels`` (the training's rarer
    levels, pooled), then of values in neither (never seen in training), then missing, of
    values written as level texts (``MISSING_LEVEL`` for missing), e.g. as scoring reads
    them. Without ``other_levels``, every unlisted value shares one bin."""
    counts = text.value_counts()
    listed = [float(counts.get(level, 0)) for level in levels]
    missing = float(counts.get(MISSING_LEVEL, 0))
    rest = float(len(text)) - sum(listed) - missing
    if other_levels is None:
        return np.array([*listed, rest, missing]) / max(len(text), 1)
    other = float(counts[counts.index.isin(list(other_levels))].sum())
    return np.array([*listed, other, rest - other, missing]) / max(len(text), 1)


def numeric_bins(numbers: np.ndarray) -> dict[str, Any]:
    present = numbers[np.isfinite(numbers)]
    edges: list[float] = []
    if present.size:
        inner = np.linspace(0.0, 1.0, N_DRIFT_BINS + 1)[1:-1]
        edges = np.unique(np.quantile(present, inner)).tolist()
    shares = numeric_bin_shares(numbers, edges)
    return {"edges": edges, "shares": shares[:-1].tolist(), "missing": float(shares[-1])}


def _quantile_summary(numbers: np.ndarray) -> dict[str, Any]:
    present = numbers[np.isfinite(numbers)]
    quantiles = (np.quantile(present, np.linspace(0.0, 1.0, N_REFERENCE_QUANTILES)).tolist()
                 if present.size else [])
    return {"quantiles": quantiles, "missing": float(1.0 - present.size / max(len(numbers), 1))}


def _categorical_profile(values: pd.Series, reference: np.ndarray) -> dict[str, Any]:
    text = category_text(values)
    counts = text[text != MISSING_LEVEL].value_counts()
    levels = [str(v) for v in counts.index[:MAX_LEVELS]]
    shares = category_shares(values, levels)
    reference_counts = text[reference].value_counts(normalize=True)
    if len(reference_counts) > MAX_REFERENCE_LEVELS:
        rest = float(reference_counts.iloc[MAX_REFERENCE_LEVELS:].sum())
        reference_counts = reference_counts.iloc[:MAX_REFERENCE_LEVELS]
        reference_counts[OTHER_LEVEL] = rest
    return {
        "kind": "categorical", "levels": levels, "shares": shares[:-2].tolist(),
        "other": float(shares[-2]), "missing": float(shares[-1]),
        "reference": {"levels": {str(k): float(v) for k, v in reference_counts.items()}},
    }


def reference_frame(profile: dict[str, Any], *, n_rows: int = 200) -> pd.DataFrame:
    """A synthetic table whose columns follow the reference population's marginals.

    Rows pair column values arbitrarily (joint structure is not stored); use it only
    where the marginals are what matters, such as a mean per-column embedding.
    """
    columns: dict[str, Any] = {}
    for name, column in profile["columns"].items():
        reference = column["reference"]
        if column["kind"] == "categorical":
            levels = reference["levels"]
            counts = _allocate(np.array(list(levels.values()), dtype=float), n_rows)
            values = np.repeat(np.array(list(levels), dtype=object), counts)
            columns[name] = pd.Series(np.where(values == MISSING_LEVEL, None, values),
                                      dtype="object")
            continue
        n_missing = round(reference["missing"] * n_rows)
        quantiles = np.asarray(reference["quantiles"], dtype=float)
        present = (np.interp((np.arange(n_rows - n_missing) + 0.5) / max(n_rows - n_missing, 1),
                             np.linspace(0.0, 1.0, quantiles.size), quantiles)
                   if quantiles.size else np.full(n_rows - n_missing, np.nan))
        numbers = np.concatenate([present, np.full(n_missing, np.nan)])
        if column["kind"] == "datetime":
            columns[name] = pd.Series(pd.Timestamp("1970-01-01")
                                      + pd.to_timedelta(numbers, unit="D"))
        else:
            columns[name] = pd.Series(numbers)
    return pd.DataFrame(columns)


def _allocate(shares: np.ndarray, n_rows: int) -> np.ndarray:
    """Integer counts summing to ``n_rows`` in proportion to ``shares`` (largest remainder)."""
    exact = shares / shares.sum() * n_rows
    counts = np.floor(exact).astype(int)
    remainder = n_rows - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:remainder]] += 1
    return counts
