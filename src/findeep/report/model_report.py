"""The model report's content: every number a credit-model reviewer asks for, as a
``Document`` (sections of paragraphs, tables and charts) built from the same functions the
single-purpose commands use — evaluate, importance, dependence, explain, drift, fairness.

Scoring runs once over every row of the data; attributions, permutation importance,
partial dependence and the example applicants use at most ``max_rows`` sampled rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

import findeep
from findeep.data.leakage import ColumnAlone, columns_alone, suspects_message
from findeep.data.profile import as_numbers
from findeep.evaluate.metrics import (
    GAINS_HEADER,
    HEADLINE,
    at_or_above,
    binary_labels,
    gains_cells,
)
from findeep.evaluate.uncertainty import SHORT_COVERAGE_AT_95, bootstrap_intervals
from findeep.explain.attributions import RowsHook
from findeep.explain.commands import importance_table, sample_rows
from findeep.explain.dependence import partial_dependence_table
from findeep.explain.drift import PSI_MAJOR, drift_table
from findeep.explain.fairness import fairness_report, summary_sentences
from findeep.explain.reasons import explain_frame
from findeep.pipeline import TabularPipeline
from findeep.report import figures
from findeep.report.card import best_epoch_text, training_rows_text
from findeep.report.document import Document, Figure, Section, Table
from findeep.workflow import evaluate_frame

FPR_POINTS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
RECALL_POINTS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9)
TOP_DEPENDENCE = 3
EXAMPLES = 3
MAX_SCATTER_POINTS = 2_000


def _pct(value: float) -> str:
    return f"{value:.1%}"


class Scored:
    """The data scored once: labels (where present) and the model's output."""

    def __init__(self, pipeline: TabularPipeline, frame: pd.DataFrame) -> None:
        name = pipeline.target.name
        labelled = frame[name].notna().to_numpy() if name in frame.columns else None
        self.rows = frame if labelled is None else frame.loc[labelled]
        prediction, self.report = pipeline.predict_raw(self.rows)
        self.prediction = prediction
        self.every_row = len(self.rows) == len(frame)  # no row without a label
        self.y = None if labelled is None else self.rows[name]
        # class indices by the metrics' own encoding: a label read as 1.0 is class 1
        self.y_codes = None if self.y is None else pipeline.target.encode(self.y)
        if pipeline.task == "binary":
            self.p_event = pipeline.event_probability(prediction)
            if self.y_codes is not None:
                self.y_event = (self.y_codes == pipeline.target.event_index).astype(int)


