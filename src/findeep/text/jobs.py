"""``findeep text`` jobs as library calls: train + evaluate + save, evaluate, predict, explain."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from findeep.bundle import check_writable
from findeep.data.io import TableLike, check_output, read_table, write_table, written_as
from findeep.data.splits import (
    check_split_sizes,
    check_test_classes_trained,
    check_training_rows,
    split_random,
)
from findeep.data.target import infer_target, locate_target
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.evaluate.metrics import check_threshold
from findeep.pipeline import decision_threshold
from findeep.text.bundle import load_text_model, save_text_model
from findeep.text.pipeline import TextPipeline, fit_text


def train_text_job(data: TableLike, *, target: str, out: str | os.PathLike[str],
                   model: str = "text-cnn", text_column: str | None = None,
                   task: str = "auto", test_fraction: float = 0.2, seed: int = 0,
                   force: bool = False, verbose: int = 1,
                   model_options: dict[str, Any] | None = None,
                   train_options: dict[str, Any] | None = None,
                   row_sketch: bool = True, event_class: Any = None) -> dict[str, Any]:
    """Hold out ``test_fraction`` (stratified), train on the rest, evaluate, save
    (``row_sketch``: keep hashes of the training rows, as tabular bundles do)."""
    check_writable(out, force=force)
    frame = read_table(data)
    y = locate_target(frame, target)
    X = frame.drop(columns=[target])
    rows = np.flatnonzero(y.notna().to_numpy())  # rows without a target: not split, dropped
    check_training_rows(len(rows), target)
    check_split_sizes(len(rows), test_fraction)
    train_at, test_at = split_random(y.iloc[rows].astype(str).to_numpy(),
                                     test_fraction=test_fraction, seed=seed,
                                     stratify=task != "regression")
    if infer_target(y.iloc[rows], target, task, event_class=event_class).task != "regression":
        check_test_classes_trained(y.iloc[rows].astype(str).to_numpy(), train_at, test_at,
                                   target)
    train_rows, test_rows = rows[train_at], rows[test_at]
    pipeline = fit_text(X.iloc[train_rows], y.iloc[train_rows], model=model,
                        text_column=text_column, task=task, seed=seed, verbose=verbose,
                        model_options=model_options, row_sketch=row_sketch,
                        event_class=event_class,
                        **{k: v for k, v in (train_options or {}).items() if v is not None})
    metrics = pipeline.evaluate(X.iloc[test_rows], y.iloc[test_rows])
    pipeline.metrics = metrics
    path = save_text_model(pipeline, out, metrics=metrics, force=force)
    report = {"bundle": str(path), "task": pipeline.task, "metrics": metrics,
              "text_column": pipeline.text_column, "training": pipeline.training}
    if pipeline.task == "binary":  # the class whose probability scoring writes
        report["event_class"] = pipeline.target.event_class
    return report


def evaluate_text_job(bundle: str | os.PathLike[str], data: TableLike, *,
                      threshold: float = 0.5, bands: int = 10) -> dict[str, Any]:
    """Metrics of ``bundle`` on labelled ``data``, with the model's ``task``; a binary
    model's threshold metrics at ``threshold``, and its gains table in ``bands`` bands."""
    check_threshold(threshold)
    pipeline = load_text_model(bundle)
    frame = read_table(data)
    y = locate_target(frame, pipeline.target.name)
    result = {"task": pipeline.task, **pipeline.evaluate(
        frame.drop(columns=[pipeline.target.name]), y, threshold=threshold, bands=bands)}
    if pipeline.task == "binary":
        result["event_class"] = pipeline.target.event_class
    return result


def predict_text_job(bundle: str | os.PathLike[str], data: TableLike, *,
                     out: str | os.PathLike[str], force: bool = False,
                     threshold: float | None = None) -> dict[str, Any]:
    """Write ``data`` with ``prediction`` (the class, or the value) and, for classification,
    the probability of the event class (binary: ``probability_<event class>``, named in the
    report's ``event_class``) or of each class (multiclass: ``probability_<class>``). A
    binary model predicts its event class where that probability is at or above
    ``threshold`` (0.5 when not given)."""
    check_output(out, force=force)
    if threshold is not None:
        check_threshold(threshold)
    pipeline = load_text_model(bundle)
    cutoff = decision_threshold(pipeline, threshold)  # binary models only, as tabular ones
    frame = read_table(data)
    raw, inputs = pipeline.predict_raw(frame)
    result = frame.copy()
    result["prediction"] = pipeline.predict_labels(raw, cutoff)
    target = pipeline.target
    if pipeline.task == "multiclass":
        for j, name in enumerate(target.classes):
            result[probability_column(name)] = raw[:, j]
    elif pipeline.task == "binary":
        result[probability_column(target.event_class)] = pipeline.event_probability(raw)
    write_table(result, out, force=force, like=data)
    report: dict[str, Any] = {"rows": len(result), "out": str(out), "task": pipeline.task,
                              "written_as": written_as(out, data),
                              "target": target.name, "text": inputs.report.to_dict()}
    if pipeline.task == "binary":
        report |= {"event_class": target.event_class,
                   "probability_column": probability_column(target.event_class),
                   "threshold": cutoff}
    return report


