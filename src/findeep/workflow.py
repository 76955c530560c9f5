"""The CLI's jobs as library calls: train + evaluate + save, evaluate, predict, demo.

Each job checks its outputs can be written before doing any work, and writes them
atomically, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from findeep import json_text
from findeep.bundle import check_writable
from findeep.data.column_drop import drop_columns
from findeep.data.io import (
    TableLike,
    check_output,
    ids_as_written,
    read_table,
    unnamed_columns,
    warn_empty_rows,
    write_table,
    written_as,
)
from findeep.data.leakage import columns_alone, suspects_message
from findeep.data.number_text import numbers_of
from findeep.data.row_weights import check_weight_column, weight_values
from findeep.data.schema import (
    FindeepWarning,
    infer_column_kind,
    infer_schema,
    stray_non_numbers_message,
)
from findeep.data.sentinels import suggest_special_values
from findeep.data.splits import (
    GROUP_AND_TIME,
    check_split_sizes,
    check_test_classes_trained,
    check_training_rows,
    group_codes,
    group_identifier_columns,
    rows_dated_by,
    split_grouped,
    split_out_of_time,
    split_random,
    time_values,
    warn_if_dated,
    warn_if_shared_identifiers,
)
from findeep.data.target import infer_target, locate_target
from findeep.errors import (
    BundleError,
    ConfigError,
    DataError,
    FindeepError,
    TargetError,
    did_you_mean,
)
from findeep.estimators import TabularClassifier, TabularRegressor
from findeep.evaluate.intervals import check_level, check_method, interval_metrics
from findeep.evaluate.metrics import check_threshold
from findeep.features.tabular import date_part_names
from findeep.output_paths import write_text_atomic
from findeep.pipeline import (
    TabularPipeline,
    check_features,
    decision_threshold,
    other_kind_hint,
    parse_monotone,
    score_table,
)
from findeep.text.routing import (
    inferred_text_columns,
    one_text_column,
    refuse_tabular_options,
    text_benchmark_models,
    text_model_for,
)


def write_json_atomic(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    write_text_atomic(path, json_text.dumps(document) + "\n")


def _resolve_target(data: TableLike, target: str | None) -> str:
    if target:
        return target
    if isinstance(data, str) and data.startswith("sample:"):
        from findeep.data.samples import load_sample

        return load_sample(data.removeprefix("sample:")).target
    raise ConfigError("--target is required: name the column to predict.")


def split_rows(frame: pd.DataFrame, y: pd.Series, *, task: str, time_column: str | None,
              test_fraction: float, seed: int, event_class: Any = None,
              group_column: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Train/test positions: out-of-time when ``time_column`` is set, else random; with
    ``group_column``, each of its values' rows (a customer's) on one side."""
    # a bad target (or --event-class) fails before any warning
    spec = infer_target(y.dropna(), str(y.name), task, event_class=event_class)
    classification = spec.task != "regression"
    codes = spec.encode(y) if classification else y.to_numpy()
    check_split_sizes(len(y), test_fraction)
    if time_column:
        train, test = split_out_of_time(time_values(frame, time_column),
                                        test_fraction=test_fraction)
        name = f"out-of-time on {time_column}"
    else:
        dated = [str(c) for c in frame.columns
                 if c != y.name and infer_column_kind(str(c), frame[c]) == "datetime"]
        warn_if_dated(frame, dated)
        name = "stratified random" if classification else "random"
        if group_column:
            train, test = split_grouped(codes, group_codes(frame, group_column, str(y.name)),
                                        test_fraction=test_fraction, seed=seed,
                                        stratify=classification, group_column=group_column)
            name += f", grouped by '{group_column}'"
        else:
            warn_if_shared_identifiers(frame.drop(columns=[y.name]))
            train, test = split_random(codes, test_fraction=test_fraction, seed=seed,
                                       stratify=classification)
    if classification:
        labels = np.asarray(spec.classes, dtype=object)[codes]
        check_test_classes_trained(labels, train, test, spec.name)
        _check_test_holds_every_class(labels, test, spec.name, out_of_time=bool(time_column))
    return train, test, name