def build_model_report(
    bundle: str, data_name: str, frame: pd.DataFrame, pipeline: TabularPipeline,
    meta: dict[str, Any], *, protected: str | None, threshold: float, max_rows: int,
    protected_categories: bool = False, card_only: bool = False,
    seed: int, n_resamples: int, on_rows: RowsHook | None,
    on_stage: Callable[[str], None] | None = None,
) -> tuple[Document, dict[str, Any]]:
    """The report's document and the facts the model card reuses (metrics, intervals).
    ``on_stage`` is told each slow step as it starts (a progress display's hook)."""
    stage = on_stage or (lambda label: None)
    name = pipeline.target.name
    labelled = name in frame.columns and bool(frame[name].notna().any())
    facts: dict[str, Any] = {"labelled": labelled}
    sections = [_model_section(bundle, pipeline, meta)]
    scored = None
    if labelled:
        stage("scoring and metrics")
        scored = Scored(pipeline, frame)  # the rows scored once: metrics, intervals, drift
        with warnings.catch_warnings(record=True):  # the report states the checks itself
            warnings.simplefilter("always")
            result = evaluate_frame(pipeline, frame, threshold=threshold,
                                    prediction=scored.prediction)
        facts["too_small"] = too_small_to_judge(pipeline, scored)
        result["too_small"] = facts["too_small"]  # the honesty section states it
        # each input alone against the labels (data.leakage): a leak is said in the honesty
        # section, every column's score beside the drivers
        alone = columns_alone(frame, frame[name], pipeline.schema, task=pipeline.task,
                              seed=seed)
        result["columns_alone"] = alone
        stage(f"bootstrap intervals ({n_resamples} resamples)")
        intervals = metric_intervals(pipeline, scored, n_resamples, seed)
        facts |= {"evaluation": result, "intervals": intervals}
        sections += [honesty_section(result), performance_section(pipeline, result, scored,
                                                                    intervals, threshold)]
    if not card_only:  # the card reads no attribution: a card alone skips the slowest part
        sample = sample_rows(frame, max_rows, seed)
        stage("attributions")
        sections.append(_drivers_section(pipeline, sample, labelled, seed, on_rows, stage))
        if labelled and result["columns_alone"]:
            alone_figure(sections[-1], result["columns_alone"], len(frame))
    stage("drift")
    drift = drift_table(pipeline, frame, scored=(scored.prediction, scored.report)
                        if scored is not None and scored.every_row else None)
    sections.append(drift_section(drift))
    facts["drift_major"] = [str(c) for c in drift.loc[drift["psi"] >= PSI_MAJOR, "column"]]
    if protected is not None:
        stage("group rates")
        section, facts["fairness"] = fairness_section(pipeline, frame, protected, threshold,
                                                       labelled, protected_categories)
        sections.append(section)
    document = Document(
        title=f"Model report: {Path(bundle).name}",
        subtitle=(f"Scored on `{data_name}` ({len(frame):,} rows) on "
                  f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by findeep "
                  f"{findeep.__version__}."),
        sections=sections)
    return document, facts


def metric_intervals(pipeline: TabularPipeline, scored: Scored, n_resamples: int,
               seed: int) -> dict[str, Any]:
    if pipeline.task != "binary" or len(set(scored.y_event)) < 2:
        return {}
    found = bootstrap_intervals(scored.y_event, scored.p_event, n_resamples=n_resamples,
                                seed=seed)
    return {k: v.to_dict() for k, v in found.items()}


def _model_section(bundle: str, pipeline: TabularPipeline, meta: dict[str, Any]) -> Section:
    target, training = pipeline.target, pipeline.training
    what = {"binary": f"P({target.name} = {target.event_class!r})",
            "multiclass": f"P({target.name}) over {len(target.classes)} classes",
            "regression": f"{target.name}"}[pipeline.task]
    facts = [
        ["model", f"`{pipeline.display_name}` ({pipeline.task}: predicts {what})"],
        ["inputs", ", ".join(f"`{c}`" for c in pipeline.schema.used_names)],
        ["trained", f"{meta.get('created_at', '?')} with findeep "
                    f"{meta.get('versions', {}).get('findeep', '?')}"],
        ["training rows", f"{training_rows_text(training)}; {best_epoch_text(training)}"],
    ]
    if "last_time" in training:
        facts.append(["training period ends", f"{training['last_time']} "
                                              f"(`{training.get('time_column', 'time')}`)"])
    held_out = pipeline.metrics.get("test") if pipeline.metrics else None
    if held_out:
        keys = [k for k in HEADLINE[pipeline.task] if k in held_out][:4]
        facts.append(["held-out test at training", f"{pipeline.metrics.get('split', '')} "
                      f"split, {held_out.get('rows', '?'):,} rows: "
                      + ", ".join(f"{k} {held_out[k]:.4f}" for k in keys)])
    return Section("model", "The model", [Table(["field", "value"], facts)])


MIN_ROWS = 100  # labelled rows below which a report's metrics are anecdote
MIN_PER_CLASS = 10  # rows of each class below which AUC, KS and their intervals are


