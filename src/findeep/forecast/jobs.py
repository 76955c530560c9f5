"""The ``findeep forecast`` commands as library calls: train, backtest, predict.

Each checks that its output can be written before any work, and writes atomically.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pandas as pd

from findeep.bundle import check_writable
from findeep.data.io import TableLike, read_table, write_table
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError
from findeep.forecast.backtest import backtest_report
from findeep.forecast.estimator import (
    SequenceForecaster,
    missing_values_reported,
    read_forecaster,
)
from findeep.forecast.evaluation import ForecastEvaluation
from findeep.forecast.features import log_returns
from findeep.forecast.series import Series, checkpoint_differences, read_series
from findeep.forecast.walkforward import (
    evaluate_fixed,
    evaluate_walk_forward,
    prepared_table,
)
from findeep.output_paths import refuse_overwrite

ALWAYS_REPORTED = ("naive", "linear")
# Long-format samples name their asset column; the tables themselves cannot say which it is.
_SAMPLE_ASSET_COLUMNS = {"eustocks": "index"}


def resolve_columns(data: TableLike, date_column: str | None,
                    asset_column: str | None) -> tuple[str, str | None]:
    """The date and asset columns, taken from a built-in sample when not given."""
    if isinstance(data, str) and data.startswith("sample:"):
        from findeep.data.samples import load_sample

        name = data.removeprefix("sample:")
        sample = load_sample(name)
        return (date_column or sample.time_column or "date",
                asset_column or _SAMPLE_ASSET_COLUMNS.get(name))
    if date_column is None:
        raise ConfigError("--date-column is required: name the column holding each row's date.")
    return date_column, asset_column


def evaluate(forecaster: SequenceForecaster, data: TableLike, *, test_start: Any = None,
             walk_forward: bool = False, refit_every: int = 252,
             train_window: int | None = None) -> ForecastEvaluation:
    """Fixed-date split, or walk-forward when asked."""
    if walk_forward:
        return evaluate_walk_forward(forecaster, data, test_start=test_start,
                                     refit_every=refit_every, train_window=train_window)
    if train_window is not None:
        raise ConfigError("--train-window applies to --walk-forward only.")
    return evaluate_fixed(forecaster, data, test_start=test_start)


def train_forecast(data: TableLike, *, out: str | os.PathLike[str], force: bool = False,
                   test_start: Any = None, walk_forward: bool = False, refit_every: int = 252,
                   train_window: int | None = None, baselines: bool = True,
                   **params: Any) -> dict[str, Any]:
    """Evaluate out of sample (with naive and linear beside it), refit on all rows, save.

    The saved model is fitted on every row of ``data``; the metrics and the stored
    forecasts come from the out-of-sample evaluation only.
    """
    out = check_writable(out, force=force)
    forecaster = SequenceForecaster(**params)
    split = {"test_start": test_start, "walk_forward": walk_forward, "refit_every": refit_every,
             "train_window": train_window}
    table, _ = prepared_table(forecaster, data)  # read, checked and filled once for all fits
    with missing_values_reported():  # reported just now, not again for every model and fold
        evaluation = evaluate(forecaster, table, **split)
        compared = {forecaster.model: evaluation.metrics}
        fit_seconds = {forecaster.model: evaluation.fit_seconds}
        notes: list[str] = []
        for name in reported_baselines(forecaster.target, notes) if baselines else []:
            if name == forecaster.model:
                continue
            point = {**params, "model": name, "quantiles": None, "all_horizons": False,
                     "vol_base": None}
            try:
                baseline = evaluate(SequenceForecaster(**point), table, **split)
            except DataError as exc:  # the model passed on these rows: the baseline needs more
                notes.append(f"{name} rows left out: {exc} (the split that --test-start, "
                             "--refit-every and --train-window set is too short for it)")
                continue
            compared[name] = {**baseline.metrics, **versus(evaluation, baseline,
                                                           forecaster.target, forecaster.horizon)}
            fit_seconds[name] = baseline.fit_seconds
        final = SequenceForecaster(**params).fit(table)
    notes = [*floor_notes(compared, walk_forward=walk_forward), *notes]
    metrics = {**evaluation.metrics, "scheme": evaluation.scheme, "compared": compared,
               "fit_seconds": fit_seconds, "notes": notes}
    path = final.save(out, force=force, evaluation=evaluation, metrics=metrics)
    return {"data": str(data), "model": final.model, "target": final.target,
            "horizon": final.horizon, "window": final.window, "scheme": evaluation.scheme,
            "compared": compared, "fit_seconds": fit_seconds, "training": final.training_,
            "bundle": str(path), "notes": notes}


def floor_notes(compared: dict[str, dict[str, Any]], *, walk_forward: bool = False) -> list[str]:
    """One sentence per model whose volatility forecasts sat at or below its variance floor
    on some test rows (``metrics.floor_report``): how many, the floor, and its QLIKE with
    and without them. A model whose QLIKE those rows more than double is said to be
    dominated by them: its QLIKE row, and the Diebold–Mariano tests against it, then measure
    the floor rather than the model."""
    notes = []
    for name, metrics in compared.items():
        count = metrics.get("below_floor") or 0
        if not count:
            continue
        rows, floor = metrics["rows"], metrics["variance_floor"]
        where = f"{floor:.2g}" + (" or less, per fold" if walk_forward else "")
        what = (f"fell below the variance floor and were raised to it ({where})"
                if metrics.get("floor_applied", True) else
                f"were below the variance floor ({where}) and stay there: the random walk "
                "forecasts the last realised volatility, unfloored")
        qlike, rest = metrics["qlike"], metrics.get("qlike_above_floor")
        scores = (f"; QLIKE {qlike:.4g} with them, {rest:.4g} on the other {rows - count} rows"
                  if rest is not None else f"; QLIKE {qlike:.4g}, all of it at the floor")
        dominated = rest is None or qlike - rest > abs(rest)
        tail = (": its QLIKE, and Diebold-Mariano tests on QLIKE against it, are dominated by "
                "them" if dominated else "")
        notes.append(f"{name}: {count} of {rows} test forecasts {what}{scores}{tail}.")
    return notes


def reported_baselines(target: str, notes: list[str]) -> list[str]:
    """naive and linear always; HAR-RV and GARCH(1,1)/GJR-GARCH for realised volatility
    (the GARCH pair only with the ``arch`` package, and a note saying so without it)."""
    names = list(ALWAYS_REPORTED)
    if target == "realized_vol":
        names.append("har")
        try:
            import arch  # noqa: F401
        except ImportError:
            notes.append("GARCH rows left out: pip install 'findeep[forecast]' for the arch "
                         "package.")
        else:
            names += ["garch", "gjr_garch"]
    return names


def versus(model: ForecastEvaluation, baseline: ForecastEvaluation, target: str,
           horizon: int) -> dict[str, float]:
    """Diebold-Mariano test of the model against a baseline on their common rows: the
    loss is QLIKE for realised volatility, squared error otherwise (Brier for direction).
    ``dm_mean_difference`` < 0: the model's loss is lower."""
    from findeep.forecast.comparison import diebold_mariano, qlike

    keys = ["date", "asset"]
    merged = model.predictions[[*keys, "prediction", "actual"]].merge(
        baseline.predictions[[*keys, "prediction"]], on=keys, suffixes=("", "_baseline"))
    merged = merged[np.isfinite(merged["actual"].to_numpy(float))]
    actual = merged["actual"].to_numpy(float)
    ours, theirs = (merged["prediction"].to_numpy(float),
                    merged["prediction_baseline"].to_numpy(float))
    if target == "realized_vol":
        realised = (100 * actual) ** 2
        loss_ours, loss_theirs = (qlike(realised, (100 * ours) ** 2),
                                  qlike(realised, (100 * theirs) ** 2))
    else:
        loss_ours, loss_theirs = (actual - ours) ** 2, (actual - theirs) ** 2
    test = diebold_mariano(loss_ours, loss_theirs, merged["date"].to_numpy(), horizon)
    return {"dm_mean_difference": test["mean_difference"], "dm_pvalue": test["pvalue"]}


