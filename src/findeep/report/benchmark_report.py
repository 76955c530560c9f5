"""The benchmark as a report (``findeep benchmark --report out.html``): the comparison
table and its verdicts, then two charts a reader takes in faster than the table — every
model's value on every fold, and each model's paired difference to the reference with its
spread — each with the numbers behind it."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from typing import Any

import numpy as np

import findeep
from findeep.evaluate.comparison import FOLD_METRICS, HIGHER_IS_BETTER
from findeep.evaluate.verdicts import verdict_lines
from findeep.report import figures
from findeep.report.document import Document, Figure, Section, Table


def build_benchmark_report(result: dict[str, Any], command: list[str]) -> Document:
    """The report of one ``findeep benchmark`` result (``BenchmarkResult.to_dict()`` with
    ``data``); ``command`` is the command line that reproduces it."""
    metric = FOLD_METRICS[result["task"]][0]
    sections = [_comparison_section(result, metric), _folds_section(result, metric)]
    if result.get("reference") is not None and len(result["summary"]) > 1:
        sections.append(_differences_section(result, metric))
    sections.append(Section("reproduce", "Reproduce", [f"`{shlex.join(command)}`"]))
    return Document(
        title=f"Benchmark: {result['data']}",
        subtitle=(f"{result['task']}, {result['split']}, {result['rows']:,} rows; every model "
                  "on the same folds; written "
                  f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by findeep "
                  f"{findeep.__version__}."),
        sections=sections)


def _comparison_section(result: dict[str, Any], metric: str) -> Section:
    summary, reference = result["summary"], result.get("reference")
    n_folds = len({record["fold"] for record in result["folds"]})
    header = ["model", f"{metric} (mean ± std)"]
    header += [f"vs {reference} (paired)"] if reference is not None else []
    header += [f"fit s, {n_folds} folds", "scored rows/s"]
    rows = []
    for model, stats in summary.items():
        row = [f"`{model}`", f"{stats[f'{metric}_mean']:.4f} ± {stats[f'{metric}_std']:.4f}"]
        if reference is not None:
            diff = stats.get(f"{metric}_diff_vs_reference_mean")
            row.append("—" if diff is None else
                       f"{diff:+.4f} ± {stats[f'{metric}_diff_vs_reference_std']:.4f}")
        row += [f"{stats['fit_seconds_total']:.1f}", f"{stats['score_rows_per_second_mean']:,.0f}"]
        rows.append(row)
    section = Section("comparison", "The comparison", [Table(header, rows)])
    verdicts = verdict_lines(result)
    if verdicts:
        section.add("**Verdicts** (a difference counts only beyond one standard deviation of "
                    "the per-fold differences):", "\n".join(f"- {line}" for line in verdicts))
    notes = [*result.get("notes", []),
             *(f"skipped `{model}`: {why}" for model, why in result["skipped"].items())]
    if notes:
        section.add("**Notes**", "\n".join(f"- {note}" for note in notes))
    return section


def _fold_values(result: dict[str, Any], metric: str) -> tuple[list[int], dict[str, list[float]]]:
    folds = sorted({record["fold"] for record in result["folds"]})
    values = {model: [float("nan")] * len(folds) for model in result["summary"]}
    for record in result["folds"]:
        if record["model"] in values:
            values[record["model"]][folds.index(record["fold"])] = float(
                record.get(metric, float("nan")))
    return folds, values


def _folds_section(result: dict[str, Any], metric: str) -> Section:
    folds, values = _fold_values(result, metric)
    models = list(values)
    better = "higher" if metric in HIGHER_IS_BETTER else "lower"
    return Section("folds", "Fold by fold", [Figure(
        "folds", f"{metric} on every fold",
        f"Each dot is one fold's held-out {metric} ({better} is better); the same fold has the "
        "same colour in every row, so a model that wins fold by fold sits to the same side "
        "of another in every colour. The black tick is the mean.",
        figures.fold_dots_svg(models, [values[m] for m in models], metric),
        Table(["model", *(f"fold {f + 1}" for f in folds)],
              [[f"`{m}`", *(metric_cell(v) for v in values[m])] for m in models]))])


def _differences_section(result: dict[str, Any], metric: str) -> Section:
    """The paired differences ``BenchmarkResult.summary`` holds for every model but the
    reference, drawn as bars with one std either side."""
    reference = result["reference"]
    summary = result["summary"]
    others = [m for m in summary if f"{metric}_diff_vs_reference_mean" in summary[m]]
    means = [summary[m][f"{metric}_diff_vs_reference_mean"] for m in others]
    stds = [summary[m][f"{metric}_diff_vs_reference_std"] for m in others]
    spread = [s if np.isfinite(s) else 0.0 for s in stds]
    better = "right" if metric in HIGHER_IS_BETTER else "left"
    return Section("differences", f"Against {reference}, fold by fold", [Figure(
        "differences", f"{metric} minus {reference}'s, paired over the same folds",
        f"The bar is the mean per-fold difference, the whiskers one standard deviation of the "
        f"per-fold differences either side: a bar {better} of 0 whose whisker does not cross 0 is "
        "a difference beyond the noise, the rule the verdicts use.",
        figures.horizontal_bars_svg(
            others, means, f"{metric} − {reference}'s",
            errors=([m - s for m, s in zip(means, spread, strict=True)],
                    [m + s for m, s in zip(means, spread, strict=True)]), reference=0.0),
        Table(["model", "mean difference", "std of the differences"],
              [[f"`{m}`", metric_cell(d, signed=True), metric_cell(s)] for m, d, s in
               zip(others, means, stds, strict=True)]))])


def metric_cell(value: float, *, signed: bool = False) -> str:
    """Four decimals, or a dash where the metric is missing (undefined on a fold); the tally
    report's cells too."""
    if not np.isfinite(value):
        return "—"
    return f"{value:+.4f}" if signed else f"{value:.4f}"
