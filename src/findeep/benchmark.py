"""Side-by-side comparison on the user's own data: every model sees the same folds.

It sits above ``pipeline`` (it fits the network through ``fit_tabular``, the one training
path) and beside ``explain``; ``evaluate/`` below holds the metrics and baselines it uses.

Answers "is deep learning better than my LightGBM here?" with mean ± std over folds,
paired differences against a reference model, fit time and scoring speed.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

from findeep.data.leakage import warn_if_leaking
from findeep.data.row_sample import RowSample, check_max_rows, sample_rows
from findeep.data.schema import FindeepWarning, Schema, infer_schema
from findeep.data.sentinels import check_special_values
from findeep.data.splits import (
    GROUP_AND_TIME,
    check_enough_groups,
    check_seed,
    check_test_classes_trained,
    group_codes,
    group_identifier_columns,
    grouped_folds,
    split_out_of_time,
    time_values,
    walk_forward_splits,
    warn_if_dated,
    warn_if_shared_identifiers,
)
from findeep.data.target import TargetSpec, infer_target, locate_target
from findeep.errors import ConfigError, DataError, TargetError, did_you_mean
from findeep.evaluate.baselines import (
    BASELINE_PACKAGES,
    BaselineInputs,
    available,
    make_baseline,
    prepare_baseline_inputs,
    with_special_values,
    without_columns,
)
from findeep.evaluate.blends import (
    blend_name,
    blend_parts,
    blend_prediction,
    check_blends,
    is_blend,
    with_blend_parts,
)
from findeep.evaluate.comparison import FOLD_METRICS, HIGHER_IS_BETTER, verdict
from findeep.evaluate.metrics import binary_metrics, multiclass_metrics, regression_metrics
from findeep.evaluate.peers import PEER_PACKAGES, check_peers_installed
from findeep.evaluate.verdicts import verdict_lines
from findeep.long_work import long_work_starts
from findeep.models.registry import MODELS
from findeep.pipeline import fit_tabular

__all__ = ["DEFAULT_MODELS", "FOLD_METRICS", "HIGHER_IS_BETTER", "BenchmarkResult",
           "run_benchmark", "verdict"]

DEFAULT_MODELS = ("default", "seed-mlp", "logreg", "lightgbm", "xgboost", "catboost",
                  "default+catboost")  # the blend: no fit of its own
# findeep's networks with an option on, compared as models of their own so that one run says
# whether the option helps on the user's table: name -> (architecture, model_options)
# above this many labelled rows without max_rows, the benchmark says a sample is an option
TALL_ROWS = 200_000
NETWORK_VARIANTS = {"default-additive": ("default", {"additive": True}),
                    "default-no-additive": ("default", {"additive": False})}


@dataclass
class BenchmarkResult:
    """Per-fold records and their summary, JSON-ready via ``to_dict``."""

    task: str
    split: str
    n_rows: int
    models: list[str]
    skipped: dict[str, str] = field(default_factory=dict)
    folds: list[dict[str, Any]] = field(default_factory=list)
    reference: str | None = None
    # held-out predictions per model, one array per fold, and each fold's test rows (row
    # positions in the frame after rows with a missing target were dropped): kept for
    # analyses across models, such as blends; not part of ``to_dict``
    predictions: dict[str, list[np.ndarray]] = field(default_factory=dict, repr=False)
    test_rows: list[np.ndarray] = field(default_factory=list, repr=False)
    target: str | None = None
    # per fold: its training and test row counts and, with a time column, the first and
    # last date of each side (``to_dict``'s "splits")
    splits: list[dict[str, Any]] = field(default_factory=list)
    # what a reader of the numbers must know: columns left out of a fold, metrics missing
    notes: list[str] = field(default_factory=list)
    monotone: dict[str, int] | None = None  # column -> +1/-1 on the event, as asked
    sample: dict[str, Any] | None = None  # --max-rows: the rows kept, of how many, how

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean and std per model and metric, plus paired difference to the reference.

        A metric missing on some fold (ROC-AUC where a multiclass test part lacks a class)
        is NaN there, so its mean and std are NaN: never a mean over the other folds only.
        ``missing_metrics`` names those folds."""
        table = pd.DataFrame(self.folds)
        out: dict[str, dict[str, float]] = {}
        primary = FOLD_METRICS[self.task][0]
        for model in self.models:
            rows = table[table["model"] == model] if "model" in table else table
            if rows.empty:
                continue
            stats: dict[str, float] = {}
            for column in (*FOLD_METRICS[self.task], "fit_seconds", "score_rows_per_second"):
                values = (rows[column].to_numpy(dtype=float) if column in rows
                          else np.full(len(rows), np.nan))
                stats[f"{column}_mean"] = float(np.mean(values))
                stats[f"{column}_std"] = (
                    float(np.std(values, ddof=1)) if len(values) > 1 else float("nan"))
            stats["fit_seconds_total"] = float(rows["fit_seconds"].sum())
            if self.reference and model != self.reference and primary in table:
                ref = table[table["model"] == self.reference].set_index("fold")[primary]
                mine = rows.set_index("fold")[primary]
                diff = (mine - ref.reindex(mine.index)).to_numpy(dtype=float)
                stats[f"{primary}_diff_vs_reference_mean"] = float(np.mean(diff))
                stats[f"{primary}_diff_vs_reference_std"] = (
                    float(np.std(diff, ddof=1)) if len(diff) > 1 else float("nan"))
            out[model] = stats
        return out

    def missing_metrics(self) -> dict[str, list[int]]:
        """Each fold metric that some fold could not compute, with those folds (numbered
        from 1, as the progress bar and notes count them)."""
        missing: dict[str, list[int]] = {}
        for metric in FOLD_METRICS[self.task]:
            folds = sorted({record["fold"] + 1 for record in self.folds
                            if not np.isfinite(record.get(metric, np.nan))})
            if folds:
                missing[metric] = folds
        return missing

    def all_notes(self) -> list[str]:
        """``notes`` and one sentence per metric missing on some fold."""
        why = {"roc_auc": "its test rows lack a class, and AUC ranks every class against "
                          "the others",
               "pr_auc": "its test rows hold one class", "ks": "its test rows hold one class"}
        missing = [f"{metric} is missing for fold(s) {', '.join(map(str, folds))} "
                   f"({why.get(metric, 'it is undefined on those test rows')}), so its mean "
                   "and std are left as NaN rather than averaged over the other folds."
                   for metric, folds in self.missing_metrics().items()]
        return [*self.notes, *missing]

    def to_dict(self) -> dict[str, Any]:
        document = {"task": self.task, "split": self.split, "rows": self.n_rows,
                    "models": self.models, "skipped": self.skipped,
                    "reference": self.reference, "summary": self.summary(),
                    "folds": self.folds, "splits": self.splits, "notes": self.all_notes()}
        if self.target is not None:
            document["target"] = self.target
        if self.monotone:
            document["monotone"] = self.monotone
        if self.sample:
            document["sample"] = self.sample
        document["verdict"] = verdict_lines(document)
        return document


