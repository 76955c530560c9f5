"""The CLI's explanation jobs as library calls: each loads a bundle, reads data, does one job.

Outputs are checked before any work and written atomically, so a failure leaves nothing
half-written and nothing is overwritten without ``force``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from findeep.data import row_sample
from findeep.data.io import TableLike, check_output, ids_as_written, read_table, write_table
from findeep.data.splits import check_seed
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.explain.attributions import RowsHook, column_attributions
from findeep.explain.dependence import partial_dependence_table
from findeep.explain.drift import drift_table
from findeep.explain.fairness import MIN_GROUP_ROWS, FairnessReport, fairness_report
from findeep.explain.importance import (
    attribution_importance_table,
    check_repeats,
    permutation_importance_table,
)
from findeep.explain.reasons import check_top, reasons_frame
from findeep.explain.scorecard import ScorecardScale, points_frame
from findeep.explain.surrogate import SurrogateReport, fit_surrogate
from findeep.output_paths import refuse_overwrite, write_text_atomic
from findeep.pipeline import TabularPipeline, read_pipeline


def load_pipeline(bundle: str | os.PathLike[str], *,
                  refusal: str = "explanations cover tabular models only") -> TabularPipeline:
    """The tabular model a bundle holds, checksums verified; ``refusal`` says, for another
    kind, what the command covers."""
    pipeline, _ = read_pipeline(bundle, refusal=refusal)
    return pipeline


def _labels(pipeline: TabularPipeline, frame: pd.DataFrame) -> pd.Series | None:
    """The target column when the data carries it (labels are optional for these jobs)."""
    name = pipeline.target.name
    return frame[name] if name in frame.columns else None


def explain_to_file(
    bundle: str | os.PathLike[str], data: TableLike, out: str | os.PathLike[str], *,
    top: int = 4, scorecard: ScorecardScale | None = None, reference: TableLike | None = None,
    id_column: str | None = None, n_steps: int | None = None, force: bool = False,
    target_class: str | None = None, on_rows: RowsHook | None = None,
) -> dict[str, Any]:
    """Write one row of reasons and attributions (and points, with ``scorecard``) per row.

    ``baseline_output`` in the summary is None for a multiclass model (it differs per
    explained class)."""
    check_output(out, force=force)
    check_top(top)
    if scorecard is not None:
        scorecard.check()
    pipeline = load_pipeline(bundle)
    if scorecard is not None and pipeline.task != "binary":
        raise ConfigError("scorecard points need a binary model (odds of good to bad).")
    frame = read_table(data, as_text=pipeline.ids_as_text(id_column))
    if id_column is not None and id_column not in frame.columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, map(str, frame.columns)))
    reference_rows = None if reference is None else read_table(reference)
    attributions = column_attributions(pipeline, frame, reference=reference_rows,
                                       n_steps=n_steps, target_class=target_class,
                                       on_rows=on_rows)
    table = reasons_frame(pipeline, frame, attributions, top=top)
    if scorecard is not None:
        table = table.join(points_frame(attributions, scorecard, frame.index))
    if id_column is not None:
        table.insert(0, id_column, ids_as_written(data, frame, id_column))
    write_table(table, out, force=force, like=data)
    return {"rows": len(table), "columns": attributions.columns, "units": attributions.units,
            "baseline_output": attributions.baseline_output
            if attributions.explained_class is None else None, "out": str(out)}


SURROGATE_SUFFIXES = (".txt", ".md")


def surrogate_for_bundle(bundle: str | os.PathLike[str], data: TableLike, *, depth: int = 4,
                         seed: int = 0, out: str | os.PathLike[str] | None = None,
                         force: bool = False) -> SurrogateReport:
    """A depth-``depth`` tree distilled from the model on ``data``, with its fidelity; with
    ``out`` (a .txt or .md file), also its fidelity and rules written there as text."""
    if out is not None:
        if Path(out).suffix.lower() not in SURROGATE_SUFFIXES:
            raise ConfigError(f"the surrogate's rules are text: name a .txt or .md file for "
                              f"--out, not '{out}'.")
        refuse_overwrite(out, force=force)
    pipeline = load_pipeline(bundle)
    frame = read_table(data)
    report = fit_surrogate(pipeline, frame, _labels(pipeline, frame), depth=depth, seed=seed)
    if out is not None:
        write_text_atomic(out, surrogate_text(report, bundle, data))
    return report


def surrogate_text(report: SurrogateReport, bundle: str | os.PathLike[str],
                   data: TableLike) -> str:
    """The surrogate as a text file: where it comes from, its fidelity, its rules."""
    source = data if isinstance(data, str | os.PathLike) else "a table"
    fidelity = [f"  {name}: {value:.4f}" if isinstance(value, float) else f"  {name}: {value}"
                for name, value in report.fidelity.items()]
    return "\n".join([f"depth-{report.depth} surrogate tree of {bundle} on {source}",
                      "fidelity on held-out rows:", *fidelity, "rules:",
                      *report.rules]) + "\n"


def drift_for_bundle(bundle: str | os.PathLike[str], new_data: TableLike) -> pd.DataFrame:
    """PSI of the score and each input column, training profile vs ``new_data``."""
    pipeline = load_pipeline(bundle, refusal="the drift check (PSI) covers tabular models only")
    return drift_table(pipeline, read_table(new_data))


def fairness_for_bundle(bundle: str | os.PathLike[str], data: TableLike, protected: str, *,
                        threshold: float = 0.5, min_rows: int = MIN_GROUP_ROWS,
                        as_categories: bool = False) -> FairnessReport:
    """Approval rates and TPR/FPR gaps across ``protected``'s groups (labels if present)."""
    pipeline = load_pipeline(bundle, refusal="the fairness check covers tabular models only")
    frame = read_table(data)
    return fairness_report(pipeline, frame, protected, y=_labels(pipeline, frame),
                           threshold=threshold, min_rows=min_rows, as_categories=as_categories)