def _check_test_holds_every_class(labels: np.ndarray, test: np.ndarray, target: str, *,
                                  out_of_time: bool) -> None:
    """A class with no test row leaves the evaluation without it: a binary model reads
    accuracy 1.0 and has no AUC. Refused for a random split (the class is too rare to split:
    '8' with 1 row of 3,000); said for an out-of-time one, whose latest rows may hold none."""
    values, counts = np.unique(labels, return_counts=True)
    absent = [v for v in values.tolist() if v not in set(labels[test].tolist())]
    if not absent:
        return
    count = dict(zip(values.tolist(), counts.tolist(), strict=True))
    named = ", ".join(f"{label!r} ({count[label]} row(s) in all)" for label in absent[:5])
    if not out_of_time:
        raise TargetError(
            f"target '{target}': class(es) {named} have no row in the test split, so the "
            "evaluation could not score them (a binary model would read accuracy 1.0 with no "
            "AUC); give every class at least 2 rows, or drop or merge the rare ones.")
    warnings.warn(f"target '{target}': the out-of-time test rows hold no row of class(es) "
                  f"{named}; metrics that need every class (AUC, KS) cannot be measured on "
                  "them.", FindeepWarning, stacklevel=3)


def train_and_evaluate(
    data: TableLike, *, target: str | None, out: str | os.PathLike[str], task: str = "auto",
    time_column: str | None = None, test_fraction: float = 0.2, model: str = "default",
    seed: int = 0, device: str = "auto", force: bool = False, verbose: int = 1,
    class_weight: str | None = None, train_options: dict[str, Any] | None = None,
    compared_with: dict[str, Any] | None = None, scaling: str | None = None,
    loss: str | None = None, interval: float = 0.9, interval_method: str = "split-conformal",
    text_columns: list[str] | None = None, event_class: Any = None,
    group_column: str | None = None, drop: list[str] | None = None,
) -> dict[str, Any]:
    """Split, fit on the training rows, evaluate on the held-out rows, save a bundle.

    ``drop`` names columns left out before anything reads the table (``data.column_drop``:
    a leak, an attribute the decision may not use); the bundle and report record them. The
    fit screens each input column alone against the target on the training rows
    (``data.leakage``): one that predicts it almost perfectly is named in a warning.

    ``group_column`` (a customer, an applicant, an account) keeps each of its values' rows on
    one side of the test split, so the test metrics are for customers the model never saw;
    it is no input of the model, and the network's early-stopping split and bagging folds
    inside the training rows keep each customer together too.

    ``event_class`` names a binary target's event where the labels would choose another
    (``data.target.infer_target``).

    A table with a free-text column (inferred, or named by ``text_columns``), or a text
    ``model``, is trained by the text application instead (``findeep.text.routing``); its
    report then has ``"kind": "text"``.

    A regression also stores conformal intervals at level ``interval`` (any level can be
    asked for at prediction time) and reports their coverage on the test rows:
    split-conformal, or CQR (``interval_method="cqr"``, a quantile network for that level).

    ``compared_with`` (model name -> test metrics on the same split) is stored beside the
    model's own metrics, so a bundle remembers what it was measured against.
    """
    out = check_writable(out, force=force)
    check_level(interval)
    check_method(interval_method)
    _refuse_monotone_clock(train_options, time_column)
    if group_column is not None and time_column is not None:
        raise ConfigError(GROUP_AND_TIME)
    target = _resolve_target(data, target)
    weight_column = (train_options or {}).get("weight_column")
    frame, dropped_columns = drop_columns(read_table(data), drop, roles=_column_roles(
        target=target, time_column=time_column, group_column=group_column,
        weight_column=weight_column))
    y = locate_target(frame, target)
    if target in (text_columns or []):
        texts = inferred_text_columns(frame.drop(columns=[target]))
        raise ConfigError(f"'{target}' is the target (--target); --text-columns names the "
                          "free-text column the model reads"
                          + (f", here --text-columns {texts[0]}." if texts else "."))
    text_model = text_model_for(frame.drop(columns=[target]), model=model,
                                text_columns=text_columns)
    if text_model is not None:
        refuse_tabular_options(group_column=group_column)
        return _train_text(frame, target=target, out=out, model=text_model,
                           text_columns=text_columns, task=task, test_fraction=test_fraction,
                           seed=seed, force=force, verbose=verbose,
                           train_options={**(train_options or {}), "class_weight": class_weight},
                           time_column=time_column, event_class=event_class,
                           scaling=scaling, loss=loss, interval_method=interval_method)
    has_label = y.notna().to_numpy()
    dropped = int((~has_label).sum())
    if dropped:
        frame, y = frame.loc[has_label].reset_index(drop=True), y[has_label].reset_index(drop=True)
    check_training_rows(len(frame), target)
    row_weights = _row_weights_from(frame, weight_column, target, time_column)
    groups = None if group_column is None else group_codes(frame, group_column, target)
    features = frame.drop(columns=[target, *([weight_column] if weight_column else []),
                                   *group_identifier_columns(frame, group_column)])
    # validate every column up front, so a bad table fails with one line before any warning
    check_features(features)
    infer_schema(features.drop(columns=[time_column] if time_column in features else []),
                 warn=False, numeric_columns=(train_options or {}).get("numeric_columns"))
    train, test, split_name = split_rows(frame, y, task=task, time_column=time_column,
                                         test_fraction=test_fraction, seed=seed,
                                         event_class=event_class, group_column=group_column)
    unnamed = unnamed_columns(features)
    if unnamed:  # after every check, so a refused table still gets one line
        warnings.warn(f"{len(unnamed)} column(s) have no name in the header; they are read "
                      f"as {', '.join(repr(u) for u in unnamed)}, and a model trained on them "
                      "will ask for those names.", FindeepWarning, stacklevel=2)
    times = None
    if time_column:
        times = time_values(frame, time_column).iloc[train]
        features = features.drop(columns=[time_column])  # the split's clock is not a feature
    estimator = _make_estimator(y, task, model=model, seed=seed, device=device,
                                verbose=verbose, class_weight=class_weight,
                                event_class=event_class,
                                train_options={**{k: v for k, v in (train_options or {}).items()
                                                  if k != "weight_column"},
                                               "scaling": scaling, "loss": loss,
                                               "interval": interval,
                                               "interval_method": interval_method})
    estimator.fit(features.iloc[train], y.iloc[train], times=times,
                  sample_weight=None if row_weights is None else row_weights[train],
                  groups=None if groups is None else groups[train])
    pipeline = estimator.pipeline_
    if weight_column:
        pipeline.training["weight_column"] = weight_column  # a loss weight, not a feature
    # the rows left out here, before the split, not the fit's own (none reach it): the
    # bundle's training record and its metrics then agree
    pipeline.training["dropped_missing_target"] = dropped
    if dropped_columns:  # left out by the user: the card names them beside the ids
        pipeline.training["dropped_columns"] = dropped_columns
    if time_column:
        pipeline.training["time_column"] = time_column  # `evaluate` checks later data by it
    if group_column:
        pipeline.training["group_column"] = group_column  # the test split's unit
    test_metrics = pipeline.evaluate(features.iloc[test], y.iloc[test])
    if pipeline.intervals is not None:
        pipeline.intervals.level = interval
        _, lower, upper = pipeline.predict_interval(features.iloc[test], interval)
        labelled = y.iloc[test].notna().to_numpy()
        test_metrics |= {"interval_level": interval, "interval_method": pipeline.intervals.method,
                         **interval_metrics(
            y.iloc[test].to_numpy(dtype=float)[labelled], lower[labelled], upper[labelled])}
    report = {
        "data": str(data), "target": target, "model": model, "task": pipeline.task,
        "split": split_name, "test_fraction": test_fraction, "seed": seed,
        "dropped_missing_target": dropped,
        **({"dropped_columns": dropped_columns} if dropped_columns else {}),
        "test": test_metrics,
        "training": {k: v for k, v in pipeline.training.items() if k != "history"},
    }
    given = pipeline.preprocessor.special_values
    advice = [s.advice() for s in suggest_special_values(features.iloc[train], pipeline.schema)
              if s.column not in given]  # advice only: nothing is applied unless named
    if advice:
        report["special_value_advice"] = advice
    if compared_with:
        report["compared_with"] = compared_with
    if pipeline.task == "binary":
        report["event_class"] = pipeline.target.event_class
        report["calibration_curve"] = test_metrics.pop("calibration_curve")
        report["gains_table"] = test_metrics.pop("gains_table", [])  # none: one class in test
    report["bundle"] = str(estimator.save(out, force=force, metrics=report))
    return report