def _folds(y_codes: np.ndarray, task: str, n_folds: int, seed: int, times: pd.Series | None,
           walk_forward: bool, *, groups: np.ndarray | None = None, group_column: str = ""
           ) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    if groups is not None:  # every group's rows on one side of each fold
        classification = task != "regression"
        kind = "stratified" if classification else "random"
        return (grouped_folds(y_codes, groups, n_folds=n_folds, seed=seed,
                              stratify=classification),
                f"{n_folds}-fold {kind}, grouped by '{group_column}'")
    if times is not None and walk_forward:
        folds = walk_forward_splits(times, n_folds=n_folds)
        return folds, f"walk-forward, {len(folds)} expanding out-of-time folds"
    if times is not None:
        return [split_out_of_time(times, test_fraction=0.2)], "out-of-time (latest 20%)"
    if task == "regression":
        splitter = KFold(n_folds, shuffle=True, random_state=seed)
        return list(splitter.split(y_codes)), f"{n_folds}-fold random"
    splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(y_codes, y_codes)), f"{n_folds}-fold stratified"


def run_benchmark(
    frame: pd.DataFrame, target: str, *, models: tuple[str, ...] | list[str] = DEFAULT_MODELS,
    n_folds: int = 5, seed: int = 0, task: str = "auto", time_column: str | None = None,
    reference: str | None = None, walk_forward: bool = False, verbose: int = 1,
    monotone: dict[str, int] | None = None,
    special_values: dict[str, list[float]] | str | None = None,
    group_column: str | None = None, max_rows: int | None = None,
) -> BenchmarkResult:
    """Fit every model on the same folds of ``frame`` and score the held-out rows.

    Folds: ``n_folds`` stratified (random for regression); with ``time_column``, one
    out-of-time split (latest 20%), or with ``walk_forward`` too, ``n_folds`` expanding-window
    out-of-time folds — an honest split that still gives a spread over folds.
    ``group_column`` (a customer, an applicant, an account: several rows each) keeps each
    value's rows in one fold, so no model is tested on a customer it trained on (random folds
    let a model recognise a customer's other rows, which flatters the ones that memorise);
    the column is no input of any model.
    ``monotone`` (column -> +1/-1) constrains findeep's networks and the gradient-boosting
    baselines alike, so the accuracy each family gives up for it is measured (binary and
    regression targets; a multiclass target with constraints is refused).
    ``special_values`` (column -> codes) makes those codes tokens in findeep's networks;
    the baselines get the same information: each code set to missing, plus a 0/1 column of
    its own (``late_payments__special=98``).
    ``max_rows``: a table with more labelled rows is compared on a seeded sample of about
    that many (``data.row_sample``: each class at the same fraction, whole groups with
    ``group_column``), said in the result's notes and ``sample``.

    Every model sees the same columns: those the whole table's schema leaves out (ids such
    as a row number, constants, free text) are dropped before any model sees them, with one
    warning naming them; a column with no value among a fold's training rows (filled only
    later) is left out of that fold for every model, with a warning naming the fold.
    Tables the metrics cannot be computed on are refused before any fitting: a class with
    fewer rows than ``n_folds`` (stratified folds), or an out-of-time test part holding one
    class.
    """
    models = [blend_name(m) if is_blend(m) else m for m in models]  # "a + b" is "a+b"
    _check_benchmark_options(models, n_folds, walk_forward, time_column, group_column)
    check_seed(seed)
    check_max_rows(max_rows)
    table = _BenchmarkTable.from_frame(frame, target, task=task, time_column=time_column,
                                       seed=seed, group_column=group_column,
                                       max_rows=max_rows, min_per_class=n_folds)
    if monotone:
        _check_monotone(monotone, table, target)
    table.monotone = monotone
    table.special_values = check_special_values(special_values, table.X, table.schema)
    if table.special_values:  # the baselines get the codes as the networks do: apart
        table.baseline_inputs = with_special_values(table.baseline_inputs, table.special_values)
    if max_rows is None and len(table.X) > TALL_ROWS:
        warnings.warn(f"{len(table.X):,} labelled rows: every model fits on each fold's "
                      "training part of them, a long wait on a few cores; "
                      "--max-rows 10000 --n-folds 3 (max_rows=) compares them on a stratified "
                      "sample first.", FindeepWarning, stacklevel=2)
    # a column that tells the target alone (a recovery, a status): said before any fit
    leak_note = warn_if_leaking(table.X, table.y, table.schema, task=table.spec.task,
                                seed=seed, groups=table.groups)
    if table.times is None:  # random folds of dated rows train on the future: say so
        warn_if_dated(table.X, table.date_columns)
        if table.groups is None:  # ... and of a customer's rows test on known customers
            warn_if_shared_identifiers(table.X)
    if table.spec.task != "regression" and table.times is None:
        _check_stratifiable(table, target, n_folds)
    if table.groups is not None:
        check_enough_groups(table.groups, n_folds, group_column or "")
    folds, split_name = _folds(table.y_codes, table.spec.task, n_folds, seed, table.times,
                               walk_forward, groups=table.groups,
                               group_column=group_column or "")
    if table.spec.task != "regression":  # a class no fold trains on cannot be scored
        for train, test in folds:
            check_test_classes_trained(table.y.to_numpy(), train, test, target)
        if table.times is not None:
            _check_test_parts_hold_two_classes(table, folds, target)
        if table.groups is not None:
            _check_grouped_test_folds_hold_two_classes(table, folds, target, group_column)
    models = with_blend_parts(list(models))  # a blend's parts run (and show) before it
    skipped = {m: f"{BASELINE_PACKAGES[m]} is not installed (pip install 'findeep[baselines]')"
               for m in models if m in BASELINE_PACKAGES and not available(m)}
    for model in filter(is_blend, models):  # a blend is only as runnable as its parts
        missing = [p for p in blend_parts(model) if p in skipped]
        if missing:
            skipped[model] = f"needs {missing[0]}: {skipped[missing[0]]}"
    runnable = [m for m in models if m not in skipped]
    if reference is None:
        reference = next((m for m in ("lightgbm", "catboost", "xgboost", "logreg")
                          if m in runnable), None)
    result = BenchmarkResult(table.spec.task, split_name, len(table.X), runnable, skipped,
                             reference=reference, target=target,
                             splits=[_fold_bounds(i, train, test, table.times)
                                     for i, (train, test) in enumerate(folds)],
                             monotone=monotone or None,
                             sample=table.sample.to_dict() if table.sample else None)
    if table.sample is not None:
        result.notes.append(table.sample.note())
    if leak_note:
        result.notes.append(leak_note)
    if monotone and "catboost" in runnable and table.baseline_inputs.categorical:
        result.notes.append("catboost under --monotone computes its category statistics one "
                            "column at a time (max_ctr_complexity=1): with combinations its "
                            "constraints need not hold beside categorical columns.")
    _run_folds(table, folds, result, verbose)
    return result


