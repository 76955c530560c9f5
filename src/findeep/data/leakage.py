"""Columns that tell the target on their own: a leak, said before any model trains on it.

A column filled in only after the outcome (the amount recovered on a defaulted loan, a
collection status, a closing date, today's return beside today's direction) predicts the
target almost perfectly on the training table and is absent, or meaningless, when a new
application is scored: a model trained with it looks excellent and fails in use. Every
metric findeep reports would be flattered by it too, so the screen runs before training and
benchmarking (``fit_tabular``, so every estimator's ``fit`` too), and `findeep profile
--target` shows each column's score.

The screen scores each input column alone, out of fold: its values are cut into at most
``MAX_BINS`` bins (quantiles of a number or a date — for a class target about
``ROWS_PER_CLASS_BIN`` rows of a half each, at least ``MIN_CLASS_BINS``; a category's levels;
missing its own bin), each bin's target mean is learned on one half of the rows and read on
the other half (a bin that half never saw reads the overall mean), and those out-of-fold
predictions are scored against the target — ROC AUC for classes (one-vs-rest,
macro-averaged, for more than two), and for a number the R² of the predicted ranks (a
monotone or not, exact or nearly exact function of the column scores near 1). No row scores
itself, so an identifier-like column whose levels each hold one row scores nothing.
A free-text column, where a text model reads it (``text=True``), is scored by its whole texts
as levels and, for classes, by its single most telling word (``data.text_leakage``).
A column at or above ``LEAK_AUC`` (``LEAK_RANK_R2`` for a number) is named in one warning,
with ``--drop`` to leave it out. The score is a diagnosis, never used to choose anything.

For a binary target each column's information value is given too, the scorecard builder's
screen: over ``IV_BINS`` quantile bins of a number (a category's levels; missing its own
bin), the sum of (share of non-events − share of events) x their log ratio, half a row added
to each count so an empty cell stays finite. It is in-sample, as scorecards compute it, so a
category of many small levels reads higher than it predicts; the usual reading is below 0.02
useless, 0.02–0.1 weak, 0.1–0.3 medium, 0.3–0.5 strong, and above 0.5 very strong — worth
checking it is known at decision time (the leak line above is far beyond: the outcome
itself reads 5 and more).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from findeep.data.number_text import numbers_of
from findeep.data.schema import FindeepWarning, Schema, parse_datetimes
from findeep.data.text_leakage import normalised_texts, telling_word

LEAK_AUC = 0.99  # a column alone above this AUC out of fold: almost surely a leak
LEAK_RANK_R2 = 0.98  # a number: R² of the target's ranks from the column alone
MAX_BINS = 64
# a class target's bins hold about this many rows of a half at least (fewer, noisier bins
# read a 600-row table's honest column at AUC 0.71 where 16 read 0.77), and never fewer than
# MIN_CLASS_BINS, which keep a column that fixes the class beyond a threshold above LEAK_AUC
ROWS_PER_CLASS_BIN, MIN_CLASS_BINS = 20, 16
IV_BINS = 10  # deciles of a number, as a first screen reads them
SCREEN_ROWS = 50_000  # a taller table is scored on a seeded sample of this many rows
# the warning's decision reads fewer: a leak scores ~1 on any sample, and a fit (every fold
# of a benchmark) should not pay for scoring a 500-column table's every column on 50,000 rows
DECISION_ROWS = 5_000


@dataclass(frozen=True)
class ColumnAlone:
    """How well one column predicts the target on its own, out of fold."""

    column: str
    score: float
    metric: str  # "AUC" or "rank R²"
    information_value: float | None = None  # a binary target's IV (in-sample, IV_BINS bins)
    evidence: str | None = None  # a text column's telling word, where that scored it

    @property
    def label(self) -> str:
        """The score as the warning and ``profile`` write it: "AUC 0.998, the word 'off'"."""
        return f"{self.metric} {self.score:.3f}" + (f", {self.evidence}" if self.evidence
                                                      else "")

    @property
    def suspect(self) -> bool:
        return self.score >= (LEAK_RANK_R2 if self.metric == "rank R²" else LEAK_AUC)


def column_bins(values: pd.Series, kind: str, *, day_first: bool | None = None,
                max_bins: int = MAX_BINS) -> np.ndarray:
    """Each row's bin as an integer code: a number's or date's quantile bin (each distinct
    value its own bin when there are at most ``max_bins``), a category's level; missing
    values share a bin of their own."""
    if kind in ("numeric", "datetime"):
        if kind == "numeric":
            numbers = np.asarray(numbers_of(values), dtype=float)
        else:
            stamps = parse_datetimes(values, day_first=day_first)
            numbers = np.where(stamps.isna(), np.nan,
                               stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
                               .astype(float))
        present = np.isfinite(numbers)
        codes = np.full(len(numbers), -1, dtype=np.int64)
        distinct, inverse = np.unique(numbers[present], return_inverse=True)
        if len(distinct) <= max_bins:
            codes[present] = inverse
        else:  # equal-count bins of the values' ranks; ties share a bin
            ranks = pd.Series(numbers[present]).rank(method="min").to_numpy()
            codes[present] = np.minimum(((ranks - 1) * max_bins / present.sum()).astype(np.int64),
                                        max_bins - 1)
    else:
        codes, _ = pd.factorize(values.astype(object).where(values.notna(), None),
                                use_na_sentinel=True)
        codes = codes.astype(np.int64)
    return np.where(codes < 0, codes.max(initial=-1) + 1, codes)


def _out_of_fold_means(bins: np.ndarray, targets: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Each row's prediction from its bin's mean on the other half of the rows.
    ``targets`` is (rows, k): one column per class share, or the target's ranks."""
    n_bins = int(bins.max()) + 1
    predicted = np.empty_like(targets)
    for side in (False, True):
        learn, read = half != side, half == side
        prior = targets[learn].mean(axis=0)
        counts = np.bincount(bins[learn], minlength=n_bins).astype(float)[:, None]
        sums = np.stack([np.bincount(bins[learn], weights=targets[learn, k], minlength=n_bins)
                         for k in range(targets.shape[1])], axis=1)
        # a bin the other half never saw reads the prior; no shrinkage of the others (it
        # pulled a 7-row bin's mean an eighth of the way to the middle, and a log-wage column
        # read a rank R² of 0.977 against the wage: out of fold, noise cannot inflate a score)
        means = np.where(counts > 0, sums / np.maximum(counts, 1), prior)
        predicted[read] = means[bins[read]]
    return predicted


