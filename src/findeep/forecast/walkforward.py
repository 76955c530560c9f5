"""Out-of-sample evaluation by date: one fixed cut-off, or walk-forward refits.

Each fit is given only the rows dated before its cut-off, so its scaler, its target
scale, its early stopping and its weights cannot see the test period, and a training
target that would be read from the test period simply does not exist in that table.
Forecasts for the test dates are then made from windows that end at those dates.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from findeep.data.io import TableLike, read_table
from findeep.errors import ConfigError, DataError
from findeep.forecast.estimator import (
    MIN_SAMPLE_DATES,
    MIN_SAMPLES,
    SequenceForecaster,
    TooFewSamplesError,
    missing_values_reported,
    point_variance_floor,
)
from findeep.forecast.evaluation import ForecastEvaluation
from findeep.forecast.metrics import forecast_metrics
from findeep.forecast.series import Series, check_date_gaps, read_series


def prepared_table(forecaster: SequenceForecaster,
                   data: TableLike) -> tuple[pd.DataFrame, np.ndarray]:
    """The table in (asset, date) order and its parsed dates, checked once for all folds
    (and, in ``findeep forecast train``, once for every model it compares).

    Missing values in the columns the model reads are carried forward here, once for the
    whole table (causal: from earlier rows only), so the user gets one warning rather
    than one per fold."""
    table = read_table(data)
    series = read_series(table, date_column=forecaster.date_column,
                         asset_column=forecaster.asset_column)
    check_date_gaps(series)
    table = table.iloc[series.input_row].reset_index(drop=True)
    columns, features = forecaster._inputs(series)
    for name in forecaster._fill_missing(series, columns, features):
        table[_table_column(series, name)] = series.frame[name].to_numpy()
    return table, series.dates


def _table_column(series: Series, name: str) -> str:
    """The input table's name for a value column of ``series`` (which renames value
    columns called 'date' or 'asset' to 'date_value' / 'asset_value')."""
    original = name.removesuffix("_value")
    if name != original and original in ("date", "asset") \
            and original not in (series.date_column, series.asset_column):
        return original
    return name


def _as_date(value: Any, name: str) -> np.datetime64:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ConfigError(f"{name} must be a date such as 2010-01-04, however: {value!r}") from None
    if pd.isna(stamp):
        raise ConfigError(f"{name} must be a date such as 2010-01-04, however: {value!r}")
    return np.datetime64(stamp.tz_localize(None) if stamp.tzinfo else stamp, "ns")


def _default_start(unique_dates: np.ndarray, fraction: float) -> np.datetime64:
    return unique_dates[min(len(unique_dates) - 1, int(len(unique_dates) * (1 - fraction)))]


def _fit_and_forecast(forecaster: SequenceForecaster, table: pd.DataFrame, dates: np.ndarray,
                      train: np.ndarray, start: np.datetime64, end: np.datetime64 | None,
                      fold: int, train_window: int | None = None
                      ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fit on the ``train`` rows, forecast from ``start`` to ``end``. ``train_window``: the
    rolling window that cut ``train`` short, if it did (it is then the fix to name)."""
    if not train.any():
        raise DataError(f"no rows are dated before {pd.Timestamp(start).date()}; move the test "
                        "start later.")
    model = clone(forecaster)
    started = time.perf_counter()
    with missing_values_reported():  # prepared_table reported them for the whole table
        try:
            model.fit(table[train])
        except TooFewSamplesError as exc:
            raise DataError(_too_few_message(forecaster, exc, start, fold, train_window,
                                             *_series_shape(forecaster, table))) from None
        seconds = time.perf_counter() - started
        visible = dates < end if end is not None else np.ones(len(dates), dtype=bool)
        frame = model.predict_frame(table[visible], start=pd.Timestamp(start))
        if end is not None and len(frame):
            frame = _with_outcomes(model, table, frame, start)
    frame["fold"] = fold
    floor = point_variance_floor(model)
    if floor is not None:  # the metrics count the forecasts the floor decides (metrics.py)
        frame["variance_floor"] = floor[0]
    record = {"fold": fold, "test_start": pd.Timestamp(start).isoformat(),
              "test_end": None if end is None else pd.Timestamp(end).isoformat(),
              "train_start": model.training_["first_date"],
              "train_end": model.training_["last_date"],
              "fit_samples": model.training_["fit_samples"],
              "best_epoch": model.training_.get("best_epoch"),
              "validation_loss": model.training_.get("best_validation_score"),
              "fit_seconds": seconds,
              "forecasts": len(frame)}
    if "conformal" in model.training_:  # the fold's interval shifts, from its own past
        record["conformal"] = model.training_["conformal"]
    if "linear_path" in model.training_:  # linear_path='select': the fit it kept
        record["linear_path"] = model.training_["linear_path"]
    if floor is not None:
        record["variance_floor"], record["floor_applied"] = floor
    return frame, record