def _check_monotone(monotone: dict[str, int], table: _BenchmarkTable, target: str) -> None:
    """Constraints name numeric feature columns of a binary or regression target."""
    if table.spec.task == "multiclass":
        raise ConfigError(f"monotone constraints apply to binary and regression targets; "
                          f"'{target}' is multiclass ({len(np.unique(table.y_codes))} "
                          "classes), so drop --monotone or benchmark one class against the "
                          "rest.")
    numeric = set(table.baseline_inputs.numeric) - set(table.date_columns)
    for column in monotone:
        if column in table.left_out:
            raise ConfigError(f"cannot constrain '{column}': {table.left_out[column]}, so no "
                              "model uses it.")
        if column not in table.X.columns:
            raise ConfigError(f"cannot constrain '{column}': it is not a column of the "
                              "data." + did_you_mean(column, map(str, table.X.columns)))
        if column not in numeric:
            raise ConfigError(f"monotone constraints apply to numeric columns; "
                              f"'{column}' is not numeric.")


def _check_stratifiable(table: _BenchmarkTable, target: str, n_folds: int) -> None:
    """Stratified folds give every test fold every class only where each class has at least
    ``n_folds`` rows; otherwise a fold's ROC-AUC cannot be computed: refuse before fitting."""
    counts = np.bincount(table.y_codes)
    largest = int(counts.max())
    if largest == 1:  # scikit-learn cannot stratify: say so in the user's terms
        raise TargetError(f"target '{target}' has a different value on every row, so "
                          "there are no classes to stratify folds on; if it is a "
                          "quantity, pass --task regression.")
    if largest < n_folds:
        raise TargetError(f"target '{target}': {n_folds} stratified folds need a class "
                          f"with at least {n_folds} rows, and the largest has {largest}; "
                          "use fewer folds (--n-folds) or a table with more rows.")
    smallest = int(counts.min())
    if smallest < n_folds:
        labels = table.y.to_numpy()
        values, label_counts = np.unique(labels, return_counts=True)
        rare = ", ".join(f"{value!r} ({count} row(s))"
                         for value, count in zip(values.tolist(), label_counts.tolist(),
                                                 strict=True) if count < n_folds)
        # a class of one row cannot be in two test folds: no fold count helps then
        remedy = (f"use --n-folds {smallest} or fewer, or merge or drop the rare class"
                  if smallest >= 2 else "merge or drop the rare class (one row cannot be in "
                  "every test fold, whatever the number of folds)")
        raise TargetError(f"target '{target}': {n_folds} stratified folds need at least "
                          f"{n_folds} rows of every class, so that every test fold holds "
                          f"every class and its AUC can be computed; class(es) {rare} have "
                          f"fewer; {remedy}.")