def _row_weights_from(frame: pd.DataFrame, column: str | None, target: str,
                      time_column: str | None) -> np.ndarray | None:
    """``--weight-column``'s numbers, one per row, or one sentence naming the column."""
    if column is None:
        return None
    check_weight_column(column, frame.columns, target, time_column)
    return weight_values(frame[column], column)


def _refuse_monotone_clock(train_options: dict[str, Any] | None,
                           time_column: str | None) -> None:
    """A monotone constraint on the --time-column (or one of its date parts) in one line:
    the split's clock is dropped before fitting, so no input of the model carries it."""
    wanted = ((train_options or {}).get("model_options") or {}).get("monotone") or {}
    if not time_column:
        return
    if isinstance(wanted, str):
        wanted = parse_monotone(wanted)
    clock = [name for name in wanted
             if name in (time_column, *date_part_names([time_column]))]
    if clock:
        raise ConfigError(f"cannot constrain '{clock[0]}': '{time_column}' is the "
                          "--time-column, which orders the out-of-time split and is not an "
                          "input of the model.")


def _train_text(frame: pd.DataFrame, *, target: str, out: Path, model: str,
                text_columns: list[str] | None, task: str, test_fraction: float, seed: int,
                force: bool, verbose: int, train_options: dict[str, Any],
                time_column: str | None, scaling: str | None, loss: str | None,
                interval_method: str, event_class: Any = None) -> dict[str, Any]:
    """``train_and_evaluate`` for a text table: the text application's own job."""
    from findeep.text.jobs import train_text_job

    model_options = dict(train_options.get("model_options") or {})
    refuse_tabular_options(
        time_column=time_column, scaling=scaling, loss=loss,
        monotone=model_options.pop("monotone", None),
        special_values=train_options.get("special_values"),
        numeric_columns=train_options.get("numeric_columns"),
        weight_column=train_options.get("weight_column"),
        bagging=None if str(train_options.get("bagging", "auto")) in ("1", "auto") else
        train_options["bagging"],
        interval_method=None if interval_method == "split-conformal" else interval_method)
    fit_options = {k: train_options.get(k) for k in
                   ("max_epochs", "batch_size", "learning_rate", "weight_decay", "patience",
                    "class_weight", "calibrate")}
    report = train_text_job(frame, target=target, out=out, model=model,
                            text_column=one_text_column(text_columns), task=task,
                            test_fraction=test_fraction, seed=seed, force=force,
                            verbose=verbose, model_options=model_options or None,
                            train_options=fit_options, event_class=event_class,
                            row_sketch=bool(train_options.get("row_sketch", True)))
    return {"kind": "text", "model": model, **report}