def _with_outcomes(model: SequenceForecaster, table: pd.DataFrame, frame: pd.DataFrame,
                   start: np.datetime64) -> pd.DataFrame:
    """``frame`` (a fold's forecasts, made from the rows before the fold's end only) with the
    outcomes its last dates are scored on, which fall after that end: read from the whole
    table, as the next fold's dates are. Without them the last ``horizon`` forecasts of every
    fold went unscored (all of them with --refit-every 1). Only outcome columns are read
    there; every forecast is still the one the fold's own past gave."""
    outcomes = [c for c in frame.columns
                if c in ("actual", "target_date", "next_return") or c.startswith("actual_h")]
    later = model.predict_frame(table, start=pd.Timestamp(start))
    keyed = later.set_index(["date", "asset"])[outcomes]
    rows = pd.MultiIndex.from_arrays([frame["date"], frame["asset"]])
    frame = frame.copy()
    for column in outcomes:
        frame[column] = keyed[column].reindex(rows).to_numpy()
    return frame


def _series_shape(forecaster: SequenceForecaster, table: pd.DataFrame) -> tuple[int, int]:
    """(rows of the longest series, number of series) in the whole (prepared) table."""
    if forecaster.asset_column is None or forecaster.asset_column not in table.columns:
        return len(table), 1
    sizes = table.groupby(forecaster.asset_column, sort=False).size()
    return int(sizes.max()), len(sizes)