def too_small_to_judge(pipeline: TabularPipeline, scored: Scored) -> str | None:
    """What makes the labelled rows too few to judge the model on ("8 labelled rows, 3 with
    Status = bad and 5 with Status = good"; "300 labelled rows, all with Status = good"),
    or None. Bootstrap intervals on a handful
    of rows look certain (AUC 1.0 .. 1.0) and every column drifts."""
    n = len(scored.rows)
    if pipeline.task == "binary":
        events = int(scored.y_event.sum())
        target = pipeline.target
        other = next(c for c in target.classes if c != target.event_class)
        if events == 0 or events == n:
            only = target.event_class if events else other
            return (f"{n:,} labelled rows, all with {target.name} = {only} (one class: no "
                    "ROC-AUC, KS, gains or calibration to judge)")
        if n < MIN_ROWS or min(events, n - events) < MIN_PER_CLASS:
            return (f"{n:,} labelled rows, {events:,} with {target.name} = "
                    f"{target.event_class} and {n - events:,} with {target.name} = {other} "
                    f"(fewer than {MIN_ROWS} rows or {MIN_PER_CLASS} of a class)")
        return None
    if n < MIN_ROWS:
        return f"{n:,} labelled rows (fewer than {MIN_ROWS})"
    return None


def honesty_section(result: dict[str, Any]) -> Section:
    lines, fired = [], False
    if result.get("too_small"):
        fired = True
        lines.append(f"- **Too few rows to judge the model: {result['too_small']}.** "
                     "The intervals below cannot show this: they resample the same few rows.")
    overlap = result.get("training_overlap")
    if overlap is None:
        lines.append("- Training rows: not checked (the bundle predates training-row sketches).")
    elif overlap["likely_training_rows"]:
        fired = True
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
        fired = True
        lines.append(f"- **Not out-of-time: {dated:,} rows are dated within the training "
                     "period.**")
    else:
        lines.append("- Out-of-time: every row is dated after the training period.")
    alone: list[ColumnAlone] = result.get("columns_alone") or []
    if message := suspects_message(alone):
        fired = True
        lines.append(f"- **Leak: {message[0].upper()}{message[1:]}** Every metric below is "
                     "flattered by it.")
    elif alone:
        strongest = max(alone, key=lambda c: c.score)
        lines.append(f"- Leaks: no input column predicts the target almost alone here (the "
                     f"strongest, `{strongest.column}`, {strongest.metric} "
                     f"{strongest.score:.3f} out of fold).")
    return Section("honesty", "Is this table an honest test?", ["\n".join(lines)], alert=fired)


def alone_figure(section: Section, alone: list[ColumnAlone], n_rows: int) -> None:
    """Each input column scored alone against the labels (``data.leakage``): a univariate
    screen beside what the model makes of the columns together."""
    ranked = sorted(alone, key=lambda c: -c.score)
    metric = ranked[0].metric
    with_iv = ranked[0].information_value is not None
    header = ["column", f"{metric} alone (out of fold)", *(["information value"] if with_iv
                                                            else [])]
    rows = [[c.column, round(c.score, 4), *([round(c.information_value, 3)] if with_iv
                                            else [])] for c in ranked]
    reading = (" Information value: in-sample over deciles, as scorecards compute it (0.1–0.3 "
               "medium, 0.3–0.5 strong, above 0.5 very strong)." if with_iv else "")
    section.add(Figure(
        "alone-bars", "Each column alone",
        f"Each input column scored alone against the labels on {n_rows:,} rows ({metric}, out "
        "of fold: its bins' target rates learned on half the rows, read on the other half); "
        f"{'0.5' if metric == 'AUC' else '0'} is no signal, and a column near 1 tells the "
        "target by itself." + reading,
        figures.horizontal_bars_svg([c.column for c in ranked], [c.score for c in ranked],
                                    f"{metric} alone",
                                    reference=0.5 if metric == "AUC" else 0.0),
        Table(header, rows)))


def _metric_rows(pipeline: TabularPipeline, result: dict[str, Any],
                 intervals: dict[str, Any]) -> list[list[Any]]:
    labels = binary_labels(result.get("threshold", 0.5)) if pipeline.task == "binary" else {}
    rows = []
    for key in HEADLINE[pipeline.task]:
        if key not in result:
            continue
        interval = intervals.get(key)
        band = (f"{interval['low']:.4f} .. {interval['high']:.4f}" if interval else "")
        rows.append([labels.get(key, key), result[key], band] if intervals else
                    [labels.get(key, key), result[key]])
    return rows