def _make_estimator(y: pd.Series, task: str, *, model: str, seed: int,
                    device: str, verbose: int, class_weight: str | None,
                    train_options: dict[str, Any], event_class: Any = None,
                    ) -> TabularClassifier | TabularRegressor:
    spec = infer_target(y, str(y.name), task, event_class=event_class)
    cls = TabularRegressor if spec.task == "regression" else TabularClassifier
    options = {k: v for k, v in train_options.items() if v is not None}
    if event_class is not None:  # checked above: a classifier's
        options["event_class"] = event_class
    # a classifier tells binary from multiclass by itself, from the labels
    return cls(model=model, random_state=seed, device=device, verbose=verbose,
               class_weight=class_weight, **options)


def evaluate_bundle(bundle: str | os.PathLike[str], data: TableLike, *, bands: int = 10,
                    threshold: float = 0.5) -> dict[str, Any]:
    """Metrics of a saved model on labelled data (binary: with a ``bands``-band gains table
    and the threshold metrics at ``threshold``)."""
    from findeep.loading import load

    check_threshold(threshold)
    return evaluate_frame(tabular_pipeline(load(bundle), bundle), read_table(data),
                          bands=bands, threshold=threshold)


def tabular_pipeline(estimator: Any, bundle: str | os.PathLike[str]) -> TabularPipeline:
    """The tabular pipeline of a loaded bundle, or a ``BundleError`` that names the commands
    which read the kind of model it holds instead."""
    pipeline = getattr(estimator, "pipeline_", None)
    if pipeline is None:
        kind = {"SequenceForecaster": "forecast", "NextProductRecommender": "recommend",
                "HestonSurrogate": "pricing"}.get(type(estimator).__name__)
        raise BundleError(f"'{bundle}' holds a {type(estimator).__name__}, not a tabular "
                          f"model{other_kind_hint(kind)}.")
    return pipeline