def _too_few_message(forecaster: SequenceForecaster, exc: TooFewSamplesError,
                     start: np.datetime64, fold: int, train_window: int | None,
                     longest_in_data: int, n_series: int) -> str:
    """The fit-size error in the evaluation's terms: the rows a split left to the fit, and
    the option that sets them (a later test start, or a larger training window); where no
    split could help — even the whole longest series, less one test date, is too short for
    the window, warm-up and horizon — the data is too short, and the sentence says so."""
    which = "the fit" if fold == 0 else f"walk-forward fold {fold + 1}'s fit"
    rows_short = max(MIN_SAMPLE_DATES - exc.dates, 0)
    if exc.samples < MIN_SAMPLES:
        # each row more on the dates gives each series one more sample
        rows_short = max(rows_short, -(-(MIN_SAMPLES - exc.samples) // n_series))
    if train_window is None and exc.longest + rows_short > longest_in_data - 1:
        return (f"the data is too short for this model: its longest series has "
                f"{longest_in_data} row(s), and a fit needs at least {MIN_SAMPLES} samples on "
                f"{MIN_SAMPLE_DATES} dates, each with a window of {forecaster.window} steps, the "
                f"features' warm-up and a target {forecaster.horizon} step(s) ahead, before the "
                "test dates; give a longer history, or shorten --window or --horizon.")
    if train_window is not None:
        where = f"--train-window {train_window} leaves {which} before {pd.Timestamp(start).date()}"
        fix = "pass a larger --train-window"
    else:
        where = f"{which} before test start {pd.Timestamp(start).date()} has"
        fix = "move --test-start later"
    return (f"{where} only {exc.longest} row(s) of the longest series, giving {exc.samples} "
            f"training sample(s) on {exc.dates} date(s) (a fit needs at least "
            f"{MIN_SAMPLES} samples on {MIN_SAMPLE_DATES} dates, each with a window of "
            f"{forecaster.window} steps, the features' warm-up and a target "
            f"{forecaster.horizon} step(s) ahead); {fix}.")


def _evaluation(forecaster: SequenceForecaster, scheme: dict[str, Any], frames: list[pd.DataFrame],
                folds: list[dict[str, Any]]) -> ForecastEvaluation:
    predictions = pd.concat(frames, ignore_index=True)
    if predictions.empty:
        raise DataError("no test date has a full window of history; move the test start later "
                        "or shorten --window.")
    if predictions["actual"].isna().all():  # an evaluation of nothing is not a result
        raise DataError(f"none of the {len(predictions):,} forecast(s) from test start "
                        f"{pd.Timestamp(scheme['test_start']).date()} has a known outcome: the "
                        f"target {forecaster.horizon} step(s) ahead falls after the last date; "
                        "move the test start earlier.")
    task = "binary" if forecaster.target == "direction" else "regression"
    metrics = forecast_metrics(predictions, task=task, target=forecaster.target,
                               horizon=forecaster.horizon)
    applied = [f["floor_applied"] for f in folds if "floor_applied" in f]
    if applied:  # False for naive: its forecasts below the floor stay as they are
        metrics["floor_applied"] = all(applied)
    return ForecastEvaluation(forecaster.model, forecaster.target, task, scheme, predictions,
                              metrics, folds)


def evaluate_fixed(forecaster: SequenceForecaster, data: TableLike, *, test_start: Any = None,
                   test_fraction: float = 0.2) -> ForecastEvaluation:
    """Fit on rows dated before ``test_start``, forecast every date from it on.

    Without ``test_start`` the last ``test_fraction`` of dates are the test period.
    """
    table, dates = prepared_table(forecaster, data)
    unique_dates = np.unique(dates)
    start = (_as_date(test_start, "test_start") if test_start is not None
             else _default_start(unique_dates, test_fraction))
    if not (dates >= start).any():
        raise DataError(f"no rows are dated on or after test start {pd.Timestamp(start).date()}.")
    frame, record = _fit_and_forecast(forecaster, table, dates, dates < start, start, None, 0)
    scheme = {"kind": "fixed", "test_start": pd.Timestamp(start).isoformat()}
    return _evaluation(forecaster, scheme, [frame], [record])


def evaluate_walk_forward(forecaster: SequenceForecaster, data: TableLike, *,
                          test_start: Any = None, refit_every: int = 252,
                          train_window: int | None = None,
                          test_fraction: float = 0.5) -> ForecastEvaluation:
    """Refit every ``refit_every`` dates from ``test_start``; each fit sees only earlier rows.

    ``train_window=None`` grows the training period (expanding); a number keeps only the
    latest ``train_window`` dates before each refit (rolling). Without ``test_start`` the
    last ``test_fraction`` of dates are forecast.
    """
    if not isinstance(refit_every, (int, np.integer)) or refit_every < 1:
        raise ConfigError(f"refit_every (--refit-every) must be a positive integer, however: "
                          f"{refit_every!r}")
    if train_window is not None and (not isinstance(train_window, (int, np.integer))
                                     or train_window < 1):
        raise ConfigError(f"train_window (--train-window) must be a positive integer, however: "
                          f"{train_window!r}")
    table, dates = prepared_table(forecaster, data)
    unique_dates = np.unique(dates)
    start = (_as_date(test_start, "test_start") if test_start is not None
             else _default_start(unique_dates, test_fraction))
    test_dates = unique_dates[unique_dates >= start]
    if len(test_dates) == 0:
        raise DataError(f"no rows are dated on or after test start {pd.Timestamp(start).date()}.")
    starts = test_dates[::refit_every]
    frames, folds = [], []
    for fold, fold_start in enumerate(starts):
        fold_end = starts[fold + 1] if fold + 1 < len(starts) else None
        train = dates < fold_start
        cut_by = None
        if train_window is not None:
            position = int(np.searchsorted(unique_dates, fold_start))
            first = unique_dates[max(0, position - train_window)]
            train &= dates >= first
            cut_by = train_window if position > train_window else None
        frame, record = _fit_and_forecast(forecaster, table, dates, train, fold_start, fold_end,
                                          fold, cut_by)
        frames.append(frame)
        folds.append(record)
    scheme = {"kind": "walk-forward", "test_start": pd.Timestamp(start).isoformat(),
              "refit_every": int(refit_every),
              "window": "expanding" if train_window is None else f"rolling {train_window} dates",
              "folds": len(folds)}
    return _evaluation(forecaster, scheme, frames, folds)
