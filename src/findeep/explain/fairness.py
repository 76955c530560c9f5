"""Does the model treat groups differently at the decision threshold?

A row is declined when its event probability is at or above ``threshold``. Per group of
the protected column (which need not be a model input): the approval rate over every
scored row and, with labels, the true positive rate (share of actual events declined) and
false positive rate (share of non-events declined — good payers turned away) over the rows
that have a label. The summary gives the disparate-impact ratio (lowest approval rate /
highest; under 0.8 fails the four-fifths rule) and the largest TPR and FPR gaps between
groups. Approval needs no label, so rows without one still count in the approval rates;
they are left out of the event rate, TPR and FPR only, and the summary says how many
(``rows_without_label``; each group's ``labelled_rows`` is then listed too).

A ratio of 0.78 from 60 applicants per group is not the finding 0.78 from 6,000 is, so the
ratio and the gaps carry 95% intervals and a test. The ratio's interval is Katz's log
interval for the least approved group's rate over the most approved's; a gap's is
Newcombe's interval for the difference between the two groups it names (sound with few
events); both treat that pair as if it had been chosen in advance, which with many groups
flatters the pair that differs most. The test makes no such choice: Pearson's χ² test that
every compared group has the same rate (for two groups, the two-proportion z-test that
adverse-impact analyses pair with the four-fifths rule). The summary says when the ratio's
interval reaches across 0.8.

Groups with fewer than ``min_rows`` rows are listed but left out of the ratio and the
gaps: one applicant approved makes a group's rate 100%, and the comparison would then
be about that applicant rather than the group. The TPR and FPR gaps likewise need
``min_rows`` labelled rows in a group.

A column is read as numbers when schema inference reads it so (numbers, or numbers
written as text such as "€1,200"), and also when it is numbers in all but a few rows
(schema inference's ``stray_non_numbers``: one "unknown" among 900 ages); the values that
are not numbers are named in a warning and counted under ``<missing>``. A numeric column
with at most 10 values is compared value by value, in numeric order. One with more is
compared by quartile, lowest band first; a single value that holds a quarter or more of
the rows (zero debt, say) is a group of its own, placed in numeric order among the bands,
and the quartiles are cut from the other values — otherwise the quartile edges coincide
and the bands collapse into one group that holds nearly every row. A column that looks
like an identifier (schema inference's rule: a different value on every row, numbered in
sequence or named ``*_id``) is refused before any cutting, as is one with more groups
than half its rows: a quartile of application numbers is not a group of people.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency

from findeep.data.number_text import numbers_of, parse_number
from findeep.data.profile import DECISION_THRESHOLD, MISSING_LEVEL, category_text
from findeep.data.schema import FindeepWarning, infer_column_kind, stray_non_numbers
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.evaluate.metrics import at_or_above, check_threshold
from findeep.explain.importance import labelled_rows
from findeep.pipeline import TabularPipeline

FOUR_FIFTHS = 0.8
_MAX_GROUPS_AS_IS = 10
_NUMERIC_GROUPS = 4
# a value held by this share of a numeric column's rows would fill a quartile by itself:
# it becomes a group of its own (with 73% of rows at zero debt, the credit sample's test
# rows cut into one band of 889 rows and two missing)
_OWN_GROUP_SHARE = 1 / _NUMERIC_GROUPS
MIN_GROUP_ROWS = 30
MIN_RATE_ROWS = 10  # events (non-events) in a group behind its TPR (FPR) in a gap
_MAX_GROUPS = 50  # more groups than this, and more than half the rows: an identifier
_NAMED_AT_MOST = 5  # unreadable values named in a warning
INTERVAL_LEVEL = 0.95


@dataclass
class FairnessReport:
    """Per-group rates and the gaps between groups."""

    groups: pd.DataFrame
    summary: dict[str, Any]


def _numbers_or_none(name: str, values: pd.Series) -> np.ndarray | None:
    """``values`` as numbers when schema inference reads them as numbers or as numbers in
    all but a few rows (those few, named in a warning, become missing); None otherwise."""
    if infer_column_kind(name, values) != "numeric":  # numbers, as text too ("€62,200")
        return None
    numbers = numbers_of(values)
    if stray_non_numbers(values) is None:
        return numbers
    unread = values[values.notna().to_numpy() & np.isnan(numbers)]
    unread = unread[[parse_number(str(v)) is None for v in unread]]  # not "NA" or "-"
    distinct = [repr(str(v)) for v in pd.unique(unread)]
    named = ", ".join(distinct[:_NAMED_AT_MOST]) + (", …" if len(distinct) > _NAMED_AT_MOST
                                                     else "")
    verb = "is not a number" if len(unread) == 1 else "are not numbers"
    warnings.warn(f"protected column '{name}' is compared as a number: {len(unread):,} of "
                  f"its {int(values.notna().sum()):,} values {verb} ({named}) and "
                  f"counted under {MISSING_LEVEL}.", FindeepWarning, stacklevel=4)
    return numbers


def _number_order(label: str) -> tuple[int, float, str]:
    """Sort key: numbers by value, then other text, then missing."""
    number = None if label == MISSING_LEVEL else parse_number(label)
    if number is not None and not np.isnan(number):
        return 0, number, label
    return (2 if label == MISSING_LEVEL else 1), 0.0, label


def _short(value: float) -> str:
    """A band end as people write it: 19, 34.75, 62,200 (no 18.999 or 6.2e+04)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def _numeric_bands(numbers: np.ndarray) -> pd.Series:
    """Quartile bands, each named by the lowest and highest value it holds ("19–34"), with
    each value that holds a quarter of the rows as its own group; categories in numeric
    order, then missing."""
    present = ~np.isnan(numbers)
    counts = pd.Series(numbers[present]).value_counts()
    own = sorted(counts.index[counts >= _OWN_GROUP_SHARE * present.sum()])
    labels = np.full(len(numbers), MISSING_LEVEL, dtype=object)
    placed: list[tuple[float, int, str]] = []  # (where it starts, values before bands, label)
    for value in own:
        label = str(category_text(pd.Series([value])).iloc[0])  # 0.0 reads "0"
        labels[numbers == value] = label
        placed.append((float(value), 0, label))
    rest = present & ~np.isin(numbers, own)
    if rest.any():
        values = pd.Series(numbers[rest])
        cut = pd.qcut(values, q=_NUMERIC_GROUPS, duplicates="drop")
        # each band named by the lowest and highest value it holds ("19–34"), not by
        # pandas' interval ("(18.999, 34.75]")
        span = values.groupby(cut, observed=True).agg(["min", "max"])
        names = {band: f"{_short(row['min'])}–{_short(row['max'])}"
                 for band, row in span.iterrows()}
        labels[rest] = cut.map(names).astype(object).to_numpy()
        placed += [(float(row["min"]), 1, names[band]) for band, row in span.iterrows()]
    order = [label for *_, label in sorted(placed)]
    return pd.Series(labels).astype(pd.CategoricalDtype([*order, MISSING_LEVEL]))


