"""``findeep text train|evaluate|predict|explain|benchmark|serve``: parse, one call, one summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from findeep.console import CutoffOpt, ForceOpt, check_json_out, fmt, friendly, out
from findeep.errors import ConfigError

text_app = typer.Typer(
    name="text", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Text columns (headlines, analyst notes, a loan's stated purpose): text-cnn, "
         "text-bilstm or MiniLM beside the table's other columns; explained word by word.")

DataArg = Annotated[str, typer.Argument(
    metavar="DATA", help="CSV, TSV or Parquet path with a text column.")]
BundleArg = Annotated[Path, typer.Argument(
    metavar="BUNDLE", help="A bundle written by 'findeep text train'.")]
TextColumnOpt = Annotated[str | None, typer.Option(
    "--text-column", "--text-columns",
    help="The free-text column (inferred when unset: mostly-unique strings of several words).")]
Int8Opt = Annotated[bool, typer.Option(
    "--int8", help="MiniLM models: score with int8 Linear layers (about half the CPU per "
                   "sentence; the accuracy it costs is in BENCHMARKS.md).")]
HEADLINE = {"multiclass": ("accuracy", "macro_f1", "log_loss"),
            "binary": ("roc_auc", "accuracy", "log_loss"),
            "regression": ("rmse", "mae", "r2")}


def parse_json_options(raw: str | None) -> dict[str, Any] | None:
    """``--model-options``: a JSON object, or one line saying it is not one."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigError(f"--model-options must be a JSON object, however: {raw!r}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"--model-options must be a JSON object, however: {raw!r}")
    return value


def print_text_metrics(task: str, metrics: dict[str, Any]) -> None:
    """A text model's metrics: headline, per-class precision/recall, confusion matrix."""
    # a binary model's accuracy is its labels' at the cut-off they were taken at
    names = {"accuracy": f"accuracy @{metrics.get('threshold', 0.5):g}"} if task == "binary" \
        else {}
    out.print("  ".join(f"{names.get(k, k)}={fmt(metrics[k])}" for k in HEADLINE[task]
                        if k in metrics))
    absent = metrics.get("classes_without_test_rows")
    if absent and "macro_f1" in metrics:  # a perfect macro-F1 may just not have seen a class
        out.print(f"  macro-F1 over {metrics['macro_f1_classes']} of "
                  f"{len(metrics['per_class'])} classes (no test rows for: {', '.join(absent)})")
    for name, row in metrics.get("per_class", {}).items():
        out.print(f"  {name}: precision={fmt(row['precision'])} recall={fmt(row['recall'])} "
                  f"f1={fmt(row['f1'])} n={row['support']}")
    if "confusion_matrix" in metrics:
        labels = metrics["confusion_matrix"]["labels"]
        out.print("  confusion (rows true, columns predicted: " + ", ".join(labels) + ")")
        for label, counts in zip(labels, metrics["confusion_matrix"]["counts"], strict=True):
            out.print(f"    {label}: {counts}")
    text = metrics.get("text", {})
    if text.get("truncated") or text.get("empty") or text.get("converted_non_strings"):
        out.print(f"  {text_counts(text)}")