def information_value(bins: np.ndarray, events: np.ndarray) -> float:
    """The information value of ``bins`` (integer codes) for 0/1 ``events``: the sum over
    bins of (share of non-events - share of events) x log(their ratio), half a row added to
    each count."""
    n_bins = int(bins.max()) + 1
    event_counts = np.bincount(bins, weights=events, minlength=n_bins) + 0.5
    other_counts = np.bincount(bins, weights=1 - events, minlength=n_bins) + 0.5
    event_share = event_counts / event_counts.sum()
    other_share = other_counts / other_counts.sum()
    return float(((other_share - event_share) * np.log(other_share / event_share)).sum())


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of 0/1 ``labels`` by ``scores`` (ties count one half); nan for one class."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2)
                 / (positives * negatives))


def columns_alone(frame: pd.DataFrame, y: pd.Series, schema: Schema, *, task: str,
                  seed: int = 0, max_rows: int = SCREEN_ROWS,
                  groups: np.ndarray | None = None, text: bool = False) -> list[ColumnAlone]:
    """Each used column of ``schema`` scored alone against ``y`` (rows with a target), out of
    fold; at most ``max_rows`` rows, a seeded sample of a taller table. ``task``:
    binary, multiclass or regression. ``groups`` (one code per row: a customer): each group's
    rows in one half, so a customer's own attribute does not read as a leak of the customer's
    label (as ``--group-column`` keeps a customer in one fold). ``text``: the schema's free-text
    columns are scored too (the text models read them; ``data.text_leakage``)."""
    rng = np.random.default_rng(seed)
    positions = np.flatnonzero(y.notna().to_numpy())
    if len(positions) > max_rows:
        positions = np.sort(rng.choice(positions, max_rows, replace=False))
    if len(positions) < 20:
        return []
    if task == "regression":  # amounts written as text ("17.7%") read as the numbers they mean
        numbers = numbers_of(y.iloc[positions])
        positions = positions[np.isfinite(numbers)]
        if len(positions) < 20:
            return []
        ranks = pd.Series(numbers[np.isfinite(numbers)]).rank(method="average").to_numpy()
        targets = (ranks / len(ranks))[:, None]
        classes = None
    else:
        codes, classes = pd.factorize(y.iloc[positions].astype(object))
        if len(classes) < 2:
            return []
        targets = np.eye(len(classes))[codes]
    if groups is None:
        half = np.zeros(len(positions), dtype=bool)
        half[rng.permutation(len(positions))[: len(positions) // 2]] = True
    else:  # whole groups to each half, at random
        codes_of_rows = pd.factorize(np.asarray(groups)[positions])[0]
        side = rng.integers(0, 2, codes_of_rows.max(initial=-1) + 1).astype(bool)
        half = side[codes_of_rows]
        if half.all() or not half.any():
            return []
    found: list[ColumnAlone | None] = []
    day_first = schema.day_first
    # a number's ranks are read finely (a leak's bins are pure whatever their size); classes
    # by bins of about ROWS_PER_CLASS_BIN rows of a half
    n_bins = MAX_BINS if classes is None else int(np.clip(
        len(positions) // 2 // ROWS_PER_CLASS_BIN, MIN_CLASS_BINS, MAX_BINS))
    kinds = ("numeric", "categorical", "datetime", *(("text",) if text else ()))
    for spec in schema.columns:
        if spec.kind not in kinds or spec.name not in frame:
            continue
        values = frame[spec.name].iloc[positions]
        if spec.kind == "text":  # whole texts as levels; and, for classes, the best word
            found.append(_text_alone(spec.name, values, targets, half, classes))
            continue
        bins = column_bins(values, spec.kind, day_first=day_first.get(spec.name),
                           max_bins=n_bins)
        alone = _bins_alone(spec.name, bins, targets, half, classes)
        if alone is not None and classes is not None and len(classes) == 2:
            coarse = column_bins(values, spec.kind, day_first=day_first.get(spec.name),
                                 max_bins=IV_BINS)
            alone = replace(alone, information_value=information_value(coarse, targets[:, 1]))
        found.append(alone)
    return [c for c in found if c is not None]


def _bins_alone(name: str, bins: np.ndarray, targets: np.ndarray, half: np.ndarray,
                classes: pd.Index | None) -> ColumnAlone | None:
    """One column's bins scored out of fold: rank R² for a number, AUC for classes (macro
    one-vs-rest for more than two); ``None`` for a target of one value."""
    if classes is None and np.ptp(targets[:, 0]) == 0:
        return None  # a target of one value has no ranks to tell (its float sum of squares
        # is 1e-32, not 0, and read noise as a score)
    predicted = _out_of_fold_means(bins, targets, half)
    if classes is None:
        residual = ((targets[:, 0] - predicted[:, 0]) ** 2).sum()
        total = ((targets[:, 0] - targets[:, 0].mean()) ** 2).sum()
        return ColumnAlone(name, float(1 - residual / total), "rank R²")
    if len(classes) == 2:
        return ColumnAlone(name, _auc(targets[:, 1], predicted[:, 1]), "AUC")
    scores = [_auc(targets[:, k], predicted[:, k]) for k in range(len(classes))]
    return ColumnAlone(name, float(np.nanmean(scores)), "AUC")


def _text_alone(name: str, values: pd.Series, targets: np.ndarray, half: np.ndarray,
                classes: pd.Index | None) -> ColumnAlone | None:
    """A text column: its whole texts as levels, or its most telling word where that scores
    higher (classes only: a word's presence cannot rank a number)."""
    texts = normalised_texts(values)
    whole = _bins_alone(name, column_bins(texts, "categorical"), targets, half, classes)
    if classes is None:
        return whole
    word = telling_word(texts, targets, half,
                        classes=[1] if len(classes) == 2 else list(range(len(classes))))
    if word is None or (whole is not None and whole.score >= word.auc):
        return whole
    of_class = "" if len(classes) == 2 else f" (class '{classes[word.class_index]}')"
    return ColumnAlone(name, word.auc, "AUC", evidence=f"the word '{word.word}'{of_class}")


def suspects_message(found: list[ColumnAlone]) -> str | None:
    """The warning naming the columns that predict the target almost alone, or None."""
    suspects = sorted((c for c in found if c.suspect), key=lambda c: -c.score)
    if not suspects:
        return None
    named = ", ".join(f"'{c.column}' ({c.label})" for c in suspects[:5])
    more = f" and {len(suspects) - 5} more" if len(suspects) > 5 else ""
    names = ",".join(c.column for c in suspects)
    return (f"column(s) {named}{more} predict the target almost perfectly on their own (out of "
            "fold): a value known only after the outcome (a recovery, a status, a closing "
            "date) leaks it, and the model will fail on new rows; if so, leave them out with "
            f"--drop {names} (from Python: drop=, or leave them out of X).")


def warn_if_leaking(frame: pd.DataFrame, y: pd.Series, schema: Schema, *, task: str,
                    seed: int = 0, groups: np.ndarray | None = None,
                    text: bool = False) -> str | None:
    """Screen every used column (``columns_alone`` on at most ``DECISION_ROWS`` rows, whole
    ``groups`` to each half) and warn about the suspects; returns the warning (a benchmark
    keeps it in its notes), or None."""
    found = columns_alone(frame, y, schema, task=task, seed=seed, max_rows=DECISION_ROWS,
                          groups=groups, text=text)
    if message := suspects_message(found):
        warnings.warn(message, FindeepWarning, stacklevel=3)
    return message