def _single_class_test_folds(table: _BenchmarkTable, folds: list[tuple[np.ndarray, np.ndarray]]
                             ) -> list[tuple[int, np.ndarray, object]]:
    """``(fold number, test rows, their one class)`` for each test fold that holds a single
    class, where no ranking metric (AUC) can be computed."""
    labels = table.y.to_numpy()
    single = []
    for number, (_, test) in enumerate(folds, start=1):
        held = np.unique(labels[test]).tolist()
        if len(held) < 2:
            single.append((number, test, held[0]))
    return single


def _check_test_parts_hold_two_classes(table: _BenchmarkTable,
                                       folds: list[tuple[np.ndarray, np.ndarray]],
                                       target: str) -> None:
    """An out-of-time test part of one class has no AUC: refuse before any fitting."""
    assert table.times is not None
    single = _single_class_test_folds(table, folds)
    if not single:
        return
    number, test, label = single[0]
    walk = len(folds) > 1
    part = f"fold {number}'s test rows" if walk else "the test rows"
    raise TargetError(
        f"target '{target}': {part} ({len(test):,}, dated "
        f"{_when(table.times.iloc[test].min())} to {_when(table.times.iloc[test].max())}"
        f") are all {label!r}, so no ranking metric (AUC) can be computed there; "
        + ("use fewer walk-forward folds, " if walk else "")
        + "use rows over a longer period, or random folds (drop --time-column).")


