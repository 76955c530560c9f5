"""``findeep pricing generate|train|price|calibrate|check``: parse, one call, one summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from findeep.console import ForceOpt, fmt, friendly, metrics_table, out, rows_progress

pricing_app = typer.Typer(
    name="pricing", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Surrogate option pricers: generate Heston data, train a network shaped like a "
         "price, price, calibrate, and check accuracy and arbitrage.")

BundleArg = Annotated[Path, typer.Argument(
    metavar="BUNDLE", help="A bundle written by 'findeep pricing train'.")]
SeedOpt = Annotated[int, typer.Option(  # the estimators' name; --seed kept as an alias
    "--random-state", "--seed", help="Seed for sampling, initialisation and batches.")]


@pricing_app.command()
@friendly
def generate(
    model: Annotated[str, typer.Option(
        help="heston (one option per row) or heston-grid (an implied-vol surface per row).")
    ] = "heston",
    n: Annotated[int, typer.Option("--n", help="Rows (options or parameter sets).")] = 100_000,
    out_file: Annotated[Path, typer.Option("--out", help="Parquet file to write.")] = Path(
        "heston.parquet"),
    design: Annotated[str, typer.Option(help="lhs (Latin hypercube) or sobol.")] = "lhs",
    seed: SeedOpt = 0,
    jobs: Annotated[int, typer.Option(help="Threads pricing chunks in parallel.")] = 2,
    force: ForceOpt = False,
) -> None:
    """Sample Liu et al.'s Heston box and price every row with the COS reference pricer."""
    from findeep.pricing.jobs import generate_job

    with rows_progress("pricing") as hook:
        summary = generate_job(model, n, out_file, design=design, seed=seed, n_jobs=jobs,
                               force=force, progress=hook)
    dropped = summary.get("dropped_without_iv")
    note = f" ({dropped} sets without an implied vol dropped)" if dropped else ""
    out.print(f"wrote {summary['rows']:,} {model} rows{note} priced by {summary['pricer']} -> "
              f"{out_file}", highlight=False)