def performance_section(pipeline: TabularPipeline, result: dict[str, Any], scored: Scored,
                         intervals: dict[str, Any], threshold: float) -> Section:
    section = Section("performance", "Performance")
    if pipeline.task == "binary":
        section.add(f"{result['rows']:,} labelled rows, event rate {result['event_rate']:.1%}.")
    header = ["metric", "value"]
    if intervals:
        level = next(iter(intervals.values()))
        header.append(f"{level['level']:.0%} interval ({level['n_resamples']} bootstrap "
                      "resamples)")
    section.add(Table(header, _metric_rows(pipeline, result, intervals)))
    if intervals:
        section.add(_interval_note(intervals))
    if pipeline.task == "binary":
        _binary_figures(section, pipeline, result, scored, threshold)
    elif pipeline.task == "multiclass":
        _multiclass_figures(section, pipeline, scored)
    else:
        _regression_figures(section, scored)
    return section


def _interval_note(intervals: dict[str, Any]) -> str:
    """How the intervals were drawn, and where one covers less than its level says."""
    level = next(iter(intervals.values()))["level"]
    note = ("Intervals: rows resampled with replacement; ROC-AUC's and Brier's are the middle "
            f"{level:.0%} of the resampled values.")
    if "ks" in intervals:
        note += (" KS's is reflected about its value (basic bootstrap), as a sample's KS, the "
                 "largest gap over every cut-off, runs high.")
        short = SHORT_COVERAGE_AT_95.get("ks")
        if short is not None and level == 0.95:
            note += (f" A bootstrap sees only part of that bias: in simulation KS's 95% "
                     f"interval held the true KS in about {short:.0%} of samples, so read it "
                     f"as roughly a {short:.0%} interval.")
    return note