def _check_grouped_test_folds_hold_two_classes(
        table: _BenchmarkTable, folds: list[tuple[np.ndarray, np.ndarray]], target: str,
        group_column: str | None) -> None:
    """A grouped test fold of one class has no AUC: refuse before any fitting."""
    single = _single_class_test_folds(table, folds)
    if single:
        number, test, label = single[0]
        raise TargetError(
            f"target '{target}': fold {number}'s test rows ({len(test):,}, grouped by "
            f"'{group_column}') are all {label!r}, so no ranking metric (AUC) can be "
            "computed there; use fewer folds (--n-folds).")


def _when(value: Any) -> str | float:
    """A split boundary as JSON can hold it: ISO text for dates, a number otherwise."""
    if isinstance(value, (int, float, np.number)):
        return float(value)
    stamp = pd.Timestamp(value)
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()


def _fold_bounds(fold: int, train: np.ndarray, test: np.ndarray,
                 times: pd.Series | None) -> dict[str, Any]:
    """One fold's row counts and, with a clock, the first and last date of each side."""
    bounds: dict[str, Any] = {"fold": fold, "train_rows": len(train), "test_rows": len(test)}
    if times is not None:
        for side, rows in (("train", train), ("test", test)):
            bounds[f"{side}_start"] = _when(times.iloc[rows].min())
            bounds[f"{side}_end"] = _when(times.iloc[rows].max())
    return bounds