def honest_forecasts(forecaster: SequenceForecaster, data: TableLike) -> pd.DataFrame:
    """Forecasts made without sight of their period, with realised next returns: the
    bundle's stored out-of-sample forecasts, plus the saved model's forecasts for dates of
    ``data`` after the last date it was trained on (columns date, asset, prediction,
    actual, next_return, source = 'evaluation' | 'after training')."""
    series, table = _sorted(forecaster, data)
    current = forecaster.predict_frame(table)
    warn_unfamiliar(forecaster, series, trading=True)
    realised = current[["date", "asset", "actual", "next_return"]]
    parts = []
    stored = getattr(forecaster, "evaluation_", None)
    last_stored = None
    if stored is not None:
        parts.append(stored.predictions.merge(realised, on=["date", "asset"], how="inner")
                     .assign(source="evaluation"))
        last_stored = stored.predictions["date"].max()
    trained_through = np.datetime64(pd.Timestamp(forecaster.training_["last_date"]), "ns")
    fresh = current["date"].to_numpy() >= trained_through
    if last_stored is not None:
        fresh &= current["date"].to_numpy() > np.datetime64(last_stored, "ns")
    parts.append(current.loc[fresh, ["date", "asset", "prediction", "actual", "next_return"]]
                 .assign(source="after training"))
    honest = pd.concat(parts, ignore_index=True).dropna(subset=["next_return"])
    if honest["date"].nunique() < 2:
        raise DataError(
            "nothing here can be backtested honestly: the bundle's out-of-sample forecasts do "
            "not meet the dates of DATA, and DATA has no dates after the model's training data "
            f"(which ends {pd.Timestamp(trained_through).date()}).")
    return honest


