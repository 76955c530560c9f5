"""Does the model treat groups differently at the decision threshold?

A row is declined when its event probability is at or above ``threshold``. Per group of
the protected column (which need not be a model input): the approval rate and, with
labels, the true positive rate (share of actual events declined) and false positive
rate (share of non-events declined — good payers turned away). The summary gives the
disparate-impact ratio (lowest approval rate / highest; under 0.8 fails the
four-fifths rule) and the largest TPR and FPR gaps between groups.

Groups with fewer than ``min_rows`` rows are listed but left out of the ratio and the
gaps: one applicant approved makes a group's rate 100%, and the comparison would then
be about that applicant rather than the group.

A numeric column with many values is compared by quartile, listed lowest band first. A
column that looks like an identifier (schema inference's rule: a different value on every
row, numbered in sequence or named ``*_id``) is refused before any cutting, as is one with
more groups than half its rows: a quartile of application numbers is not a group of people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from findeep.data.profile import DECISION_THRESHOLD, MISSING_LEVEL, category_text
from findeep.data.schema import infer_column_kind
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.evaluate.metrics import check_threshold
from findeep.explain.importance import labelled_rows
from findeep.pipeline import TabularPipeline

FOUR_FIFTHS = 0.8
_MAX_GROUPS_AS_IS = 10
_NUMERIC_GROUPS = 4
MIN_GROUP_ROWS = 30
_MAX_GROUPS = 50  # more groups than this, and more than half the rows: an identifier


@dataclass
class FairnessReport:
    """Per-group rates and the gaps between groups."""

    groups: pd.DataFrame
    summary: dict[str, Any]


def protected_groups(values: pd.Series) -> pd.Series:
    """Group labels as a categorical whose categories are in reading order: categories as
    they are, sorted as text; a numeric column with many values in quartiles, lowest band
    first (sorted as text, "(7099.9, 30000.0]" would come last), then missing values."""
    numbers = pd.to_numeric(values, errors="coerce")
    many = values.nunique(dropna=True) > _MAX_GROUPS_AS_IS
    if many and pd.api.types.is_numeric_dtype(values) and numbers.notna().any():
        cut = pd.qcut(numbers, q=_NUMERIC_GROUPS, duplicates="drop")
        bands = [str(band) for band in cut.cat.categories]  # ascending, as qcut made them
        labels = cut.astype(str).where(numbers.notna(), MISSING_LEVEL)
        return labels.astype(pd.CategoricalDtype([*bands, MISSING_LEVEL]))
    text = category_text(values)
    return text.astype(pd.CategoricalDtype(sorted(set(text))))


def _looks_like_an_identifier(protected: str, n_rows: int, n_values: int) -> DataError:
    return DataError(f"protected column '{protected}' splits {n_rows:,} rows into "
                     f"{n_values:,} values, which looks like an identifier; fairness "
                     "compares a few groups (an age band, a region, a sex).")


def fairness_report(pipeline: TabularPipeline, frame: pd.DataFrame, protected: str, *,
                    y: pd.Series | None = None, threshold: float = DECISION_THRESHOLD,
                    min_rows: int = MIN_GROUP_ROWS) -> FairnessReport:
    """Approval rates, TPR/FPR and their gaps across the groups of column ``protected``;
    the gaps compare groups of at least ``min_rows`` rows."""
    if pipeline.task != "binary":
        raise ConfigError("fairness at a decision threshold needs a binary model.")
    check_threshold(threshold)
    if not isinstance(min_rows, int) or min_rows < 1:
        raise ConfigError(f"min_rows must be a positive integer, however: {min_rows=}")
    if protected not in frame.columns:
        raise DataError(f"protected column '{protected}' is not in the data."
                        + did_you_mean(protected, map(str, frame.columns)))
    labels = None
    if y is not None:
        frame, labels = labelled_rows(
            pipeline, frame, y, needs_both="true- and false-positive rates by group need both "
            "(without the target column, fairness compares approval rates only)")
    values = frame[protected]
    if infer_column_kind(protected, values) == "id":  # before quartiles would hide it
        raise _looks_like_an_identifier(protected, len(values), values.nunique())
    labelled_groups = protected_groups(values)
    groups = labelled_groups.astype(str).to_numpy()
    if len(set(groups)) < 2:
        raise DataError(f"protected column '{protected}' has a single group; nothing to compare.")
    if len(set(groups)) > max(_MAX_GROUPS, len(groups) // 2):
        raise _looks_like_an_identifier(protected, len(groups), len(set(groups)))
    prediction, _ = pipeline.predict_raw(frame)
    declined = pipeline.event_probability(prediction) >= threshold
    lines = []
    present = set(groups)
    for group in (g for g in labelled_groups.cat.categories if g in present):
        member = groups == group
        line: dict[str, Any] = {"group": group, "rows": int(member.sum()),
                                "approval_rate": float(1.0 - declined[member].mean())}
        if labels is not None:
            events, others = member & (labels == 1), member & (labels == 0)
            line["event_rate"] = float(labels[member].mean())
            line["tpr"] = float(declined[events].mean()) if events.any() else np.nan
            line["fpr"] = float(declined[others].mean()) if others.any() else np.nan
        lines.append(line)
    table = pd.DataFrame(lines)
    table["compared"] = table["rows"] >= min_rows
    compared = table[table["compared"]]
    summary: dict[str, Any] = {"protected": protected, "threshold": threshold,
                               "groups": len(table), "groups_compared": len(compared)}
    small = table.loc[~table["compared"], "group"].astype(str).tolist()
    if small:
        summary["too_small_to_compare"] = f"{', '.join(small)} (< {min_rows} rows)"
    best = compared["approval_rate"].max() if len(compared) >= 2 else np.nan
    table["approval_ratio"] = table["approval_rate"] / best if best > 0 else np.nan
    if not best > 0:  # fewer than two groups to compare, or no one approved
        summary["four_fifths_rule"] = (f"not assessed: fewer than two groups of {min_rows}+ rows"
                                       if len(compared) < 2 else "not assessed: none approved")
        return FairnessReport(table, summary)
    impact = float(compared["approval_rate"].min() / best)
    summary |= {
        "disparate_impact": impact,
        "four_fifths_rule": "pass" if impact >= FOUR_FIFTHS else "fail",
        "most_approved_group": str(compared.loc[compared["approval_rate"].idxmax(), "group"]),
    }
    if labels is not None:
        summary["tpr_gap"] = float(compared["tpr"].max() - compared["tpr"].min())
        summary["fpr_gap"] = float(compared["fpr"].max() - compared["fpr"].min())
    return FairnessReport(table, summary)