def evaluate_frame(pipeline: TabularPipeline, frame: pd.DataFrame, *, bands: int = 10,
                   threshold: float = 0.5, prediction: np.ndarray | None = None,
                   ) -> dict[str, Any]:
    """``evaluate_bundle`` on a loaded pipeline and a read table (``prediction``: the
    labelled rows already scored, as ``TabularPipeline.evaluate`` takes it)."""
    target = pipeline.target.name
    if target not in frame.columns:
        raise DataError(f"the data has no target column '{target}' to evaluate against."
                        + did_you_mean(target, map(str, frame.columns)))
    result = pipeline.evaluate(frame.drop(columns=[target]), frame[target], bands=bands,
                               threshold=threshold, prediction=prediction)
    column, last = pipeline.training.get("time_column"), pipeline.training.get("last_time")
    dated = None if column is None or last is None else rows_dated_by(frame, column, last)
    if dated is not None:
        result["rows_dated_in_training_period"] = dated
        if dated:
            warnings.warn(
                f"{dated:,} of {len(frame):,} rows are dated on or before {last} ({column}), the "
                "last date the model was trained on: this is not an out-of-time test; keep "
                "only later rows for one.", FindeepWarning, stacklevel=2)
    if pipeline.task == "binary":
        result["event_class"] = pipeline.target.event_class
    return {"task": pipeline.task, **result}


def predict_bundle(bundle: str | os.PathLike[str], data: TableLike,
                   out: str | os.PathLike[str], *, id_column: str | None = None,
                   force: bool = False, threshold: float | None = None,
                   interval: float | None = None) -> dict[str, Any]:
    """Score every row of ``data``; write a CSV/Parquet with one row per input row.

    A regression with ``interval`` (e.g. 0.9) also writes ``lower`` and ``upper``: a
    conformal interval meant to hold the true value with that probability.

    A binary model predicts its event class where the event probability is at or above
    ``threshold``.
    """
    from findeep.loading import load

    check_output(out, force=force)
    if threshold is not None:
        check_threshold(threshold)
    if interval is not None:
        check_level(interval)
    pipeline = tabular_pipeline(load(bundle), bundle)
    threshold = decision_threshold(pipeline, threshold)
    if interval is not None and (pipeline.task != "regression" or pipeline.intervals is None):
        raise ConfigError("--interval applies to regression models (trained by this findeep "
                          "version); this one is not.")
    frame = read_table(data, as_text=pipeline.ids_as_text(id_column))
    if id_column is not None and id_column not in frame.columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, map(str, frame.columns)))
    warn_empty_rows(frame, data)
    prediction, report = pipeline.predict_raw(frame)
    shown = frame if id_column is None else frame.assign(
        **{id_column: ids_as_written(data, frame, id_column)})  # ids as the file writes them
    scores = score_table(pipeline, shown, prediction, id_column, threshold)
    if interval is not None and pipeline.intervals is not None:
        scores["lower"], scores["upper"] = pipeline.interval_ends(frame, prediction, interval)
        if message := pipeline.negative_lower_message(scores["lower"].to_numpy()):
            warnings.warn(message, FindeepWarning, stacklevel=2)
    write_table(scores, out, force=force, like=data)  # a spreadsheet's dialect kept
    # unseen levels and missing values (in columns that had none in training) are counted
    # apart; empty and off-scale columns were warned about while scoring
    return {"rows": len(scores), "written_as": written_as(out, data),
            "unseen_categories": report.unseen_categories,
            "missing_categories": report.missing_categories,
            "empty_columns": report.empty_columns}