def _check_benchmark_options(models: tuple[str, ...] | list[str], n_folds: int,
                             walk_forward: bool, time_column: str | None,
                             group_column: str | None = None) -> None:
    if n_folds < 2:
        raise ConfigError(f"n_folds must be at least 2, however: {n_folds=}")
    if group_column is not None and time_column is not None:
        raise ConfigError(GROUP_AND_TIME)
    if not models:
        raise ConfigError("name at least one model to compare, e.g. --models "
                          "default,lightgbm; none was given.")
    repeated = sorted({m for m in models if list(models).count(m) > 1})
    if repeated:
        raise ConfigError(f"model(s) named more than once: {', '.join(repeated)}; name each "
                          "model once (each runs once on every fold).")
    if walk_forward and not time_column:
        raise ConfigError("walk-forward folds need a time column (--time-column) to order "
                          "the rows by.")
    known = [*MODELS, *NETWORK_VARIANTS, *BASELINE_PACKAGES, *PEER_PACKAGES]
    check_blends(list(models), known)
    unknown = [m for m in models if m not in known and not is_blend(m)]
    if unknown:
        from findeep.models.text_network import TEXT_MODELS

        text = [m for m in unknown if m in TEXT_MODELS]
        hint = (f" ({', '.join(text)}: a text model, benchmarked by 'findeep text benchmark')"
                if text else did_you_mean(unknown[0], known))
        raise ConfigError(f"unknown model(s) {', '.join(unknown)}; choose from "
                          f"{', '.join(known)}.{hint}")
    check_peers_installed(with_blend_parts(list(models)))