def _binary_figures(section: Section, pipeline: TabularPipeline, result: dict[str, Any],
                    scored: Scored, threshold: float) -> None:
    y, p = scored.y_event, scored.p_event
    both = len(set(y)) == 2
    if both:
        fpr, tpr, _ = skm.roc_curve(y, p)
        grid = np.linspace(0, 1, figures.CURVE_POINTS)
        tpr_grid = np.interp(grid, fpr, tpr)
        section.add(Figure(
            "roc", "ROC curve",
            f"Share of events caught against share of non-events flagged, over every cut-off; "
            f"area {result['roc_auc']:.4f}. The dashed diagonal is a random score. "
            f"Drawn from {figures.CURVE_POINTS} interpolated points.",
            figures.roc_curve_svg(grid, tpr_grid, result["roc_auc"]),
            Table(["false positive rate", "true positive rate"],
                  [[f, float(np.interp(f, fpr, tpr))] for f in FPR_POINTS])))
        precision, recall, _ = skm.precision_recall_curve(y, p)
        order = np.argsort(recall, kind="stable")
        recall_grid = np.linspace(0, 1, figures.CURVE_POINTS)
        # the best precision reachable at each recall (the curve's upper envelope)
        envelope = np.maximum.accumulate(precision[order][::-1])[::-1]
        precision_grid = np.interp(recall_grid, recall[order], envelope)
        section.add(Figure(
            "pr", "Precision-recall curve",
            f"Precision (share of flagged rows that are events) against recall; the dashed "
            f"line is the event rate, a random score's precision. PR-AUC "
            f"{result['pr_auc']:.4f}.",
            figures.pr_curve_svg(recall_grid, precision_grid, float(y.mean()), result["pr_auc"]),
            Table(["recall", "precision"],
                  [[r, float(np.interp(r, recall[order], envelope))] for r in RECALL_POINTS])))
    curve = result.get("calibration_curve") or []
    if curve:
        section.add(Figure(
            "reliability", "Calibration: predicted vs observed event rate",
            "Observed event rate in each band of predicted probability (the numbers beside "
            "the points are the rows in each band); on the dashed line predictions are "
            f"calibrated. Expected calibration error {result.get('ece', float('nan')):.4f}.",
            figures.reliability_svg([c["mean_predicted"] for c in curve],
                                    [c["observed_rate"] for c in curve],
                                    [c["count"] for c in curve]),
            Table(["predicted band", "rows", "mean predicted", "observed"],
                  [[f"{c['bin_low']:.1f}-{c['bin_high']:.1f}", f"{c['count']:,}",
                    _pct(c["mean_predicted"]), _pct(c["observed_rate"])] for c in curve])))
    edges = np.linspace(0, 1, 41)
    event = str(pipeline.target.event_class)
    other = next((str(c) for c in pipeline.target.classes if str(c) != event), "others")
    by_class = {f"{event} (events)": np.histogram(p[y == 1], edges)[0],
                f"{other} (non-events)": np.histogram(p[y == 0], edges)[0]}
    section.add(Figure(
        "score-histogram", "Score distributions of events and non-events",
        "The chart: the share of each class's rows in each score bin (40 bins of 0.025); the "
        "table: the rows in each bin. The less the two overlap, the better the score "
        "separates them.",
        figures.score_histogram_svg(edges, by_class),
        Table(["score bin", *(f"{name}: rows" for name in by_class)],
              [[f"{edges[i]:.3f}-{edges[i + 1]:.3f}", *(f"{int(c[i]):,}"
                                                        for c in by_class.values())]
               for i in range(0, 40) if any(c[i] for c in by_class.values())])))
    predicted = at_or_above(p, threshold).astype(int)
    matrix = skm.confusion_matrix(y, predicted, labels=[1, 0])
    names = [f"{event}", "not " + event]
    section.add(Figure(
        "confusion", f"Confusion matrix at threshold {threshold}",
        f"Rows predicted as {event!r} where the event probability is at least {threshold}; "
        "each cell shows its rows and its share of the actual class.",
        figures.confusion_svg(matrix, names),
        Table(["actual \\ predicted", *names],
              [[names[i], *(f"{int(v):,}" for v in matrix[i])] for i in range(2)])))
    gains = result.get("gains_table") or []
    if gains:
        rows_total = sum(g["rows"] for g in gains)
        depth = np.cumsum([g["rows"] for g in gains]) / rows_total
        section.add(Figure(
            "gains", "Gains table: score bands (tied scores share one), riskiest first",
            "Left: cumulative share of events (and of non-events) among the riskiest rows, "
            "the widest gap at a band edge marked (the KS in the metrics table is the widest "
            "gap over every score, so it can be a little larger); right: each band's event "
            "rate over the overall rate (lift).",
            figures.gains_svg(depth, [g["cumulative_events"] for g in gains],
                              [g["cumulative_non_events"] for g in gains],
                              [g["lift"] for g in gains]),
            Table(list(GAINS_HEADER), [list(gains_cells(g)) for g in gains])))


def _multiclass_figures(section: Section, pipeline: TabularPipeline, scored: Scored) -> None:
    classes = [str(c) for c in pipeline.target.classes]
    actual = np.asarray(classes, dtype=object)[scored.y_codes]  # the labels as the model's
    grid = np.linspace(0, 1, figures.CURVE_POINTS)
    curves, rows = {}, []
    for i, label in enumerate(classes):
        y = (actual == label).astype(int)
        if len(set(y)) < 2:
            continue
        fpr, tpr, _ = skm.roc_curve(y, scored.prediction[:, i])
        auc = float(skm.roc_auc_score(y, scored.prediction[:, i]))
        curves[label] = (grid, np.interp(grid, fpr, tpr), auc)
        rows.append([label, f"{int(y.sum()):,}", auc])
    if curves:
        section.add(Figure("per-class-roc", "ROC curve of each class (one against the rest)",
                           "Each class's probability ranking its rows against all others.",
                           figures.per_class_roc_svg(curves),
                           Table(["class", "rows", "roc_auc"], rows)))
    predicted = np.asarray(classes, dtype=object)[scored.prediction.argmax(axis=1)]
    matrix = skm.confusion_matrix(actual, predicted, labels=classes)
    section.add(Figure("confusion", "Confusion matrix (most likely class)",
                       "Each cell: rows, and their share of the actual class.",
                       figures.confusion_svg(matrix, classes),
                       Table(["actual \\ predicted", *classes],
                             [[c, *(f"{int(v):,}" for v in matrix[i])]
                              for i, c in enumerate(classes)])))


