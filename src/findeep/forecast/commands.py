"""``findeep forecast train|backtest|predict``: parse, one library call, one summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from findeep.console import ForceOpt, RandomStateOpt, friendly, metrics_table, out

forecast_app = typer.Typer(
    name="forecast", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Forecast returns, direction, realised volatility or a column from price series; "
         "evaluate out of sample and backtest with costs.")

DataArg = Annotated[str, typer.Argument(
    metavar="DATA",
    help="CSV or Parquet path, or sample:NAME (sp500, eustocks).")]
BundleArg = Annotated[Path, typer.Argument(
    metavar="BUNDLE", help="A bundle written by 'findeep forecast train'.")]


@forecast_app.command()
@friendly
def train(
    data: DataArg,
    date_column: Annotated[str | None, typer.Option(help="Column holding each row's date.")] = None,
    asset_column: Annotated[str | None, typer.Option(
        help="Column naming the asset, for tables of many series.")] = None,
    target: Annotated[str, typer.Option(
        help="return, direction, volatility, realized_vol (HAR-RV and GARCH reported beside), "
             "log_volume, or a column name (its value at t+h).")] = "return",
    quantiles: Annotated[str | None, typer.Option(
        help="Quantile forecasts, e.g. 0.05,0.5,0.95 (networks; never crossing; conformalised "
             "on the latest training dates).")] = None,
    conformal: Annotated[str, typer.Option(
        help="Quantile calibration: adaptive (the default; recalibrated every date from the "
             "model's realised misses, adaptive conformal inference), dtaci (the same "
             "with eight step sizes aggregated online), scaled or additive (one-off CQR on "
             "the latest training dates), or none.")] = "adaptive",
    all_horizons: Annotated[bool, typer.Option(
        "--all-horizons", help="One network forecasts every horizon 1..H (direct).")] = False,
    vol_estimator: Annotated[str, typer.Option(
        help="realized_vol from: squared (returns), parkinson or garman_klass (ranges).")
    ] = "squared",
    vol_base: Annotated[str | None, typer.Option(
        help="realized_vol networks: 'gjr' predicts log(GJR-GARCH forecast) + a learned "
             "correction that starts at zero (needs findeep\\[forecast]).")] = None,
    members: Annotated[int | None, typer.Option(  # the estimator's n_members; --members kept
        "--n-members", "--members",
        help="Networks averaged, differing only in seed (default: frozen recipe).")] = None,
    linear_path: Annotated[str | None, typer.Option(
        help="Networks' linear path: select (default: fit ridge-started and plain, keep the "
             "lower validation loss), ridge, zero (started at zero) or none.")] = None,
    features: Annotated[str | None, typer.Option(
        help="Comma-separated: return, volatility, volume, range, calendar, har, leverage, "
             "garch_var (GJR-GARCH variance forecast; needs findeep\\[forecast]), or "
             "columns.")] = None,
    price_column: Annotated[str | None, typer.Option(
        help="Price column for returns (default: Adj.Close/Close/price found by name).")] = None,
    horizon: Annotated[int, typer.Option(help="Steps ahead to forecast.")] = 1,
    window: Annotated[int, typer.Option(help="Steps of history per sample.")] = 20,
    model: Annotated[str, typer.Option(
        help="lstm, gru, tcn, transformer, linear, naive or lightgbm; for realized_vol "
             "also har, garch or gjr_garch.")] = "lstm",
    test_start: Annotated[str | None, typer.Option(
        help="First test date (default: the last 20% of dates; 50% with --walk-forward).")] = None,
    walk_forward: Annotated[bool, typer.Option(
        "--walk-forward", help="Refit every --refit-every dates through the test period.")] = False,
    refit_every: Annotated[int, typer.Option(help="Dates between walk-forward refits.")] = 252,
    train_window: Annotated[int | None, typer.Option(
        help="Walk-forward: train on the latest N dates only (rolling); default expanding.")
    ] = None,
    max_epochs: Annotated[int | None, typer.Option(help="Epoch limit for networks.")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Rows per training step (the model's recipe if unset).")] = None,
    learning_rate: Annotated[float | None, typer.Option(
        help="AdamW step size (the model's recipe if unset).")] = None,
    weight_decay: Annotated[float | None, typer.Option(
        help="AdamW weight decay for networks (model's recipe if unset).")] = None,
    patience: Annotated[int | None, typer.Option(
        help="Epochs without a better validation score before stopping.")] = None,
    validation_fraction: Annotated[float, typer.Option(
        help="Share of the training dates held back for early stopping.")] = 0.2,
    random_state: RandomStateOpt = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    out_dir: Annotated[Path, typer.Option("--out", help="Bundle directory to write.")] = Path(
        "findeep-forecast"),
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Evaluate out of sample beside naive and linear, then save the model fitted on all of DATA."""
    from findeep.forecast.jobs import resolve_columns, train_forecast
    from findeep.forecast.metrics import HEADLINE

    date_column, asset_column = resolve_columns(data, date_column, asset_column)
    report = train_forecast(
        data, out=out_dir, force=force, test_start=test_start, walk_forward=walk_forward,
        refit_every=refit_every, train_window=train_window, date_column=date_column,
        asset_column=asset_column, target=target, features=features, price_column=price_column,
        horizon=horizon, window=window, model=model, max_epochs=max_epochs,
        batch_size=batch_size, learning_rate=learning_rate, weight_decay=weight_decay,
        patience=patience, validation_fraction=validation_fraction, random_state=random_state,
        device=device,
        verbose=0 if quiet else 1, quantiles=quantiles, all_horizons=all_horizons,
        vol_estimator=vol_estimator, n_members=members, conformal=conformal,
        vol_base=vol_base, **({} if linear_path is None else {"linear_path": linear_path}))
    scheme = report["scheme"]
    how = f"fixed split, test from {scheme['test_start'][:10]}"
    if scheme["kind"] == "walk-forward":
        how = (f"walk-forward from {scheme['test_start'][:10]}, refit every "
               f"{scheme['refit_every']} dates ({scheme['window']}, {scheme['folds']} folds)")
    out.print(metrics_table(
        f"{report['model']} on {data}: target {report['target']} {report['horizon']} step(s) "
        f"ahead, window {report['window']}; {how}", _signed_differences(report["compared"]),
        [*HEADLINE, *per_horizon_keys(report["compared"]), *interval_keys(report["compared"]),
         "dm_mean_difference", "dm_pvalue", "rows"],
        labels={"dm_mean_difference": f"DM: {report['model']} loss - this",
                "dm_pvalue": "DM p-value", "below_floor": "below variance floor",
                "qlike_above_floor": "qlike without those"}))
    for note in report["notes"]:
        out.print(note, highlight=False)
    seconds = ", ".join(f"{name} {s:.1f}s" for name, s in report["fit_seconds"].items())
    out.print(f"fit time (all folds): {seconds}", highlight=False)
    out.print(f"saved {report['model']} refitted on all rows through "
              f"{report['training']['last_date'][:10]} to {report['bundle']}", highlight=False)