def protected_groups(values: pd.Series, name: str | None = None, *,
                     as_categories: bool = False) -> pd.Series:
    """Group labels as a categorical whose categories are in reading order: categories as
    they are, sorted as text, numbers first by value; a numeric column with many values in
    quartiles, lowest band first (sorted as text, "(7099.9, 30000.0]" would come last), a
    value that holds a quarter of the rows as its own group; then missing values. ``name``
    (default: the series' name) is used to read the column as schema inference does.
    ``as_categories``: value by value whatever the values (codes such as HMDA's race codes
    1, 2, 21–27, 3, … must never be cut into numeric bands)."""
    name = str(values.name) if name is None else name
    # empty or spaces-only text is a missing value, as scoring reads it: no group of people
    blank = values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
    if blank.any():
        values = values.mask(blank)
    if as_categories:
        text = category_text(values)
        return text.astype(pd.CategoricalDtype(sorted(set(text), key=_number_order)))
    numbers = _numbers_or_none(name, values)
    if numbers is not None and pd.Series(numbers).nunique() > _MAX_GROUPS_AS_IS:
        return _numeric_bands(numbers).set_axis(values.index)
    text = category_text(values)
    return text.astype(pd.CategoricalDtype(sorted(set(text), key=_number_order)))


def _wilson(hits: float, trials: float) -> tuple[float, float]:
    """Wilson's score interval for one rate."""
    z = NormalDist().inv_cdf(0.5 + INTERVAL_LEVEL / 2)
    rate = hits / trials
    centre = (rate + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * np.sqrt(rate * (1 - rate) / trials
                                                + z * z / (4 * trials * trials))
    return centre - half, centre + half


def ratio_interval(hits: tuple[float, float], trials: tuple[float, float]) -> list[float]:
    """95% interval of rate 0 / rate 1 (Katz's log interval; half a hit is added to both
    groups when either has none or all, so an all-declined group still gets one)."""
    (a, b), (n, m) = hits, trials
    none_approved = a == 0  # the ratio is 0: its interval starts there
    if min(a, b) == 0 or a == n or b == m:
        a, b, n, m = a + 0.5, b + 0.5, n + 1, m + 1
    z = NormalDist().inv_cdf(0.5 + INTERVAL_LEVEL / 2)
    log_ratio = np.log((a / n) / (b / m))
    spread = z * np.sqrt(1 / a - 1 / n + 1 / b - 1 / m)
    low = 0.0 if none_approved else float(np.exp(log_ratio - spread))
    return [low, float(np.exp(log_ratio + spread))]


def difference_interval(hits: tuple[float, float], trials: tuple[float, float]) -> list[float]:
    """95% interval of rate 0 − rate 1 (Newcombe's hybrid score interval, from each rate's
    Wilson interval: sound with few events, where the textbook ±1.96 s.e. is not)."""
    (a, b), (n, m) = hits, trials
    p, q = a / n, b / m
    (p_low, p_high), (q_low, q_high) = _wilson(a, n), _wilson(b, m)
    return [max(-1.0, float(p - q - np.sqrt((p - p_low) ** 2 + (q_high - q) ** 2))),
            min(1.0, float(p - q + np.sqrt((p_high - p) ** 2 + (q - q_low) ** 2)))]


def equal_rates_p_value(hits: np.ndarray, trials: np.ndarray) -> float:
    """p-value of Pearson's χ² test that every group has the same rate (for two groups, the
    pooled two-proportion z-test); 1.0 when every row is a hit or none is."""
    hits, trials = np.asarray(hits, dtype=float), np.asarray(trials, dtype=float)
    table = np.stack([hits, trials - hits])
    if (table.sum(axis=1) == 0).any():
        return 1.0
    return float(chi2_contingency(table, correction=False).pvalue)


def _pair_of(table: pd.DataFrame, rate: str, trials: str
             ) -> tuple[tuple[float, float], tuple[float, float], str]:
    """(hits, trials) of the groups with the highest and the lowest ``rate``, and the pair
    named as "top against bottom"."""
    top_at, bottom_at = table[rate].idxmax(), table[rate].idxmin()
    if top_at == bottom_at:  # every rate equal: the first group against the last
        top_at, bottom_at = table.index[0], table.index[-1]
    top, bottom = table.loc[top_at], table.loc[bottom_at]
    return ((round(top[rate] * top[trials]), round(bottom[rate] * bottom[trials])),
            (top[trials], bottom[trials]), f"{top['group']} against {bottom['group']}")


def _interval_text(interval: list[float] | None, pair: str | None = None) -> str:
    if not interval:
        return ""
    return (f" (95% interval {interval[0]:.4f} to {interval[1]:.4f}"
            + (f", {pair}" if pair else "") + ")")


def _chance_text(p_value: float | None, what: str) -> str:
    if p_value is None:
        return ""
    side = "beyond" if p_value < 1 - INTERVAL_LEVEL else "within"
    shown = "p < 1e-15" if p_value < 1e-15 else f"p = {p_value:.3g}"  # not "p = 0"
    return f"; the compared groups' {what} differ {side} chance ({shown})"


def _verdict_caveat(summary: dict[str, Any]) -> str:
    """When the ratio's interval reaches across 0.8, the verdict rests on these rows."""
    interval = summary.get("disparate_impact_interval")
    if not interval or not interval[0] < FOUR_FIFTHS <= interval[1]:
        return ""
    side = "above" if summary["four_fifths_rule"] == "fail" else "below"
    return (f", but its interval reaches {side} 0.8: with this many rows per group the "
            "verdict could go either way")


def summary_sentences(report: FairnessReport) -> list[str]:
    """The summary as sentences a committee reads (the report's Groups section and the
    command's closing lines), not as keys."""
    s = report.summary
    lines = [f"{s['groups']} groups, {s['groups_compared']} compared."]
    if "disparate_impact" in s:
        rates = report.groups.set_index("group")["approval_rate"]
        low, high = s["least_approved_group"], s["most_approved_group"]
        verdict = ("passes the four-fifths rule" if s["four_fifths_rule"] == "pass"
                   else "fails the four-fifths rule (under 0.8)")
        interval = _interval_text(s.get("disparate_impact_interval"))
        caveat = _verdict_caveat(s)
        chance = _chance_text(s.get("approval_p_value"), "approval rates")
        if s["disparate_impact"] == 1.0:
            lines.append(f"Disparate impact 1.0000{interval}: every compared group is "
                         f"approved at {rates[high]:.1%}; {verdict}{caveat}{chance}.")
        else:
            lines.append(f"Disparate impact {s['disparate_impact']:.4f}{interval}: the least "
                         f"approved group, {low} ({rates[low]:.1%}), against the most approved, "
                         f"{high} ({rates[high]:.1%}); {verdict}{caveat}{chance}.")
    else:
        lines.append(f"Four-fifths rule {s['four_fifths_rule']}.")
    for rate, name in (("tpr", "true positive rate (events declined)"),
                       ("fpr", "false positive rate (non-events declined)")):
        gap = s.get(f"{rate}_gap")
        if isinstance(gap, float):
            left = s.get(f"{rate}_gap_leaves_out")
            lines.append(f"Largest gap in the {name}: {gap:.4f}"
                         + _interval_text(s.get(f"{rate}_gap_interval"),
                                          s.get(f"{rate}_gap_between"))
                         + (f", leaving out {left}" if left else "")
                         + _chance_text(s.get(f"{rate}_p_value"), f"{rate.upper()}s") + ".")
        elif gap is not None:
            lines.append(f"Gap in the {name}: {gap}.")
    for key, text in (("too_small_to_compare", "Too small to compare"),
                      ("not_compared", "Not compared"),
                      ("rows_without_label", "Rows without a label")):
        if key in s:
            lines.append(f"{text}: {s[key]}.")
    return lines


def _looks_like_an_identifier(protected: str, n_rows: int, n_values: int) -> DataError:
    return DataError(f"protected column '{protected}' splits {n_rows:,} rows into "
                     f"{n_values:,} values, which looks like an identifier; fairness "
                     "compares a few groups (an age band, a region, a sex).")


def _aligned_labels(y: Any, frame: pd.DataFrame) -> pd.Series:
    """``y`` row for row with ``frame``: a Series is matched by its index (a frame sorted or
    filtered after ``y`` was taken keeps each row's own label), anything else by position;
    one sentence when they cannot be matched."""
    if isinstance(y, pd.Series):
        if y.index.equals(frame.index):
            return y
        if frame.index.is_unique and y.index.is_unique and frame.index.isin(y.index).all():
            return y.reindex(frame.index)
        raise DataError(f"y's index does not hold every row of the data ({len(y):,} labels, "
                        f"{len(frame):,} rows): pass the labels of these rows, with the same "
                        "index, or as a plain array in their order.")
    values = np.asarray(y)
    if values.ndim != 1 or len(values) != len(frame):
        raise DataError(f"y must hold one label per row of the data ({len(frame):,}), however "
                        f"its shape is {values.shape}.")
    return pd.Series(values, index=frame.index)


def _row_labels(pipeline: TabularPipeline, frame: pd.DataFrame, y: pd.Series | None,
                ) -> tuple[np.ndarray | None, int]:
    """Per row 1 (event), 0 (non-event) or -1 (no label), and how many rows have none;
    None when no row has a label."""
    if y is None:
        return None, 0
    y = _aligned_labels(y, frame)
    has_label = y.notna().to_numpy()
    if not has_label.any():
        return None, len(frame)
    _, codes = labelled_rows(
        pipeline, frame, y, needs_both="true- and false-positive rates by group need both "
        "(without the target column, fairness compares approval rates only)")
    labels = np.full(len(frame), -1)
    labels[has_label] = codes
    return labels, int((~has_label).sum())


def fairness_report(pipeline: TabularPipeline, frame: pd.DataFrame, protected: str, *,
                    y: pd.Series | None = None, threshold: float = DECISION_THRESHOLD,
                    min_rows: int = MIN_GROUP_ROWS,
                    as_categories: bool = False) -> FairnessReport:
    """Approval rates (every row), TPR/FPR (rows with a label) and their gaps across the
    groups of column ``protected``; the gaps compare groups of at least ``min_rows`` rows
    (``min_rows`` labelled rows, and ``MIN_RATE_ROWS`` events or non-events, for TPR/FPR);
    rows without a ``protected`` value are listed, never compared. ``y``: a Series is
    matched to ``frame`` by index. ``as_categories``: compare value by value, never in
    quartile bands (codes)."""
    if pipeline.task != "binary":
        raise ConfigError("fairness at a decision threshold needs a binary model.")
    check_threshold(threshold)
    if not isinstance(min_rows, int) or min_rows < 1:
        raise ConfigError(f"min_rows must be a positive integer, however: {min_rows=}")
    if protected not in frame.columns:
        raise DataError(f"protected column '{protected}' is not in the data."
                        + did_you_mean(protected, map(str, frame.columns)))
    labels, unlabelled = _row_labels(pipeline, frame, y)
    values = frame[protected]
    if infer_column_kind(protected, values) == "id":  # before quartiles would hide it
        raise _looks_like_an_identifier(protected, len(values), values.nunique())
    labelled_groups = protected_groups(values, protected, as_categories=as_categories)
    groups = labelled_groups.astype(str).to_numpy()
    if len(set(groups)) < 2:
        raise DataError(f"protected column '{protected}' has a single group; nothing to compare.")
    if len(set(groups)) > max(_MAX_GROUPS, len(groups) // 2):
        raise _looks_like_an_identifier(protected, len(groups), len(set(groups)))
    prediction, seen = pipeline.predict_raw(frame)
    seen.warn_categories()  # the groups' rates are of these scores
    declined = at_or_above(pipeline.event_probability(prediction), threshold)
    lines = []
    present = set(groups)
    for group in (g for g in labelled_groups.cat.categories if g in present):
        member = groups == group
        line: dict[str, Any] = {"group": group, "rows": int(member.sum())}
        if labels is not None and unlabelled:
            line["labelled_rows"] = int((member & (labels >= 0)).sum())
        line["approval_rate"] = float(1.0 - declined[member].mean())
        if labels is not None:
            known, events, others = (member & (labels >= 0), member & (labels == 1),
                                     member & (labels == 0))
            line["event_rate"] = float(labels[known].mean()) if known.any() else np.nan
            line["events"], line["non_events"] = int(events.sum()), int(others.sum())
            line["tpr"] = float(declined[events].mean()) if events.any() else np.nan
            line["fpr"] = float(declined[others].mean()) if others.any() else np.nan
        lines.append(line)
    table = pd.DataFrame(lines)
    # rows without a value in the protected column are no group of people: listed, never
    # in the ratio or the gaps (a "not provided" group failing the rule names nobody)
    table["compared"] = (table["rows"] >= min_rows) & (table["group"] != MISSING_LEVEL)
    compared = table[table["compared"]]
    summary: dict[str, Any] = {"protected": protected, "threshold": threshold,
                               "groups": len(table), "groups_compared": len(compared)}
    small = table.loc[~table["compared"] & (table["group"] != MISSING_LEVEL),
                      "group"].astype(str).tolist()
    if small:
        summary["too_small_to_compare"] = f"{', '.join(small)} (< {min_rows} rows)"
    missing_rows = int(table.loc[table["group"] == MISSING_LEVEL, "rows"].sum())
    if missing_rows:
        summary["not_compared"] = (f"{MISSING_LEVEL} ({missing_rows:,} "
                                   f"row{'' if missing_rows == 1 else 's'} without a "
                                   f"'{protected}' value)")
    if unlabelled:
        summary["rows_without_label"] = f"{unlabelled:,} of {len(frame):,} " + (
            "(in the approval rates; left out of event_rate, tpr, fpr and their gaps)"
            if labels is not None else "(approval rates only: no event_rate, tpr or fpr)")
    best = compared["approval_rate"].max() if len(compared) >= 2 else np.nan
    table["approval_ratio"] = table["approval_rate"] / best if best > 0 else np.nan
    if not best > 0:  # fewer than two groups to compare, or no one approved
        largest = table.loc[table["rows"].idxmax()]
        summary["four_fifths_rule"] = (
            f"not assessed: fewer than two groups with a value and {min_rows}+ rows "
            f"({largest['group']} holds {largest['rows']:,} of {len(frame):,})"
            if len(compared) < 2
            else "not assessed: none approved")
        return FairnessReport(table, summary)
    impact = float(compared["approval_rate"].min() / best)
    lowest = compared.loc[compared["approval_rate"].idxmin(), "group"]
    if impact == 1.0:  # a tie: no least approved group to name
        lowest = compared["group"].iloc[-1] if len(compared) > 1 else lowest
    hits, trials, _ = _pair_of(compared, "approval_rate", "rows")
    approved = np.rint(compared["approval_rate"] * compared["rows"]).to_numpy()
    summary |= {
        "disparate_impact": impact,
        # least approved over most approved, as if that pair had been chosen in advance
        "disparate_impact_interval": ratio_interval(hits[::-1], trials[::-1]),
        "approval_p_value": equal_rates_p_value(approved, compared["rows"].to_numpy()),
        # 72 of 100 against 90 of 100 is 4/5 exactly: not failed by a rounding of 0.8
        "four_fifths_rule": "pass" if impact >= FOUR_FIFTHS - 1e-9 else "fail",
        "most_approved_group": str(compared.loc[compared["approval_rate"].idxmax(), "group"]),
        "least_approved_group": str(lowest),
    }
    if labels is not None:
        rated = (compared[compared["labelled_rows"] >= min_rows] if "labelled_rows" in compared
                 else compared)
        for rate, count, who in (("tpr", "events", "events"), ("fpr", "non_events",
                                                              "non-events")):
            # a rate over one defaulter is 0 or 1: a gap needs MIN_RATE_ROWS behind each rate
            enough = rated[rated[count] >= MIN_RATE_ROWS]
            if len(enough) >= 2:
                summary[f"{rate}_gap"] = float(enough[rate].max() - enough[rate].min())
                hits, trials, pair = _pair_of(enough, rate, count)
                summary[f"{rate}_gap_interval"] = difference_interval(hits, trials)
                summary[f"{rate}_gap_between"] = pair
                summary[f"{rate}_p_value"] = equal_rates_p_value(
                    np.rint(enough[rate] * enough[count]).to_numpy(), enough[count].to_numpy())
                left_out = sorted(set(rated["group"]) - set(enough["group"]))
                if left_out:
                    summary[f"{rate}_gap_leaves_out"] = (
                        f"{', '.join(map(str, left_out))} (< {MIN_RATE_ROWS} {who})")
            else:
                summary[f"{rate}_gap"] = (f"not assessed: fewer than two groups of {min_rows}+ "
                                          f"labelled rows with {MIN_RATE_ROWS}+ {who}")
    return FairnessReport(table, summary)