def _regression_figures(section: Section, scored: Scored) -> None:
    actual = scored.y.to_numpy(float)
    predicted = np.asarray(scored.prediction, float)
    rng = np.random.default_rng(0)
    keep = (rng.choice(len(actual), MAX_SCATTER_POINTS, replace=False)
            if len(actual) > MAX_SCATTER_POINTS else np.arange(len(actual)))
    quantiles = np.quantile(actual, [0.1, 0.25, 0.5, 0.75, 0.9])
    section.add(Figure(
        "predicted-vs-actual", "Predicted against actual",
        f"Each point a row ({len(keep):,} sampled of {len(actual):,}); on the dashed line "
        "predictions are exact.",
        figures.predicted_vs_actual_svg(predicted[keep], actual[keep]),
        Table(["actual quantile", "actual", "mean predicted near it"],
              [[f"{q:.0%}", float(v), float(predicted[np.argsort(np.abs(actual - v))[:50]]
                                            .mean())]
               for q, v in zip((0.1, 0.25, 0.5, 0.75, 0.9), quantiles, strict=True)])))
    residual = actual - predicted
    counts, edges = np.histogram(residual, bins=40)
    section.add(Figure(
        "residuals", "Residuals",
        f"Actual minus predicted over every row: mean {residual.mean():.4g}, "
        f"standard deviation {residual.std():.4g}.",
        figures.residual_histogram_svg(edges, counts),
        Table(["quantile", "residual"],
              [[f"{q:.0%}", float(np.quantile(residual, q))]
               for q in (0.05, 0.25, 0.5, 0.75, 0.95)])))


def _drivers_section(pipeline: TabularPipeline, sample: pd.DataFrame, labelled: bool,
                     seed: int, on_rows: RowsHook | None,
                     stage: Callable[[str], None]) -> Section:
    labels = sample[pipeline.target.name] if labelled else None
    if labels is not None and pipeline.task == "binary" and labels.dropna().nunique() < 2:
        labels = None  # one class: no ROC-AUC to lose, so no permutation importance
    table = importance_table(pipeline, sample, labels, seed=seed, on_rows=on_rows,
                             on_stage=stage)
    metric = table.attrs["metric"]
    reference = {"binary": "the training rows scored as low risk",
                 "multiclass": "the average training row, for each row's predicted class",
                 "regression": "the average training row"}[pipeline.task]
    units = table.attrs["units"]
    header = ["column", f"mean abs attribution ({units})", "mean attribution (signed)"]
    if metric is not None:
        change = "drop" if metric == "roc_auc" else "rise"
        header = ["column", f"{metric} {change} when shuffled", "95% interval", *header[1:]]
        rows = [[r.column, r.permutation_importance,
                 f"{r.permutation_ci_low:.4f} .. {r.permutation_ci_high:.4f}",
                 r.mean_abs_attribution, r.mean_attribution] for r in table.itertuples()]
    else:
        rows = [[r.column, r.mean_abs_attribution, r.mean_attribution]
                for r in table.itertuples()]
    section = Section("drivers", "What drives the score", [
        f"On {len(sample):,} rows: Integrated Gradients against {reference}"
        + (", and the metric lost when a column is shuffled." if metric is not None else
           f" ({'the labels hold one class' if labelled else 'no labels in the table'}, "
           "so no permutation importance)."),
        Table(header, rows)])
    by_attribution = table.sort_values("mean_abs_attribution", ascending=False)
    section.add(Figure(
        "attribution-bars", "Attribution by column",
        f"Mean absolute Integrated-Gradients attribution ({units}) of each column over the "
        f"{len(sample):,} rows: how far each column moves a typical score.",
        figures.horizontal_bars_svg(list(by_attribution["column"]),
                                    list(by_attribution["mean_abs_attribution"]),
                                    f"mean abs attribution ({units})"),
        Table(["column", "mean abs attribution"],
              [[r.column, r.mean_abs_attribution] for r in by_attribution.itertuples()])))
    if metric is not None:
        section.add(Figure(
            "permutation-bars", "Permutation importance",
            f"{metric} lost when a column's values are shuffled (mean over repeats, with its "
            "95% interval): what the model's accuracy owes each column.",
            figures.horizontal_bars_svg(list(table["column"]),
                                        list(table["permutation_importance"]),
                                        f"{metric} {'drop' if metric == 'roc_auc' else 'rise'}",
                                        errors=(list(table["permutation_ci_low"]),
                                                list(table["permutation_ci_high"])),
                                        reference=0.0),
            Table(["column", "importance", "95% low", "95% high"],
                  [[r.column, r.permutation_importance, r.permutation_ci_low,
                    r.permutation_ci_high] for r in table.itertuples()])))
    stage("partial dependence")
    _dependence(section, pipeline, sample, list(by_attribution["column"]))
    _examples(section, pipeline, sample)
    return section