@text_app.command()
@friendly
def train(
    data: DataArg,
    target: Annotated[str, typer.Option(help="Target column.")],
    text_column: TextColumnOpt = None,
    model: Annotated[str, typer.Option(help="text-cnn, text-bilstm or minilm.")] = "text-cnn",
    model_options: Annotated[str | None, typer.Option(
        help='JSON, e.g. \'{"frozen": true}\' for minilm as a fixed feature extractor.')
    ] = None,
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    event_class: Annotated[str | None, typer.Option(help=(
        "Binary targets: the class whose probability is written, where findeep would pick "
        "the other."))] = None,
    test_fraction: Annotated[float, typer.Option(help="Share of rows held out.")] = 0.2,
    max_epochs: Annotated[int | None, typer.Option(help="Epoch limit (recipe if unset).")
                          ] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Rows per training step (the model's recipe if unset).")] = None,
    learning_rate: Annotated[float | None, typer.Option(
        help="AdamW step size (the model's recipe if unset).")] = None,
    seed: Annotated[int, typer.Option(
        "--random-state", "--seed", help="Seed for splits, initialisation and batches.")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Bundle directory to write.")] = Path(
        "findeep-text-model"),
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train on DATA (a held-out share evaluated), save a bundle with metrics.json."""
    from findeep.text.jobs import train_text_job

    report = train_text_job(
        data, target=target, out=out_dir, model=model, text_column=text_column, task=task,
        test_fraction=test_fraction, seed=seed, force=force, verbose=0 if quiet else 1,
        model_options=parse_json_options(model_options),
        train_options={"max_epochs": max_epochs, "batch_size": batch_size,
                       "learning_rate": learning_rate}, event_class=event_class)
    print_text_training(model, report)


def print_text_training(model: str, report: dict[str, Any]) -> None:
    """What ``train_text_job`` did: the fit, the held-out metrics, the bundle."""
    training = report["training"]
    event = f", event class {report['event_class']!r}" if "event_class" in report else ""
    out.print(f"{model} on '{report['text_column']}' ({report['task']}{event}): "
              f"{training['fit_rows']} fit rows, best epoch {training['best_epoch']}, "
              f"texts cut at {training['max_length']} tokens")
    print_text_metrics(report["task"], report["metrics"])
    out.print(f"bundle written to {report['bundle']}")


@text_app.command()
@friendly
def evaluate(
    bundle: BundleArg, data: DataArg,
    threshold: Annotated[float, typer.Option(help=(
        "Binary models: the cut-off of the threshold metrics (accuracy, precision, "
        "recall)."))] = 0.5,
) -> None:
    """Score labelled DATA with BUNDLE and print its metrics."""
    from findeep.text.jobs import evaluate_text_job

    metrics = evaluate_text_job(bundle, data, threshold=threshold)
    print_text_metrics(metrics["task"], metrics)


@text_app.command()
@friendly
def predict(
    bundle: BundleArg, data: DataArg,
    out_path: Annotated[Path, typer.Option("--out", help="CSV or Parquet to write.")] = Path(
        "predictions.csv"),
    force: ForceOpt = False,
    threshold: CutoffOpt = None,
) -> None:
    """Write DATA with a prediction (and probability_<class> columns) per row."""
    from findeep.text.jobs import predict_text_job

    report = predict_text_job(bundle, data, out=out_path, force=force, threshold=threshold)
    out.print(text_scoring_line(report), highlight=False)


def text_counts(text: dict[str, Any]) -> str:
    """What the texts needed (a ``TextReport.to_dict()``): cut, empty, and numbers read as
    text when there were any."""
    counts = f"texts cut to the length limit: {text['truncated']}, empty: {text['empty']}"
    if text.get("converted_non_strings"):
        counts += f", numbers read as text: {text['converted_non_strings']}"
    return counts


def text_scoring_line(report: dict[str, Any]) -> str:
    """``predict_text_job``'s summary: rows, where they went, what the texts needed, and
    which class a binary model's probability is for."""
    line = (f"scored {report['rows']} rows -> {report['out']}{report.get('written_as', '')} "
            f"({text_counts(report['text'])})")
    if "event_class" in report:
        line += (f"; {report['probability_column']} is the probability of "
                 f"{report['target']} = {report['event_class']!r}")
        if report.get("threshold", 0.5) != 0.5:
            line += f", predicted at or above {report['threshold']:g}"
    return line


@text_app.command()
@friendly
def explain(
    bundle: BundleArg, data: DataArg,
    rows: Annotated[int, typer.Option(help="Explain the first N rows.")] = 5,
    top: Annotated[int, typer.Option(help="Words and columns listed per row.")] = 8,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """List the words (and columns) that pushed each prediction, by integrated gradients."""
    from findeep.text.jobs import explain_text_job

    found = explain_text_job(bundle, data, rows=rows, top=top)
    if json_out:
        out.print_json(json.dumps(found))
        return
    print_text_explanations(found)


def print_text_explanations(found: list[dict[str, Any]]) -> None:
    """Per row: the prediction, the text, the words (and columns) that pushed it."""
    for row in found:
        out.print(f"row {row['row']}: predicted {row['prediction']} — {row['explained_output']}"
                  f" (completeness delta {row['completeness_delta']:.1e})")
        text = row["text"] if isinstance(row["text"], str) and row["text"] else "(no text)"
        out.print(f"  text: {text[:160]}", markup=False, highlight=False)
        words = ", ".join(f"{w['word']} {w['attribution']:+.3f}" for w in row["words"])
        out.print(f"  words: {words}", markup=False, highlight=False)
        if row["columns"]:
            out.print("  columns: " + ", ".join(f"{c['column']} {c['attribution']:+.3f}"
                                               for c in row["columns"]), markup=False)


@text_app.command()
@friendly
def benchmark(
    data: DataArg,
    target: Annotated[str, typer.Option(help="Target column.")],
    text_column: TextColumnOpt = None,
    models: Annotated[str, typer.Option(
        help="Comma-separated: tfidf-lr, text-cnn, text-bilstm, minilm, minilm-frozen.")
    ] = "tfidf-lr,text-cnn,text-bilstm",
    folds: Annotated[int, typer.Option("--n-folds", "--folds", help="Stratified folds.")] = 5,
    seed: Annotated[int, typer.Option(
        "--random-state", "--seed", help="Seed for folds, initialisation and batches.")] = 0,
    max_epochs: Annotated[int | None, typer.Option(help="Epoch limit for networks.")] = None,
    json_path: Annotated[Path | None, typer.Option(  # --out as elsewhere; --json kept
        "--out", "--json", help="Also write the results here (JSON).")] = None,
    force: ForceOpt = False,
) -> None:
    """Every model on the same folds: metrics mean ± std, fit time, scoring speed."""
    from findeep.data.io import read_table
    from findeep.output_paths import refuse_overwrite
    from findeep.text.benchmark import run_text_benchmark

    if json_path is not None:
        check_json_out(json_path, "the results")
        refuse_overwrite(json_path, force=force)
    result = run_text_benchmark(
        read_table(data), target, models=[m.strip() for m in models.split(",") if m.strip()],
        text_column=text_column, n_folds=folds, seed=seed,
        train_options={"max_epochs": max_epochs} if max_epochs else None)
    print_text_benchmark(result, seed=seed, folds=folds)
    if json_path is not None:
        staging = json_path.with_name(f".{json_path.name}.tmp")
        staging.write_text(json.dumps(result, indent=2, default=str) + "\n")
        staging.replace(json_path)  # atomic: a reader never sees half a file


def print_text_benchmark(result: dict[str, Any], *, seed: int, folds: int) -> None:
    """Each model's mean ± std, fit time, scoring speed and its verdict against TF-IDF+LR."""
    keys = ("rmse", "r2") if result["task"] == "regression" else ("accuracy", "macro_f1")
    out.print(f"{result['rows']} rows, text column '{result['text_column']}', "
              f"{result['folds_run']} stratified folds (seed {seed})")
    for note in result.get("notes", []):
        out.print(f"  {note}")
    for name, entry in result["models"].items():
        s = entry["summary"]
        cells = [f"{k}={s[k]['mean']:.4f}±{s[k]['std']:.4f}" for k in keys if k in s]
        cells.append(f"fit={s['fit_seconds']['mean']:.1f}s")
        cells.append(f"scoring={s['score_rows_per_second']['mean']:,.0f} rows/s")
        if "accuracy_minus_baseline" in entry:
            d = entry["accuracy_minus_baseline"]
            noise = 2 * d["std"] / folds ** 0.5  # two standard errors of the fold differences
            verdict = ("beats" if d["mean"] > noise else "is behind" if d["mean"] < -noise
                       else "is within the noise of")
            cells.append(f"vs tfidf-lr {d['mean']:+.4f}±{d['std']:.4f} ({verdict} it)")
        out.print(f"  {name}: " + "  ".join(cells))
        if note := _macro_fold_note(entry["folds"]):
            out.print(f"    {note}")


def _macro_fold_note(folds: list[dict[str, Any]]) -> str | None:
    """Which folds' macro-F1 left out a class (no test rows there, never predicted)."""
    short = [f for f in folds if f.get("macro_f1_classes", 0) < f.get("n_classes", 0)]
    if not short:
        return None
    listed = ", ".join(f"fold {f['fold']} over {f['macro_f1_classes']} of {f['n_classes']}"
                       for f in short)
    return (f"macro-F1 left out a class with no test rows on {len(short)} fold(s) "
            f"({listed}): those folds' macro-F1 may read high.")


@text_app.command()
@friendly
def serve(
    bundle: BundleArg,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    api_key_env: Annotated[str | None, typer.Option(
        help="Require X-API-Key equal to this environment variable's value.")] = None,
    int8: Int8Opt = False,
    strict: Annotated[bool, typer.Option("--strict", help="Reject unknown fields (422).")] = False,
    threshold: CutoffOpt = None,
) -> None:
    """Serve BUNDLE: POST /v1/predict and /v1/explain with one record, a list of records or
    {"records": [...]}."""
    import os

    from findeep.console import http_address
    from findeep.text.serve import serve_text

    key = None
    if api_key_env is not None:
        key = os.environ.get(api_key_env, "")
        if not key.strip():
            raise ConfigError(f"environment variable {api_key_env} is not set or empty; export "
                              "the API key there, or leave out --api-key-env.")
    if not host.strip():  # an unset $HOST would bind every interface
        raise ConfigError("--host is empty (an unset variable?); give 127.0.0.1 (this machine "
                          "only) or 0.0.0.0 (every interface) by name.")
    out.print(f"findeep: serving {bundle} on {http_address(host, port)}", highlight=False)
    serve_text(bundle, host=host, port=port, api_key=key, int8=int8, strict=strict,
               threshold=threshold)