def check_tradable(forecaster: SequenceForecaster) -> float:
    """The forecast threshold a trading rule uses; refuses targets that are not traded."""
    if forecaster.target not in ("return", "direction"):
        raise ConfigError(f"a backtest trades on a return or direction forecast; this model "
                          f"forecasts {forecaster.target!r}.")
    return 0.5 if forecaster.task_ == "binary" else 0.0


def backtest_bundle(bundle: str | os.PathLike[str], data: TableLike, *,
                    cost_bps: float = 5.0) -> dict[str, Any]:
    """Backtest only forecasts made without sight of their period (``honest_forecasts``);
    ``data`` supplies the realised returns."""
    forecaster = read_forecaster(bundle)
    threshold = check_tradable(forecaster)
    honest = honest_forecasts(forecaster, data)
    report = backtest_report(honest, cost_bps=cost_bps, threshold=threshold)
    return {"bundle": str(bundle), "model": forecaster.model, "cost_bps": cost_bps,
            "from_evaluation": int((honest["source"] == "evaluation").sum()),
            "after_training": int((honest["source"] == "after training").sum()),
            "assets": int(honest["asset"].nunique()), "results": report}


def predict_forecast(bundle: str | os.PathLike[str], data: TableLike,
                     out: str | os.PathLike[str], *, force: bool = False) -> dict[str, Any]:
    """Write one forecast per (asset, date) with a full window, in the input's row order.

    ``in_sample`` is true where the forecast's target period (t, t+h] overlaps the model's
    training data (t before its last training date) and the asset is one it was trained
    on: part of what it forecasts was in its fit, so it is no evidence of skill. Refuses
    data in which no row has a full window.
    """
    out = refuse_overwrite(out, force=force)
    forecaster = read_forecaster(bundle)
    series, table = _sorted(forecaster, data)
    frame = forecaster.predict_frame(table, input_order=True)
    frame = frame.set_axis(series.input_row[frame.index.to_numpy()]).sort_index()  # DATA's order
    if frame.empty:
        needed = forecaster.training_.get("history_needed")  # absent from older bundles
        rows = f"{needed} rows" if needed else f"more than {forecaster.window} rows"
        longest = max((end - first for _, first, end in series.asset_bounds()), default=0)
        raise DataError(
            f"no row of DATA has a full window of history: the model's first forecast for an "
            f"asset needs {rows} of it (a window of {forecaster.window} steps plus the "
            f"features' warm-up), and the longest series here has {longest}.")
    warn_unfamiliar(forecaster, series, trading=False)
    trained_through = pd.Timestamp(forecaster.training_["last_date"])
    trained_assets = forecaster.training_.get("assets")
    seen = (frame["asset"].isin(trained_assets).to_numpy() if trained_assets is not None
            else np.ones(len(frame), dtype=bool))
    result = pd.DataFrame({forecaster.date_column: frame["date"].to_numpy()})
    if forecaster.asset_column is not None:
        result[forecaster.asset_column] = frame["asset"].to_numpy()
    name = "probability_up" if forecaster.task_ == "binary" else "prediction"
    result[name] = frame["prediction"].to_numpy()
    for column in frame.columns:  # quantiles (q0.05, ...) and horizons (prediction_h2, ...)
        if str(column).startswith(("q", "prediction_h")):
            result[column] = frame[column].to_numpy()
    result["in_sample"] = (frame["date"] < trained_through).to_numpy() & seen
    write_table(result, out, force=force, like=data)  # a spreadsheet's dialect kept
    return {"rows": len(result), "out_of_sample_rows": int((~result["in_sample"]).sum()),
            "without_window": len(series.frame) - len(result),
            "last_date": pd.Timestamp(frame["date"].max()).isoformat()}