def _signed_differences(compared: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The table's copy of ``compared`` with each DM loss difference in three significant
    figures and its sign: a return loss difference of 2e-6 printed as '0.0000', hiding which
    model the p-value favoured."""
    shown = {}
    for name, metrics in compared.items():
        value = metrics.get("dm_mean_difference")
        shown[name] = metrics if not isinstance(value, float) or value != value else {
            **metrics, "dm_mean_difference": f"{value:+.3g}"}
    return shown


def per_horizon_keys(compared: dict[str, dict[str, Any]]) -> list[str]:
    keys = {k for m in compared.values() for k in m if k.startswith("h") and "_" in k
            and k.split("_")[0][1:].isdigit()}
    return sorted(keys, key=lambda k: (int(k.split("_")[0][1:]), k))


def interval_keys(compared: dict[str, dict[str, Any]]) -> list[str]:
    return sorted({k for m in compared.values() for k in m
                   if k.startswith(("pinball_", "var_", "coverage_", "width_"))
                   or k == "interval"})


@forecast_app.command()
@friendly
def backtest(
    bundle: BundleArg, data: DataArg,
    cost_bps: Annotated[float, typer.Option(help="Cost per unit of turnover, basis points.")] = 5.0,
) -> None:
    """Trade the bundle's out-of-sample forecasts (long/flat, long/short) next to buy-and-hold."""
    from findeep.forecast.backtest import HEADLINE
    from findeep.forecast.jobs import backtest_bundle

    report = backtest_bundle(bundle, data, cost_bps=cost_bps)
    first = next(iter(report["results"].values()))
    out.print(metrics_table(
        f"{report['model']} backtest {first['start']} to {first['end']}, "
        f"{report['cost_bps']:g} bps per unit turnover", report["results"], list(HEADLINE)))
    out.print(f"forecasts traded: {report['from_evaluation']} from the out-of-sample evaluation, "
              f"{report['after_training']} made after the training data ended", highlight=False)


@forecast_app.command()
@friendly
def predict(
    bundle: BundleArg, data: DataArg,
    out_file: Annotated[Path, typer.Option("--out", help="Forecasts file, .csv or .parquet.")],
    force: ForceOpt = False,
) -> None:
    """Forecast every (asset, date) of DATA that has a full window of history."""
    from findeep.forecast.jobs import predict_forecast

    summary: dict[str, Any] = predict_forecast(bundle, data, out_file, force=force)
    skipped = (f"; {summary['without_window']} row(s) of DATA have no full window of history "
               "yet and get none" if summary["without_window"] else "")
    out.print(f"wrote {summary['rows']} forecasts in DATA's row order "
              f"({summary['out_of_sample_rows']} out of sample{skipped}) -> {out_file}",
              highlight=False, markup=False)
