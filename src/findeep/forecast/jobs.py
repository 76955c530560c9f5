"""The ``findeep forecast`` commands as library calls: train, backtest, predict.

Each checks that its output can be written before any work, and writes atomically.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from findeep.bundle import check_writable
from findeep.data.io import TableLike, write_table
from findeep.errors import ConfigError, DataError
from findeep.forecast.backtest import backtest_report
from findeep.forecast.estimator import SequenceForecaster, read_forecaster
from findeep.forecast.evaluation import ForecastEvaluation
from findeep.forecast.walkforward import evaluate_fixed, evaluate_walk_forward
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
    evaluation = evaluate(forecaster, data, test_start=test_start, walk_forward=walk_forward,
                          refit_every=refit_every, train_window=train_window)
    compared = {forecaster.model: evaluation.metrics}
    fit_seconds = {forecaster.model: evaluation.fit_seconds}
    notes: list[str] = []
    if baselines:
        for name in reported_baselines(forecaster.target, notes):
            if name == forecaster.model:
                continue
            point = {**params, "model": name, "quantiles": None, "all_horizons": False,
                     "vol_base": None}
            baseline = evaluate(SequenceForecaster(**point), data,
                                test_start=test_start, walk_forward=walk_forward,
                                refit_every=refit_every, train_window=train_window)
            compared[name] = {**baseline.metrics, **versus(evaluation, baseline,
                                                           forecaster.target, forecaster.horizon)}
            fit_seconds[name] = baseline.fit_seconds
    final = SequenceForecaster(**params).fit(data)
    metrics = {**evaluation.metrics, "scheme": evaluation.scheme, "compared": compared,
               "fit_seconds": fit_seconds}
    path = final.save(out, force=force, evaluation=evaluation, metrics=metrics)
    return {"data": str(data), "model": final.model, "target": final.target,
            "horizon": final.horizon, "window": final.window, "scheme": evaluation.scheme,
            "compared": compared, "fit_seconds": fit_seconds, "training": final.training_,
            "bundle": str(path), "notes": notes}


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
    current = forecaster.predict_frame(data)
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
    """Write one forecast per (asset, date) with a full window.

    ``in_sample`` marks dates before the model's last training date: their targets may
    have been part of its fit, so they are no evidence of skill.
    """
    out = refuse_overwrite(out, force=force)
    forecaster = read_forecaster(bundle)
    frame = forecaster.predict_frame(data)
    trained_through = pd.Timestamp(forecaster.training_["last_date"])
    result = pd.DataFrame({forecaster.date_column: frame["date"]})
    if forecaster.asset_column is not None:
        result[forecaster.asset_column] = frame["asset"].to_numpy()
    name = "probability_up" if forecaster.task_ == "binary" else "prediction"
    result[name] = frame["prediction"].to_numpy()
    for column in frame.columns:  # quantiles (q0.05, ...) and horizons (prediction_h2, ...)
        if str(column).startswith(("q", "prediction_h")):
            result[column] = frame[column].to_numpy()
    result["in_sample"] = (frame["date"] < trained_through).to_numpy()
    write_table(result, out, force=force)
    return {"rows": len(result), "out_of_sample_rows": int((~result["in_sample"]).sum()),
            "last_date": None if result.empty else pd.Timestamp(frame["date"].max()).isoformat()}