def _dependence(section: Section, pipeline: TabularPipeline, sample: pd.DataFrame,
                ranked: list[str]) -> None:
    kinds = {c.name: c.kind for c in pipeline.schema.used}
    sweepable = [c for c in ranked if kinds.get(c) in ("numeric", "categorical")]
    # a numeric column with no value in these rows has no range to sweep: left out, and said
    empty = [c for c in sweepable if kinds[c] == "numeric"
             and not np.isfinite(as_numbers(sample[c], "numeric")).any()]
    columns = [c for c in sweepable if c not in empty][:TOP_DEPENDENCE]
    if empty:
        section.add(f"Not swept (no values in the rows scored here): "
                    f"{', '.join(f'`{c}`' for c in empty)}.")
    if not columns:
        return
    # every sampled row: 5,000 rows cost about 4 s here against over a minute of permutation
    # importance on the same rows (measured on a 12-column credit model)
    table = partial_dependence_table(pipeline, sample, columns, grid_resolution=20)
    average = next(c for c in table.columns if c.startswith("average"))
    lines = {c: (list(part["value"]), list(part[average]))
             for c, part in table.groupby("column", sort=False)}
    score = ("event probability" if pipeline.task == "binary" else
             f"P({average.removeprefix('average_')})" if pipeline.task == "multiclass"
             else "prediction")
    section.add(Figure(
        "dependence", "Partial dependence of the top drivers",
        f"The average {score} over {len(sample):,} rows as each column is swept "
        "over its range (5th to 95th percentile) with the other columns left as they are.",
        figures.dependence_svg(lines, f"average {score}"),
        Table(["column", "value", f"average {score}"],
              [[r.column, r.value, getattr(r, average)] for r in table.itertuples()])))