def _sorted(forecaster: SequenceForecaster, data: TableLike) -> tuple[Series, pd.DataFrame]:
    """``data`` read and checked once (one warning if unsorted), and its rows in the
    checked series' order: ``series.input_row`` maps a row of the table back to DATA."""
    table = read_table(data)
    series = read_series(table, date_column=forecaster.date_column,
                         asset_column=forecaster.asset_column)
    return series, table.iloc[series.input_row].reset_index(drop=True)


def _few(names: list[str], shown: int = 5) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def warn_unfamiliar(forecaster: SequenceForecaster, series: Series, *, trading: bool) -> None:
    """Warn when ``series`` is not what the model was trained on: assets it never saw,
    trained assets that are absent (``trading``: their stored forecasts go untraded), or
    log returns that differ from the training series' on the dates the bundle keeps a
    fingerprint of (a different file with the same dates)."""
    trained = forecaster.training_.get("assets")
    if trained is not None and forecaster.asset_column is not None:
        here = sorted({str(a) for a in series.assets})
        unknown = sorted(set(here) - set(trained))
        absent = sorted(set(trained) - set(here))
        if trading and (unknown or absent):
            parts = []
            if absent:
                parts.append(f"it lacks trained asset(s) {_few(absent)}, whose stored "
                             "out-of-sample forecasts are therefore not traded")
            if unknown:
                parts.append(f"the model never saw {_few(unknown)}, for which only forecasts "
                             "dated after the training data are traded")
            covered = len(set(trained) & set(here))
            warnings.warn(f"DATA's assets differ from the model's: {'; '.join(parts)} (the "
                          f"evaluation period covers {covered} of the {len(trained)} trained "
                          "asset(s)).", FindeepWarning, stacklevel=2)
        elif unknown:
            warnings.warn(f"DATA has {len(unknown)} asset(s) the model was never trained on "
                          f"({_few(unknown)}); their forecasts rest on what it learned from "
                          "other assets, and in_sample is false for them.", FindeepWarning,
                          stacklevel=2)
    stored = getattr(forecaster, "checkpoints_", None)
    if not stored or forecaster.columns_.price is None:
        return
    try:
        returns = log_returns(series, forecaster.columns_, "the fingerprint check")
    except DataError:
        return  # predict_frame has already said what is wrong with the prices
    checked, differing, example = checkpoint_differences(stored["log_return"], series, returns)
    if differing:
        consequence = ("the bundle's stored forecasts were made from the training series, so "
                       "the backtest would trade them against another series' returns"
                       if trading else "its in_sample flags describe the training series, "
                       "not this one")
        warnings.warn(
            f"DATA is not the series the model was trained on: its '{stored['price_column']}' "
            f"log returns differ on {differing} of the {checked} training dates checked (e.g. "
            f"{example}); {consequence}.", FindeepWarning, stacklevel=2)