def sample_rows(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """At most ``max_rows`` rows, drawn without replacement (global summaries need no more)."""
    drawn = row_sample.sample_rows(len(frame), max_rows, seed=seed)
    return frame if drawn is None else frame.iloc[drawn.positions]


def importance_for_bundle(
    bundle: str | os.PathLike[str], data: TableLike, *, n_repeats: int = 5, seed: int = 0,
    max_rows: int = 20_000, out: str | os.PathLike[str] | None = None, force: bool = False,
    on_rows: RowsHook | None = None,
) -> pd.DataFrame:
    """Each input column's global importance, measured two independent ways.

    Integrated Gradients' mean absolute attribution always; with labels in ``data``, also
    permutation importance — how much the bundle's metric worsens (ROC-AUC falls, log-loss
    or RMSE rises) when the column is shuffled — with a confidence interval. Sorted by
    permutation importance when present (it is in the metric users judge), else by
    attribution.
    ``attrs`` carries ``units``, ``metric`` (None without labels), ``rows`` (rows used)
    and ``target``.
    """
    check_repeats(n_repeats)  # before the attributions, which take a while
    check_seed(seed)
    if out is not None:
        check_output(out, force=force)
    pipeline = load_pipeline(bundle)
    frame = sample_rows(read_table(data), max_rows, seed)
    table = importance_table(pipeline, frame, _labels(pipeline, frame), n_repeats=n_repeats,
                             seed=seed, on_rows=on_rows)
    if out is not None:
        write_table(table, out, force=force)
    return table


def importance_table(pipeline: TabularPipeline, frame: pd.DataFrame, labels: pd.Series | None,
                     *, n_repeats: int = 5, seed: int = 0,
                     on_rows: RowsHook | None = None,
                     on_stage: Callable[[str], None] | None = None) -> pd.DataFrame:
    """``importance_for_bundle``'s table for a loaded pipeline: attributions, and with
    ``labels`` permutation importance (``permutation_*`` columns) first. ``on_stage`` is
    told when the permutations start (the slower half)."""
    table = attribution_importance_table(pipeline, frame, on_rows=on_rows)
    units = table.attrs["units"]
    metric = None
    if labels is not None:
        if on_stage is not None:
            on_stage(f"permutation importance ({n_repeats} repeats)")
        permutation = permutation_importance_table(pipeline, frame, labels,
                                                   n_repeats=n_repeats, seed=seed)
        metric = permutation.attrs["metric"]
        permutation = permutation.rename(columns={
            "importance": "permutation_importance", "std": "permutation_std",
            "ci_low": "permutation_ci_low", "ci_high": "permutation_ci_high"})
        table = permutation.merge(table, on="column", how="left")
    table.attrs.update(units=units, metric=metric, rows=len(frame), target=pipeline.target.name)
    return table


def dependence_for_bundle(
    bundle: str | os.PathLike[str], data: TableLike, columns: list[str], *,
    grid_resolution: int = 20, max_rows: int = 5_000, seed: int = 0,
    out: str | os.PathLike[str] | None = None, force: bool = False,
) -> pd.DataFrame:
    """Partial dependence of the score on each of ``columns`` (long table), averaged over
    at most ``max_rows`` rows of ``data``: each grid point rescores every one of them."""
    if not columns:
        raise ConfigError("name at least one column to sweep (--column NAME).")
    check_seed(seed)
    if out is not None:
        check_output(out, force=force)
    pipeline = load_pipeline(bundle)
    frame = sample_rows(read_table(data), max_rows, seed)
    table = partial_dependence_table(pipeline, frame, columns, grid_resolution=grid_resolution)
    target = pipeline.target
    table.attrs.update(rows=len(frame), score=(
        f"P({target.name} = {target.event_class})" if pipeline.task == "binary"
        else f"P({target.name})" if pipeline.task == "multiclass" else f"predicted {target.name}"))
    if out is not None:
        write_table(table, out, force=force)
    return table
