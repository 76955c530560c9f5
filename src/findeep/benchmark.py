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

from findeep.data.schema import Schema, infer_schema
from findeep.data.sentinels import check_special_values
from findeep.data.splits import (
    check_seed,
    check_test_classes_trained,
    split_out_of_time,
    time_values,
    walk_forward_splits,
    warn_if_dated,
)
from findeep.data.target import TargetSpec, infer_target, locate_target
from findeep.errors import ConfigError, TargetError, did_you_mean
from findeep.evaluate.baselines import (
    BASELINE_PACKAGES,
    BaselineInputs,
    available,
    make_baseline,
    prepare_baseline_inputs,
)
from findeep.evaluate.comparison import FOLD_METRICS, HIGHER_IS_BETTER, verdict
from findeep.evaluate.metrics import binary_metrics, multiclass_metrics, regression_metrics
from findeep.evaluate.peers import PEER_PACKAGES, check_peers_installed
from findeep.long_work import long_work_starts
from findeep.models.registry import MODELS
from findeep.pipeline import fit_tabular

__all__ = ["DEFAULT_MODELS", "FOLD_METRICS", "HIGHER_IS_BETTER", "BenchmarkResult",
           "run_benchmark", "verdict"]

DEFAULT_MODELS = ("default", "seed-mlp", "logreg", "lightgbm", "xgboost", "catboost")
# findeep's networks with an option on, compared as models of their own so that one run says
# whether the option helps on the user's table: name -> (architecture, model_options)
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

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean and std per model and metric, plus paired difference to the reference."""
        table = pd.DataFrame(self.folds)
        out: dict[str, dict[str, float]] = {}
        primary = FOLD_METRICS[self.task][0]
        for model in self.models:
            rows = table[table["model"] == model]
            if rows.empty:
                continue
            stats: dict[str, float] = {}
            for column in (*FOLD_METRICS[self.task], "fit_seconds", "score_rows_per_second"):
                values = rows[column].to_numpy(dtype=float)
                stats[f"{column}_mean"] = float(np.mean(values))
                stats[f"{column}_std"] = (
                    float(np.std(values, ddof=1)) if len(values) > 1 else float("nan"))
            stats["fit_seconds_total"] = float(rows["fit_seconds"].sum())
            if self.reference and model != self.reference:
                ref = table[table["model"] == self.reference].set_index("fold")[primary]
                mine = rows.set_index("fold")[primary]
                diff = (mine - ref.reindex(mine.index)).to_numpy(dtype=float)
                stats[f"{primary}_diff_vs_reference_mean"] = float(np.mean(diff))
                stats[f"{primary}_diff_vs_reference_std"] = (
                    float(np.std(diff, ddof=1)) if len(diff) > 1 else float("nan"))
            out[model] = stats
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "split": self.split, "rows": self.n_rows,
                "models": self.models, "skipped": self.skipped, "reference": self.reference,
                "summary": self.summary(), "folds": self.folds}


def _folds(y_codes: np.ndarray, task: str, n_folds: int, seed: int, times: pd.Series | None,
           walk_forward: bool) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
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
) -> BenchmarkResult:
    """Fit every model on the same folds of ``frame`` and score the held-out rows.

    Folds: ``n_folds`` stratified (random for regression); with ``time_column``, one
    out-of-time split (latest 20%), or with ``walk_forward`` too, ``n_folds`` expanding-window
    out-of-time folds — an honest split that still gives a spread over folds.
    ``monotone`` (column -> +1/-1) constrains findeep's networks and the gradient-boosting
    baselines alike, so the accuracy each family gives up for it is measured.
    ``special_values`` (column -> codes) makes those codes tokens in findeep's networks
    (the baselines see the raw numbers, which trees can split off by themselves).
    """
    _check_benchmark_options(models, n_folds, walk_forward, time_column)
    check_seed(seed)
    table = _BenchmarkTable.from_frame(frame, target, task=task, time_column=time_column,
                                       seed=seed)
    if monotone:
        numeric = set(table.baseline_inputs.numeric) - set(table.date_columns)
        for column in monotone:
            if column not in table.X.columns:
                raise ConfigError(f"cannot constrain '{column}': it is not a column of the "
                                  "data." + did_you_mean(column, map(str, table.X.columns)))
            if column not in numeric:
                raise ConfigError(f"monotone constraints apply to numeric columns; "
                                  f"'{column}' is not numeric.")
    table.monotone = monotone
    table.special_values = check_special_values(special_values, table.X, table.schema)
    if table.times is None:  # random folds of dated rows train on the future: say so
        warn_if_dated(table.X, table.date_columns)
    if table.spec.task != "regression" and table.times is None:
        largest = int(np.bincount(table.y_codes).max())
        if largest == 1:  # scikit-learn cannot stratify: say so in the user's terms
            raise TargetError(f"target '{target}' has a different value on every row, so "
                              "there are no classes to stratify folds on; if it is a "
                              "quantity, pass --task regression.")
        if largest < n_folds:
            raise TargetError(f"target '{target}': {n_folds} stratified folds need a class "
                              f"with at least {n_folds} rows, and the largest has {largest}; "
                              "use fewer folds (--n-folds) or a table with more rows.")
    folds, split_name = _folds(table.y_codes, table.spec.task, n_folds, seed, table.times,
                               walk_forward)
    if table.spec.task != "regression":  # a class no fold trains on cannot be scored
        for train, test in folds:
            check_test_classes_trained(table.y.to_numpy(), train, test, target)
    skipped = {m: f"{BASELINE_PACKAGES[m]} is not installed (pip install 'findeep[baselines]')"
               for m in models if m in BASELINE_PACKAGES and not available(m)}
    runnable = [m for m in models if m not in skipped]
    if reference is None:
        reference = next((m for m in ("lightgbm", "catboost", "xgboost", "logreg")
                          if m in runnable), None)
    result = BenchmarkResult(table.spec.task, split_name, len(table.X), runnable, skipped,
                             reference=reference)
    _run_folds(table, folds, result, verbose)
    return result


def _check_benchmark_options(models: tuple[str, ...] | list[str], n_folds: int,
                             walk_forward: bool, time_column: str | None) -> None:
    if n_folds < 2:
        raise ConfigError(f"n_folds must be at least 2, however: {n_folds=}")
    if walk_forward and not time_column:
        raise ConfigError("walk-forward folds need a time column (--time-column) to order "
                          "the rows by.")
    known = [*MODELS, *NETWORK_VARIANTS, *BASELINE_PACKAGES, *PEER_PACKAGES]
    unknown = [m for m in models if m not in known]
    if unknown:
        from findeep.models.text_network import TEXT_MODELS

        text = [m for m in unknown if m in TEXT_MODELS]
        hint = (f" ({', '.join(text)}: a text model, benchmarked by 'findeep text benchmark')"
                if text else did_you_mean(unknown[0], known))
        raise ConfigError(f"unknown model(s) {', '.join(unknown)}; choose from "
                          f"{', '.join(known)}.{hint}")
    check_peers_installed(models)


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

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, target: str, *, task: str,
                   time_column: str | None, seed: int) -> _BenchmarkTable:
        """Rows without a target dropped; the time column is the clock, not a feature."""
        y_all = locate_target(frame, target)
        keep = y_all.notna().to_numpy()
        frame, y_all = frame.loc[keep].reset_index(drop=True), y_all[keep].reset_index(drop=True)
        times = time_values(frame, time_column) if time_column else None
        X = frame.drop(columns=[c for c in (target, time_column) if c])
        spec = infer_target(y_all, target, task)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema = infer_schema(X, warn=False)
        return cls(X, y_all, spec.encode(y_all), spec, times, prepare_baseline_inputs(X, schema),
                   seed, schema.names_of("datetime"), schema)

    def fit_and_predict(self, model: str, train: np.ndarray, test: np.ndarray, *,
                        warm_up: bool = False) -> tuple[np.ndarray, float, float]:
        """Held-out predictions, fit seconds and scoring seconds of one model on one fold
        (``warm_up``: one network, which pays the start-up costs as well as a bag would)."""
        started = time.perf_counter()
        if model in MODELS or model in NETWORK_VARIANTS:
            architecture, options = NETWORK_VARIANTS.get(model, (model, {}))
            options = {**options, **({"monotone": self.monotone} if self.monotone else {})}
            if warm_up:  # one network: an option that needs a bag is left to the folds
                options.pop("additive", None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pipeline = fit_tabular(
                    self.X.iloc[train], self.y.iloc[train], task=self.spec.task,
                    model=architecture, seed=self.seed, verbose=0,
                    **({"bagging": 1} if warm_up else {}),
                    times=None if self.times is None else self.times.iloc[train],
                    model_options=options or None, special_values=self.special_values)
            fit_seconds = time.perf_counter() - started
            started = time.perf_counter()
            prediction, _ = pipeline.predict_raw(self.X.iloc[test])
        else:
            estimator = make_baseline(model, self.spec.task, self.baseline_inputs, self.seed,
                                      monotone=self.monotone)
            estimator.fit(self.baseline_inputs.frame.iloc[train], self.y_codes[train])
            fit_seconds = time.perf_counter() - started
            started = time.perf_counter()
            test_inputs = self.baseline_inputs.frame.iloc[test]
            if self.spec.task == "regression":
                prediction = estimator.predict(test_inputs)
            else:
                proba = estimator.predict_proba(test_inputs)
                prediction = proba[:, 1] if self.spec.task == "binary" else proba
        return np.asarray(prediction), fit_seconds, time.perf_counter() - started


def _run_folds(table: _BenchmarkTable, folds: list[tuple[np.ndarray, np.ndarray]],
               result: BenchmarkResult, verbose: int) -> None:
    """One untimed warm-up fit per model, then every model on every fold, into ``result``."""
    from rich.console import Console
    from rich.progress import Progress

    if verbose:
        long_work_starts()
    with Progress(console=Console(file=sys.stderr), transient=True,
                  disable=not verbose) as progress:
        warm_rows = _warm_up_rows(folds[0][0], table.y_codes, table.spec.task, table.seed)
        bar = progress.add_task("benchmark", total=len(folds) * len(result.models))
        for model in result.models if warm_rows is not None else ():
            progress.update(bar, description=f"warm-up: {model}")
            table.fit_and_predict(model, warm_rows, warm_rows, warm_up=True)
        for fold, (train, test) in enumerate(folds):
            result.test_rows.append(test)
            for model in result.models:
                progress.update(bar, description=f"fold {fold + 1}/{len(folds)}: {model}")
                prediction, fit_seconds, score_seconds = table.fit_and_predict(model, train, test)
                metrics = _score(table.spec, table.y_codes[test], prediction)
                result.predictions.setdefault(model, []).append(prediction)
                result.folds.append({
                    "fold": fold, "model": model, **metrics, "fit_seconds": fit_seconds,
                    "score_rows_per_second": len(test) / max(score_seconds, 1e-9)})
                progress.advance(bar)


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