def run_demo(out: str | os.PathLike[str], *, seed: int = 0, force: bool = False,
             verbose: int = 1, folds: int = 5) -> dict[str, Any]:
    """seed-mlp and default on the credit sample: one held-out split, then the same folds.

    One 891-row test split moves AUC by about ±0.01 between seeds, so the demo also runs
    every model on the same ``folds`` folds (with logistic regression and LightGBM when
    installed) and reports mean ± std and the paired difference: the honest comparison.
    Saves the default model trained on the held-out split's training rows.
    """
    from findeep.benchmark import run_benchmark
    from findeep.evaluate.baselines import available

    out = check_writable(out, force=force)
    results: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's quirks are known
        with tempfile.TemporaryDirectory() as scratch:
            for model in ("seed-mlp", "default"):
                target = out if model == "default" else Path(scratch) / model
                results[model] = train_and_evaluate(
                    "sample:credit", target=None, out=target, model=model, seed=seed,
                    force=force, verbose=verbose,
                    compared_with={name: r["test"] for name, r in results.items()})
        models = ["default", "seed-mlp"] + [m for m in ("logreg", "lightgbm") if available(m)]
        frame = read_table("sample:credit")
        cross_validation = run_benchmark(frame, "Status", models=models, n_folds=folds,
                                         seed=seed, reference="seed-mlp", verbose=verbose)
    return {"models": results, "bundle": str(out),
            "cross_validation": {"data": "sample:credit", **cross_validation.to_dict()}}


def benchmark_table(data: TableLike, *, target: str | None, folds: int = 5, seed: int = 0,
                    models: list[str] | None = None, task: str = "auto",
                    time_column: str | None = None, walk_forward: bool = False,
                    verbose: int = 1, monotone: dict[str, int] | None = None,
                    special_values: dict[str, list[float]] | str | None = None,
                    text_columns: list[str] | None = None, max_epochs: int | None = None,
                    group_column: str | None = None,
                    max_rows: int | None = None,
                    drop: list[str] | None = None) -> dict[str, Any]:
    """Run ``run_benchmark`` on a table named like every other command's DATA; a text table
    (``findeep.text.routing``) runs the text benchmark: TF-IDF+LR beside the text networks
    on the same folds (``max_epochs`` caps the networks there). ``max_rows``: a taller
    table is compared on a seeded sample of about that many labelled rows. ``drop``: columns
    left out of every model (``data.column_drop``), said in the notes."""
    from findeep.data.row_sample import check_max_rows

    check_max_rows(max_rows)
    from findeep.benchmark import DEFAULT_MODELS, run_benchmark

    if max_epochs is not None and (isinstance(max_epochs, bool) or not isinstance(max_epochs, int)
                                   or max_epochs < 1):
        raise ConfigError(f"max_epochs (--max-epochs) must be a positive integer, however: "
                          f"{max_epochs!r}")
    target = _resolve_target(data, target)
    frame, dropped = drop_columns(read_table(data), drop, roles=_column_roles(
        target=target, time_column=time_column, group_column=group_column))
    models = list(DEFAULT_MODELS) if models is None else models  # [] is refused, not defaulted
    text_models = text_benchmark_models(
        frame.drop(columns=[target]) if target in frame.columns else frame,
        models=models, tabular_defaults=DEFAULT_MODELS, text_columns=text_columns)
    if text_models is not None:
        from findeep.text.benchmark import run_text_benchmark

        refuse_tabular_options(time_column=time_column, walk_forward=walk_forward,
                               monotone=monotone, special_values=special_values,
                               group_column=group_column)
        text_result = run_text_benchmark(
            frame, target, models=text_models, text_column=one_text_column(text_columns),
            n_folds=folds, seed=seed, task=task, verbose=verbose,
            train_options={"max_epochs": max_epochs} if max_epochs else None,
            max_rows=max_rows)
        return {"kind": "text", "data": str(data), "target": target, "seed": seed,
                "n_folds": folds, **text_result, **_dropped_record(dropped, text_result)}
    if max_epochs is not None:
        raise ConfigError("--max-epochs caps the text networks of a table with a free-text "
                          "column; a tabular benchmark runs each model's defaults, which stop "
                          "early on their own.")
    result = run_benchmark(frame, target, models=models, n_folds=folds,
                           seed=seed, task=task, time_column=time_column,
                           walk_forward=walk_forward, verbose=verbose, monotone=monotone,
                           special_values=special_values, group_column=group_column,
                           max_rows=max_rows)
    summary = {"data": str(data), "target": target, "seed": seed, **result.to_dict()}
    summary |= _dropped_record(dropped, summary)
    if group_column:
        summary["group_column"] = group_column
    if monotone:
        summary["monotone"] = monotone
    if special_values:
        summary["special_values"] = special_values
    return summary