def probability_column(label: Any) -> str:
    """The output column holding P(target = ``label``), named as tabular scoring names it
    (``findeep.pipeline.score_table``): ``probability_<class>``."""
    return f"probability_{label}"


def explain_text_job(bundle: str | os.PathLike[str], data: TableLike, *, rows: int | None = 5,
                     top: int = 8) -> list[dict[str, Any]]:
    """Words (and columns) behind the predictions of the first ``rows`` rows (all: None)."""
    if rows is not None and (not isinstance(rows, int) or rows < 1):
        raise ConfigError(f"rows must be a positive integer, however: {rows=}")
    frame = read_table(data)
    return _explain_rows(load_text_model(bundle), frame if rows is None else frame.head(rows),
                         top=top)


def _explain_rows(pipeline: TextPipeline, frame: pd.DataFrame, *, top: int
                  ) -> list[dict[str, Any]]:
    from findeep.text.explain import explain_text

    found = explain_text(pipeline, frame, top=top)
    texts = frame[pipeline.text_column].astype(str).tolist()
    return [{"row": i, "text": texts[i], **e.to_dict(),
             "reasons": e.reasons(pipeline.text_column)} for i, e in enumerate(found)]


def explain_text_to_file(bundle: str | os.PathLike[str], data: TableLike,
                         out: str | os.PathLike[str], *, rows: int | None = None,
                         top: int = 4, id_column: str | None = None,
                         force: bool = False) -> dict[str, Any]:
    """``findeep explain`` for a text bundle: one row per input row with its prediction and
    the ``top`` words and columns that raised it most (``reason_k`` / ``attribution_k``,
    strongest first, each once; fewer where fewer raised it), as tabular reason codes."""
    check_output(out, force=force)
    frame = read_table(data)
    if id_column is not None and id_column not in frame.columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, map(str, frame.columns)))
    if rows is not None and (not isinstance(rows, int) or rows < 1):
        raise ConfigError(f"rows must be a positive integer, however: {rows=}")
    from findeep.text.explain import reason_items

    pipeline = load_text_model(bundle)
    text_column = pipeline.text_column
    found = _explain_rows(pipeline, frame if rows is None else frame.head(rows), top=top)
    table = []
    for row in found:
        items = reason_items(row["words"], row["columns"], text_column, top)
        record: dict[str, Any] = {} if id_column is None else {
            id_column: frame[id_column].iloc[row["row"]]}
        record |= {"prediction": row["prediction"],
                   "explained_output": row["explained_output"],
                   "completeness_delta": row["completeness_delta"]}
        for k, (value, name) in enumerate(items, start=1):
            record[f"reason_{k}"], record[f"attribution_{k}"] = name, value
        table.append(record)
    write_table(pd.DataFrame(table), out, force=force)
    return {"rows": len(table), "out": str(out), "explanations": found}


def fairness_text_job(bundle: str | os.PathLike[str], data: TableLike, protected: str, *,
                      threshold: float = 0.5, min_rows: int | None = None,
                      as_categories: bool = False) -> Any:
    """``findeep fairness`` for a text model: approval rates, disparate impact and TPR/FPR
    gaps across ``protected``'s groups, as for a tabular model (labels if present)."""
    from findeep.explain.fairness import MIN_GROUP_ROWS, fairness_report

    pipeline = load_text_model(bundle)
    frame = read_table(data)
    name = pipeline.target.name
    return fairness_report(pipeline, frame, protected,
                           y=frame[name] if name in frame.columns else None,
                           threshold=threshold,
                           min_rows=MIN_GROUP_ROWS if min_rows is None else min_rows,
                           as_categories=as_categories)


def drift_text_job(bundle: str | os.PathLike[str], data: TableLike) -> pd.DataFrame:
    """``findeep drift`` for a text model: PSI of its score, its texts' length in tokens and
    each other input column, the bundle's fit rows against ``data``."""
    from findeep.text.drift import text_drift_table

    return text_drift_table(load_text_model(bundle), read_table(data))