@pricing_app.command()
@friendly
def train(
    data: Annotated[str, typer.Argument(
        metavar="DATA", help="Parquet written by 'findeep pricing generate'.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Bundle directory to write.")] = Path(
        "pricer"),
    kind: Annotated[str, typer.Option(
        help="price (from heston data) or surface (from heston-grid data).")] = "price",
    d_hidden: Annotated[int, typer.Option(help="Width of each hidden layer.")] = 256,
    n_layers: Annotated[int, typer.Option(help="Hidden layers.")] = 4,
    n_components: Annotated[int, typer.Option(help="Lognormal components (price).")] = 8,
    calendar: Annotated[bool, typer.Option(
        "--calendar", help="Price network non-decreasing in maturity by construction.")] = False,
    max_epochs: Annotated[int, typer.Option(help="Epochs (cosine schedule to the end).")] = 60,
    batch_size: Annotated[int, typer.Option(help="Options per training step.")] = 1024,
    learning_rate: Annotated[float, typer.Option(help="AdamW step size.")] = 2e-3,
    seed: SeedOpt = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "cpu",
    onnx: Annotated[Path | None, typer.Option(help="Also export to this .onnx file.")] = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train a surrogate with findeep's trainer and save it as a bundle."""
    from findeep.pricing.jobs import train_job

    summary = train_job(data, out_dir, force=force, onnx=onnx, kind=kind, d_hidden=d_hidden,
                        n_layers=n_layers, n_components=n_components, calendar=calendar,
                        max_epochs=max_epochs,
                        batch_size=batch_size, learning_rate=learning_rate, random_state=seed,
                        device=device, verbose=0 if quiet else 1)
    out.print(f"trained a {summary['kind']} surrogate on {summary['rows']:,} rows, "
              f"{summary['epochs']} epochs in {summary['seconds']:.0f}s; validation MAE "
              f"{summary['validation_mae']:.2e}, max error {summary['validation_max_error']:.2e}"
              f" -> {out_dir}", highlight=False)
    if "onnx" in summary:
        out.print(f"ONNX -> {summary['onnx']['path']} (max |onnx - torch| "
                  f"{summary['onnx']['max_abs_diff']:.1e})", highlight=False)


@pricing_app.command()
@friendly
def price(
    bundle: BundleArg,
    data: Annotated[str, typer.Argument(metavar="DATA",
        help="CSV/Parquet with moneyness (S/K), maturity, rate, rho, kappa, vbar, gamma, v0; "
             "optional type (call/put).")],
    out_file: Annotated[Path, typer.Option("--out", help="Prices file, .csv or .parquet.")],
    force: ForceOpt = False,
) -> None:
    """Price options in strike units; rows outside the trained box, or with an empty input
    cell, are flagged, not priced."""
    from findeep.pricing.jobs import price_job

    summary = price_job(bundle, data, out_file, force=force)
    notes = [f"{summary[column]} row(s) {why} left unpriced (see column {column})"
             for column, why in (("outside_box", "outside the trained box"),
                                 ("missing_inputs", "with an empty input cell"))
             if summary[column]]
    note = "".join(f"; {n}" for n in notes)
    out.print(f"priced {summary['priced']:,} of {summary['rows']:,} options{note} -> "
              f"{out_file}", highlight=False)


@pricing_app.command()
@friendly
def calibrate(
    bundle: BundleArg,
    surface: Annotated[str, typer.Argument(metavar="SURFACE",
        help="CSV/Parquet: moneyness (S/K), maturity, rate, and price (strike units) or "
             "implied_vol (0.25 for 25%); optional type (call/put).")],
    reference: Annotated[bool, typer.Option(
        "--reference/--no-reference", help="Also calibrate with the reference pricer.")] = True,
) -> None:
    """Fit Heston parameters to a surface with the network (and the reference pricer)."""
    from findeep.pricing.jobs import calibrate_job, summary_rows

    result = calibrate_job(bundle, surface, reference=reference)
    out.print(metrics_table(f"Heston calibration to {result['options']} options "
                            "(errors in strike units)", summary_rows(result),
                            ["rho", "kappa", "vbar", "gamma", "v0", "rmse", "max_error",
                             "reference_rmse", "converged", "at_bounds", "seconds",
                             "evaluations"],
                            labels={"reference_rmse": "rmse repriced by reference",
                                    "at_bounds": "on a search bound"}))
    if result["left_out"]:
        out.print(left_out_note(result["left_out"], result["left_out_columns"]),
                  highlight=False)
    if reference:
        speed = result["reference"]["seconds"] / max(result["network"]["seconds"], 1e-9)
        comparison = f"{speed:.0f}x faster" if speed >= 1.5 else (
            f"{1 / speed:.1f}x slower" if speed < 1 else f"{speed:.1f}x faster")
        out.print(f"network calibration {comparison} than with the reference pricer",
                  highlight=False)


def left_out_note(n: int, columns: list[str]) -> str:
    """'1 quote without a price was left out' (the columns whose empty cells left rows out)."""
    what = " or ".join(c.replace("_", " ") for c in columns)
    article = "an" if what[:1] in ("a", "e", "i", "o", "u") else "a"
    return (f"{n} quote{'' if n == 1 else 's'} without {article} {what} "
            f"{'was' if n == 1 else 'were'} left out")


@pricing_app.command()
@friendly
def check(
    bundle: BundleArg,
    n: Annotated[int, typer.Option("--n", help="Fresh options priced by both.")] = 20_000,
    sets: Annotated[int, typer.Option(help="Parameter sets for the arbitrage grid.")] = 1000,
    seed: SeedOpt = 12345,
) -> None:
    """Accuracy against the reference on a fresh sample, and static-arbitrage counts."""
    from findeep.pricing.jobs import check_job

    with rows_progress("reference pricing") as hook:
        report = check_job(bundle, n=n, n_sets=sets, seed=seed, progress=hook)
    acc = report["accuracy"]
    shown = {"r2": f"{acc['r2']:.7f}", **{k: f"{acc[k]:.2e}" for k in (
        "mae", "rmse", "max_error")}, **{k: f"{acc[k]:.4f}" for k in (
        "iv_mae_vol_points", "iv_max_vol_points")}}  # 4 decimals would hide R² and MAE
    out.print(metrics_table(f"accuracy on {acc['rows']:,} fresh options (strike units)",
                            {"network": shown}, list(shown)))
    arb = report["arbitrage"]
    out.print(metrics_table(
        f"static-arbitrage violations beyond {arb['tolerance']:g}: {arb['parameter_sets']} "
        f"sets x {arb['strikes']} strikes x {arb['maturities']} maturities",
        {"float64": arb["float64"], "float32": arb["float32"]},
        ["monotonicity", "convexity", "calendar", "lower_bound", "upper_bound"]))
    out.print(f"IV error on the liquid region (S/K 0.8-1.2, maturity >= 0.3): "
              f"{fmt(acc['iv_mae_vol_points'])} vol points on average over "
              f"{acc['liquid_rows_with_iv']:,} options", highlight=False)