def _column_roles(*, target: str, time_column: str | None = None,
                  group_column: str | None = None,
                  weight_column: str | None = None) -> list[tuple[str, str | None]]:
    """The columns other options name, which ``--drop`` may not take from them (a group
    column may be several, joined by commas)."""
    groups = [] if group_column is None else [group_column, *group_column.split(",")]
    return [("target", target), ("--time-column", time_column),
            ("--weight-column", weight_column),
            *(("--group-column", name.strip()) for name in groups)]


def _dropped_record(dropped: list[str], result: dict[str, Any]) -> dict[str, Any]:
    """The ``dropped_columns`` a result records and the note saying so (empty: none)."""
    if not dropped:
        return {}
    note = f"left out of every model by --drop: {', '.join(dropped)}."
    return {"dropped_columns": dropped, "notes": [note, *result.get("notes", [])]}


def profile_table(data: TableLike, *, target: str | None = None,
                  ) -> tuple[pd.DataFrame, list[Any]]:
    """Per column: kind, share missing, min / median / max (numeric) and, with ``target``,
    how well it predicts the target alone (``data.leakage``: AUC out of fold, and a binary
    target's information value; a near-perfect column is warned about as a likely leak);
    then the special-code suggestions of ``data.sentinels`` for the numeric columns."""
    frame = read_table(data)
    if target is None and str(data).startswith("sample:"):
        target = _resolve_target(data, None)
    y = None
    if target is not None:
        y = locate_target(frame, target)  # a wrong name fails with a did-you-mean
        frame = frame.drop(columns=[target])
    # a column with no value at all is a finding here, not a refusal as in training
    empty = [name for name in frame.columns if frame[name].isna().all()]
    if empty:
        warnings.warn(f"column(s) {', '.join(repr(str(c)) for c in empty)} have no values at "
                      "all (every row is missing): training refuses them, so drop or fill "
                      "them first.", FindeepWarning, stacklevel=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = infer_schema(frame.drop(columns=empty), warn=False)
    for name in schema.names_of("numeric"):  # the command for finding data problems
        if message := stray_non_numbers_message(name, frame[name]):
            warnings.warn(message, FindeepWarning, stacklevel=2)
    warn_if_shared_identifiers(frame)  # several rows of one customer: say before training
    alone = {}
    if y is not None and y.notna().any():  # each column alone against the target: leaks
        try:
            task = infer_target(y.dropna(), target).task
        except FindeepError as error:  # a profile still profiles: the scores say why not
            warnings.warn(f"columns are not scored against '{target}': {error}",
                          FindeepWarning, stacklevel=2)
        else:  # scored on up to SCREEN_ROWS rows, as the report scores them
            found = columns_alone(frame, y, schema, task=task, text=True)
            if message := suspects_message(found):
                warnings.warn(message, FindeepWarning, stacklevel=2)
            alone = {c.column: c.label + (
                "" if c.information_value is None else f", IV {c.information_value:.2f}")
                for c in found}
    kinds = {column.name: column.kind for column in schema.columns}
    rows = []
    for name in frame.columns:
        values = frame[name]
        kind = kinds.get(name, "empty")
        row = {"column": name, "kind": kind,
               "missing": f"{values.isna().mean():.1%}", "min": "", "median": "", "max": ""}
        if kind == "numeric":
            numbers = pd.Series(numbers_of(values)).dropna()
            row["missing"] = f"{1 - len(numbers) / max(len(values), 1):.1%}"
            if not pd.api.types.is_numeric_dtype(values):  # "€1,200", "36.5%" read as numbers
                row["kind"] = "numeric (text)"
            if len(numbers):
                row |= {"min": f"{numbers.min():.6g}", "median": f"{numbers.median():.6g}",
                        "max": f"{numbers.max():.6g}"}
        if y is not None:
            row["vs target alone"] = alone.get(name, "")
        rows.append(row)
    return pd.DataFrame(rows), suggest_special_values(frame, schema)