@dataclass
class _BenchmarkTable:
    """The rows every model sees: features, target (raw and encoded), clock, baseline inputs."""

    X: pd.DataFrame
    y: pd.Series
    y_codes: np.ndarray
    spec: TargetSpec
    times: pd.Series | None
    baseline_inputs: BaselineInputs
    seed: int
    date_columns: list[str]
    schema: Schema
    monotone: dict[str, int] | None = None
    special_values: dict[str, list[float]] | None = None
    # columns the whole table's schema leaves out, dropped before any model: name -> why
    left_out: dict[str, str] = field(default_factory=dict)
    groups: np.ndarray | None = None  # each row's group code (--group-column), if any
    sample: RowSample | None = None  # max_rows: the rows kept out of the labelled ones

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, target: str, *, task: str,
                   time_column: str | None, seed: int,
                   group_column: str | None = None, max_rows: int | None = None,
                   min_per_class: int = 0) -> _BenchmarkTable:
        """Rows without a target dropped (warned); more than ``max_rows`` left: a seeded
        sample of them (``data.row_sample``: a class keeps at least ``min_per_class`` rows,
        or all it has); the time column is the clock and the group
        column the folds' unit, neither a feature; the columns the whole table's schema
        leaves out dropped (warned)."""
        y_all = locate_target(frame, target)
        keep = y_all.notna().to_numpy()
        if not keep.all():  # the words of `findeep train`
            warnings.warn(f"{int((~keep).sum())} row(s) without a target were left out.",
                          FindeepWarning, stacklevel=3)
        frame, y_all = frame.loc[keep].reset_index(drop=True), y_all[keep].reset_index(drop=True)
        spec = infer_target(y_all, target, task, warn=True)
        groups = group_codes(frame, group_column, target) if group_column else None
        X = frame.drop(columns=[c for c in (target, time_column) if c]
                       + group_identifier_columns(frame, group_column))
        with warnings.catch_warnings():  # the whole table's: a sample's row numbers have gaps
            warnings.simplefilter("ignore")
            schema = infer_schema(X, warn=False)
        sample = sample_rows(len(frame), max_rows, seed=seed, groups=groups,
                             labels=None if spec.task == "regression" else y_all,
                             min_per_class=min_per_class)
        if sample is not None:
            frame, X = (part.iloc[sample.positions].reset_index(drop=True) for part in (frame, X))
            y_all = y_all.iloc[sample.positions].reset_index(drop=True)
            groups = None if groups is None else groups[sample.positions]
        times = time_values(frame, time_column) if time_column else None
        left_out = _left_out(schema)
        if left_out:
            # the networks re-read each fold's training rows, where a row number's steps are
            # no longer 1: dropped here, no model can use what the baselines never see
            X = X.drop(columns=list(left_out))
            warnings.warn("left out of every model: " + "; ".join(
                f"'{name}' ({why})" for name, why in left_out.items()) + ".",
                FindeepWarning, stacklevel=3)
        return cls(X, y_all, spec.encode(y_all), spec, times, prepare_baseline_inputs(X, schema),
                   seed, schema.names_of("datetime"), schema, left_out=left_out, groups=groups,
                   sample=sample)

    def empty_in(self, rows: np.ndarray) -> list[str]:
        """Feature columns with no value among ``rows`` (a field filled only later)."""
        return [str(c) for c in self.X.columns if self.X[c].iloc[rows].isna().all()]

    def fit_and_predict(self, model: str, train: np.ndarray, test: np.ndarray, *,
                        warm_up: bool = False, without: list[str] | tuple[str, ...] = (),
                        ) -> tuple[np.ndarray, float, float]:
        """Held-out predictions, fit seconds and scoring seconds of one model on one fold
        (``warm_up``: one network, which pays the start-up costs as well as a bag would;
        ``without``: columns left out of this fold for every model)."""
        X = self.X.drop(columns=list(without)) if without else self.X
        monotone = ({k: v for k, v in self.monotone.items() if k not in without}
                    if self.monotone else None) or None
        special_values = ({k: v for k, v in self.special_values.items() if k not in without}
                          if self.special_values else None) or None
        started = time.perf_counter()
        if model in MODELS or model in NETWORK_VARIANTS:
            architecture, options = NETWORK_VARIANTS.get(model, (model, {}))
            options = {**options, **({"monotone": monotone} if monotone else {})}
            if warm_up:  # one network: an option that needs a bag is left to the folds
                options.pop("additive", None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pipeline = fit_tabular(
                    X.iloc[train], self.y.iloc[train], task=self.spec.task,
                    model=architecture, seed=self.seed, verbose=0,
                    **({"bagging": 1} if warm_up else {}),
                    times=None if self.times is None else self.times.iloc[train],
                    groups=None if self.groups is None else self.groups[train],
                    model_options=options or None, special_values=special_values,
                    screen_leaks=False)  # the table was screened once, before any fit
            fit_seconds = time.perf_counter() - started
            started = time.perf_counter()
            prediction, _ = pipeline.predict_raw(X.iloc[test])
        else:
            inputs = (without_columns(self.baseline_inputs, without) if without
                      else self.baseline_inputs)
            estimator = make_baseline(  # fitted on the class codes: directions turn with them
                model, self.spec.task, inputs, self.seed,
                monotone=monotone and {k: v * self.spec.code_sign for k, v in monotone.items()})
            grouped = ({"groups": self.groups[train]}  # a peer's own early-stopping rows
                       if self.groups is not None and model in PEER_PACKAGES else {})
            estimator.fit(inputs.frame.iloc[train], self.y_codes[train], **grouped)
            fit_seconds = time.perf_counter() - started
            started = time.perf_counter()
            test_inputs = inputs.frame.iloc[test]
            if self.spec.task == "regression":
                prediction = estimator.predict(test_inputs)
            else:
                proba = estimator.predict_proba(test_inputs)
                prediction = proba[:, 1] if self.spec.task == "binary" else proba
        return np.asarray(prediction), fit_seconds, time.perf_counter() - started


def _left_out(schema: Schema) -> dict[str, str]:
    """The columns no model reads, from the whole table's schema, each with why."""
    why = {"id": "it looks like an identifier: a row number or unique key",
           "constant": "it holds a single value",
           "text": "it holds free text, which the tabular models do not read"}
    return {c.name: why[c.kind] for c in schema.columns if c.kind in why}


def _run_folds(table: _BenchmarkTable, folds: list[tuple[np.ndarray, np.ndarray]],
               result: BenchmarkResult, verbose: int) -> None:
    """One untimed warm-up fit per model, then every model on every fold, into ``result``."""
    from rich.console import Console
    from rich.progress import Progress

    # every fold's left-out columns are known (and a fold with none left refused) first
    withouts = [_fold_without(table, fold, len(folds), train, result)
                for fold, (train, _) in enumerate(folds)]
    if verbose:
        long_work_starts()
    with Progress(console=Console(file=sys.stderr), transient=True,
                  disable=not verbose) as progress:
        warm_rows = _warm_up_rows(folds[0][0], table.y_codes, table.spec.task, table.seed)
        bar = progress.add_task("benchmark", total=len(folds) * len(result.models))
        # untimed and unscored: a column empty in the small sample is quietly left out
        warm_without = table.empty_in(warm_rows) if warm_rows is not None else []
        if len(warm_without) == len(table.X.columns):
            warm_rows = None
        for model in result.models if warm_rows is not None else ():
            if is_blend(model):  # nothing of its own to fit
                continue
            progress.update(bar, description=f"warm-up: {model}")
            table.fit_and_predict(model, warm_rows, warm_rows, warm_up=True,
                                  without=warm_without)
        for fold, (train, test) in enumerate(folds):
            result.test_rows.append(test)
            without = withouts[fold]
            seconds: dict[str, tuple[float, float]] = {}  # this fold's fit and scoring time
            for model in result.models:
                progress.update(bar, description=f"fold {fold + 1}/{len(folds)}: {model}")
                if is_blend(model):  # its parts' predictions on this fold, averaged
                    parts = blend_parts(model)
                    prediction = blend_prediction(
                        table.spec.task, [result.predictions[p][-1] for p in parts])
                    fit_seconds, score_seconds = (sum(seconds[p][i] for p in parts)
                                                  for i in (0, 1))
                else:
                    prediction, fit_seconds, score_seconds = table.fit_and_predict(
                        model, train, test, without=without)
                seconds[model] = (fit_seconds, score_seconds)
                metrics = _score(table.spec, table.y_codes[test], prediction)
                result.predictions.setdefault(model, []).append(prediction)
                result.folds.append({
                    "fold": fold, "model": model, **metrics, "fit_seconds": fit_seconds,
                    "score_rows_per_second": len(test) / max(score_seconds, 1e-9)})
                progress.advance(bar)


def _fold_without(table: _BenchmarkTable, fold: int, n_folds: int, train: np.ndarray,
                  result: BenchmarkResult) -> list[str]:
    """The columns with no value among this fold's training rows: no model could learn from
    them, so every model fits this fold without them, said in a warning and the notes."""
    without = table.empty_in(train)
    if not without:
        return []
    names = ", ".join(f"'{c}'" for c in without)
    if len(without) == len(table.X.columns):
        raise DataError(f"fold {fold + 1} of {n_folds}: its {len(train):,} training rows have "
                        f"no value in any feature column ({names}); use fewer walk-forward "
                        "folds, so that the first trains on a longer period.")
    note = (f"fold {fold + 1} of {n_folds}: column(s) {names} have no value among its "
            f"{len(train):,} training rows (filled only later), so every model fits that fold "
            "without them; fewer walk-forward folds give the first fold a longer period.")
    warnings.warn(note, FindeepWarning, stacklevel=4)
    result.notes.append(note)
    return without


def _warm_up_rows(train: np.ndarray, y_codes: np.ndarray, task: str, seed: int,
                  n_rows: int = 256) -> np.ndarray | None:
    """A small sample of training rows for one untimed fit per model before the folds.

    The first fit in a process pays one-time start-up costs (torch loads its compiler stack
    when the first optimizer is built: ~1.5 s here) that would otherwise be billed to
    whichever model runs first. None when the sample would miss a class.
    """
    rows = np.random.default_rng(seed).permutation(train)[:n_rows]
    if task != "regression" and len(np.unique(y_codes[rows])) < len(np.unique(y_codes[train])):
        return None
    return rows


def _score(spec: TargetSpec, y_codes: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    if spec.task == "binary":
        p_event = prediction if spec.event_index == 1 else 1.0 - prediction
        m = binary_metrics(y_codes == spec.event_index, p_event)
    elif spec.task == "multiclass":
        m = multiclass_metrics(y_codes, prediction)
    else:
        m = regression_metrics(y_codes, prediction)
    return {k: m[k] for k in FOLD_METRICS[spec.task] if k in m}
