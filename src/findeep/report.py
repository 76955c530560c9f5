"""A model report in Markdown: the one document a credit-model reviewer reads.

It gathers what findeep can already say about a bundle on a table — whether the table is
an honest test, the metrics, calibration and gains table, what drives the score, how far
the table has drifted from the training data, and (with ``protected``) group rates —
so a reviewer gets one file with every number beside the question it answers. Every
section comes from the same functions the single-purpose commands use.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from findeep._version import __version__
from findeep.bundle import META_FILE
from findeep.data.io import TableLike, read_table, refuse_overwrite
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.evaluate.metrics import (
    GAINS_HEADER,
    HEADLINE,
    binary_labels,
    check_threshold,
    gains_cells,
)
from findeep.explain.attributions import RowsHook
from findeep.explain.commands import importance_table, load_pipeline, sample_rows
from findeep.explain.drift import drift_table
from findeep.explain.fairness import fairness_report
from findeep.pipeline import TabularPipeline
from findeep.workflow import evaluate_frame, write_text_atomic


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned, floats to 4 places."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "-" if value != value else f"{value:.4f}"
        return str(value).replace("|", "\\|")

    numeric = [all(_is_number(r[j]) for r in rows) for j in range(len(header))]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    """Numbers, and text that shows one (``'84.5%'``, ``'1,317'``), align right."""
    if isinstance(value, int | float):
        return True
    try:
        float(str(value).rstrip("%").replace(",", ""))
    except ValueError:
        return False
    return True


def _pct(value: float) -> str:
    return f"{value:.1%}"


def write_report(
    bundle: str | os.PathLike[str], data: TableLike, out: str | os.PathLike[str], *,
    protected: str | None = None, threshold: float = 0.5, max_rows: int = 5_000,
    seed: int = 0, force: bool = False, on_rows: RowsHook | None = None,
) -> dict[str, Any]:
    """Write the report on ``bundle`` scored on ``data`` to ``out`` (Markdown).

    Attributions and permutation importance use at most ``max_rows`` rows of ``data``;
    metrics, gains and drift use every row. Returns the sections written.
    """
    out = Path(out)
    if out.suffix.lower() not in (".md", ".markdown"):
        raise ConfigError(f"the report is Markdown; name it with .md, however: '{out}'.")
    refuse_overwrite(out, force=force)
    pipeline = load_pipeline(bundle)
    if protected is not None and pipeline.task != "binary":
        raise ConfigError("group rates at a threshold (--protected) need a binary model.")
    check_threshold(threshold)  # before the slow sections
    meta = json.loads((Path(bundle) / META_FILE).read_text())  # checksums verified on load
    frame = read_table(data)
    if protected is not None and protected not in frame.columns:
        raise DataError(f"protected column '{protected}' is not in the data."
                        + did_you_mean(protected, map(str, frame.columns)))
    name = pipeline.target.name
    labelled = name in frame.columns and bool(frame[name].notna().any())

    sections = [_model_section(bundle, data, frame, pipeline, meta)]
    if labelled:
        with warnings.catch_warnings(record=True):  # the report states the checks itself
            warnings.simplefilter("always")
            result = evaluate_frame(pipeline, frame, threshold=threshold)
        sections += [_honesty_section(result), _performance_section(pipeline, result)]
    sample = sample_rows(frame, max_rows, seed)
    sections.append(_drivers_section(pipeline, sample, labelled, seed, on_rows))
    sections.append(_drift_section(pipeline, frame))
    if protected is not None:
        sections.append(_fairness_section(pipeline, frame, protected, threshold, labelled))
    write_text_atomic(out, "\n\n".join(sections) + "\n")
    return {"out": str(out), "rows": len(frame), "labelled": labelled,
            "sections": [s.splitlines()[0].lstrip("# ") for s in sections]}


def _model_section(bundle: Any, data: Any, frame: pd.DataFrame, pipeline: TabularPipeline,
                   meta: dict[str, Any]) -> str:
    target, training = pipeline.target, pipeline.training
    what = {"binary": f"P({target.name} = {target.event_class!r})",
            "multiclass": f"P({target.name}) over {len(target.classes)} classes",
            "regression": f"{target.name}"}[pipeline.task]
    facts = [
        ("model", f"`{pipeline.model_name}` ({pipeline.task}: predicts {what})"),
        ("inputs", ", ".join(f"`{c}`" for c in pipeline.schema.used_names)),
        ("trained", f"{meta.get('created_at', '?')} with findeep "
                    f"{meta.get('versions', {}).get('findeep', '?')}"),
        ("training rows", f"{training['fit_rows']:,} fit + {training['validation_rows']:,} "
                          f"early-stopping ({training['validation_split']}); best epoch "
                          f"{training['best_epoch']} of {training['epochs_run']}"),
    ]
    if "last_time" in training:
        facts.append(("training period ends", f"{training['last_time']} "
                                              f"(`{training.get('time_column', 'time')}`)"))
    held_out = pipeline.metrics.get("test") if pipeline.metrics else None
    if held_out:
        keys = [k for k in HEADLINE[pipeline.task] if k in held_out][:4]
        facts.append(("held-out test at training", f"{pipeline.metrics.get('split', '')} split, "
                      f"{held_out.get('rows', '?'):,} rows: "
                      + ", ".join(f"{k} {held_out[k]:.4f}" for k in keys)))
    return "\n".join([
        f"# Model report: {Path(str(bundle)).name}",
        "",
        f"Scored on `{data}` ({len(frame):,} rows) on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by findeep {__version__}.",
        "",
        "## The model",
        "",
        markdown_table(["", ""], facts),
    ])


def _honesty_section(result: dict[str, Any]) -> str:
    lines = ["## Is this table an honest test?", ""]
    overlap = result.get("training_overlap")
    if overlap is None:
        lines.append("- Training rows: not checked (the bundle predates training-row sketches).")
    elif overlap["likely_training_rows"]:
        lines.append(f"- **No: about {overlap['share']:.0%} of the rows match a training row** "
                     f"(new rows would match {overlap['expected_share']:.1%}), so the metrics "
                     "below are optimistic.")
    else:
        share = overlap["share"] if overlap["share"] is not None else 0.0
        lines.append(f"- Training rows: none beyond chance ({share:.1%} of rows match a "
                     f"training row; {overlap['expected_share']:.1%} expected of new rows).")
    dated = result.get("rows_dated_in_training_period")
    if dated is None:
        lines.append("- Out-of-time: not checked (the model was not trained with a time "
                     "column, or the table lacks it).")
    elif dated:
        lines.append(f"- **Not out-of-time: {dated:,} rows are dated within the training "
                     "period.**")
    else:
        lines.append("- Out-of-time: every row is dated after the training period.")
    return "\n".join(lines)


def _performance_section(pipeline: TabularPipeline, result: dict[str, Any]) -> str:
    labels = binary_labels(result.get("threshold", 0.5)) if pipeline.task == "binary" else {}
    rows = [(labels.get(k, k), result[k]) for k in HEADLINE[pipeline.task] if k in result]
    parts = ["## Performance", ""]
    if pipeline.task == "binary":
        parts += [f"{result['rows']:,} labelled rows, event rate {result['event_rate']:.1%}.", ""]
    parts.append(markdown_table(["metric", "value"], rows))
    if result.get("calibration_curve"):
        parts += ["", "### Calibration: predicted vs observed event rate", "",
                  markdown_table(["predicted band", "rows", "mean predicted", "observed"], [
                      (f"{c['bin_low']:.1f}-{c['bin_high']:.1f}", f"{c['count']:,}",
                       _pct(c["mean_predicted"]), _pct(c["observed_rate"]))
                      for c in result["calibration_curve"]])]
    if result.get("gains_table"):
        parts += ["", "### Gains table: score deciles, riskiest first", "",
                  markdown_table(GAINS_HEADER, [gains_cells(g) for g in result["gains_table"]])]
    return "\n".join(parts)


def _drivers_section(pipeline: TabularPipeline, sample: pd.DataFrame, labelled: bool,
                     seed: int, on_rows: RowsHook | None) -> str:
    labels = sample[pipeline.target.name] if labelled else None
    if labels is not None and pipeline.task == "binary" and labels.dropna().nunique() < 2:
        labels = None  # one class: no ROC-AUC to lose, so no permutation importance
    table = importance_table(pipeline, sample, labels, seed=seed, on_rows=on_rows)
    metric = table.attrs["metric"]
    reference = {"binary": "the training rows scored as low risk",
                 "multiclass": "the average training row, for each row's predicted class",
                 "regression": "the average training row"}[pipeline.task]
    header = ["column", f"mean abs attribution ({table.attrs['units']})",
              "mean attribution (signed)"]
    if metric is not None:
        change = "drop" if metric == "roc_auc" else "rise"
        header = ["column", f"{metric} {change} when shuffled", "95% interval", *header[1:]]
        rows = [(r.column, r.permutation_importance,
                 f"{r.permutation_ci_low:.4f} .. {r.permutation_ci_high:.4f}",
                 r.mean_abs_attribution, r.mean_attribution) for r in table.itertuples()]
    else:
        rows = [(r.column, r.mean_abs_attribution, r.mean_attribution)
                for r in table.itertuples()]
    return "\n".join([
        "## What drives the score", "",
        f"On {len(sample):,} rows: Integrated Gradients against {reference}"
        + (", and the metric lost when a column is shuffled." if metric is not None else
           f" ({'the labels hold one class' if labelled else 'no labels in the table'}, "
           "so no permutation importance)."),
        "", markdown_table(header, rows)])


def _drift_section(pipeline: TabularPipeline, frame: pd.DataFrame) -> str:
    table = drift_table(pipeline, frame)
    moved = table[table["flag"] != "stable"]
    summary = ("Every column and the score are stable (PSI < 0.1)." if moved.empty else
               f"{len(moved)} of {len(table)} entries moved: "
               + ", ".join(f"`{r.column}` {r.psi:.3f} ({r.flag})" for r in moved.itertuples())
               + ".")
    return "\n".join([
        "## Stability against the training data (PSI)", "",
        summary + " PSI < 0.1 stable, 0.1-0.25 moderate, >= 0.25 major.", "",
        markdown_table(["column", "kind", "PSI", "flag"],
                       [(r.column, r.kind, r.psi, r.flag) for r in table.itertuples()])])


def _fairness_section(pipeline: TabularPipeline, frame: pd.DataFrame, protected: str,
                      threshold: float, labelled: bool) -> str:
    report = fairness_report(pipeline, frame, protected,
                             y=frame[pipeline.target.name] if labelled else None,
                             threshold=threshold)
    groups = report.groups
    summary = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in report.summary.items() if k not in ("protected", "threshold"))
    return "\n".join([
        f"## Groups of `{protected}` at threshold {threshold}", "", summary + ".", "",
        markdown_table([str(c) for c in groups.columns],
                       [tuple(row) for row in groups.itertuples(index=False)])])