def _examples(section: Section, pipeline: TabularPipeline, sample: pd.DataFrame) -> None:
    if pipeline.task == "multiclass":
        return
    prediction, _ = pipeline.predict_raw(sample)
    scores = (pipeline.event_probability(prediction) if pipeline.task == "binary"
              else np.asarray(prediction, dtype=float))
    order = np.argsort(-scores, kind="stable")
    ends = [sample.index[order[0]], sample.index[order[len(order) // 2]],
            sample.index[order[-1]]][:EXAMPLES]
    named: dict[Any, str] = {}  # one row each: a table of one or two rows has fewer examples
    for which, index in zip(("highest score", "median score", "lowest score"), ends,
                            strict=False):
        named.setdefault(index, which)
    picks = list(named)
    explained = explain_frame(pipeline, sample.loc[picks], top=3)  # three rows, not all
    score = "probability" if pipeline.task == "binary" else "prediction"
    rows = [[which, str(index), float(explained.loc[index, score]),
             "; ".join(r for r in explained.loc[index, ["reason_1", "reason_2", "reason_3"]]
                       if r) or "(nothing raised it above the reference)"]
            for index, which in named.items()]
    against = ("the training rows scored as low risk (the bundle's explain reference; "
               "'predict --policy' measures a decline's reasons against the policy's approved "
               "applicants, and gives an approved applicant none)"
               if pipeline.task == "binary" else "the average training row")
    section.add("Example applicants: the highest-, median- and lowest-scored sampled rows "
                "with their reason codes (the columns that raised the score most), measured "
                f"against {against}.",
                Table(["example", "row", score, "reason codes"], rows,
                      caption="Example applicants with reason codes"))


def drift_section(table: pd.DataFrame) -> Section:
    moved = table[table["flag"] != "stable"]
    summary = ("Every column and the score are stable (PSI < 0.1)." if moved.empty else
               f"{len(moved)} of {len(table)} entries moved: "
               + ", ".join(f"`{r.column}` {r.psi:.3f} ({r.flag})" for r in moved.itertuples())
               + ".")
    colours = [{"stable": figures.BLUE, "moderate": figures.ORANGE}.get(f, figures.VERMILION)
               for f in table["flag"]]
    return Section("stability", "Stability against the training data (PSI)", [
        summary + " PSI < 0.1 stable, 0.1-0.25 moderate, >= 0.25 major.",
        Table(["column", "kind", "PSI", "flag"],
              [[r.column, r.kind, r.psi, r.flag] for r in table.itertuples()]),
        Figure("psi", "Population stability index by column",
               "PSI of each column's distribution (and of the score) against the training "
               "rows; dashed lines at 0.1 (moderate) would be crossed by moving columns.",
               figures.horizontal_bars_svg(list(table["column"]), list(table["psi"]), "PSI",
                                           reference=0.1, colours=colours),
               Table(["column", "PSI"], [[r.column, r.psi] for r in table.itertuples()]))])


def fairness_section(pipeline: TabularPipeline, frame: pd.DataFrame, protected: str,
                      threshold: float, labelled: bool, as_categories: bool = False,
                      ) -> tuple[Section, dict[str, Any]]:
    report = fairness_report(pipeline, frame, protected,
                             y=frame[pipeline.target.name] if labelled else None,
                             threshold=threshold, as_categories=as_categories)
    groups = report.groups.copy()
    groups["compared"] = groups["compared"].map({True: "yes", False: "no"})
    section = Section("fairness", f"Groups of `{protected}` at threshold {threshold}", [
        "\n".join(f"- {line}" for line in summary_sentences(report)),
        "TPR: the share of actual events (defaults) declined; FPR: the share of non-events "
        "(good payers) declined; approval ratio: a group's approval rate over the most "
        "approved compared group's.",
        Table([str(c) for c in groups.columns],
              [list(row) for row in groups.itertuples(index=False)])])
    rate = next((c for c in groups.columns if "approv" in str(c)), None)
    if rate is not None:
        labels = [str(g) + ("" if c == "yes" else " (not compared)")
                  for g, c in zip(groups.iloc[:, 0], groups["compared"], strict=True)]
        section.add(Figure(
            "group-rates", f"Approval rate by `{protected}`",
            f"Share of each group's rows approved (event probability below {threshold}); "
            "groups marked 'not compared' are too small or hold the rows without a value.",
            figures.horizontal_bars_svg(labels, list(groups[rate].astype(float)),
                                        str(rate)),
            Table(["group", str(rate)], [[g, float(v)] for g, v in zip(labels, groups[rate],
                                                                        strict=True)])))
    return section, report.summary
