"""No look-ahead: changing the future changes nothing at or before the cut-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.forecast import SequenceForecaster, evaluate_fixed, evaluate_walk_forward
from findeep.forecast.features import (
    FeatureScaler,
    build_targets,
    feature_matrix,
    resolve_columns,
)
from findeep.forecast.series import read_series
from findeep.testing import make_price_panel

ALL_FEATURES = ["return", "volatility", "volume", "range", "calendar", "open"]


@pytest.fixture(scope="module")
def panels() -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """The original panel, a copy with every row after the cut-off scrambled, and the dates."""
    panel = make_price_panel(n_assets=4, n_days=260, seed=2, return_signal=False)
    dates = np.sort(panel["date"].unique())
    test_start, cutoff = pd.Timestamp(dates[170]), pd.Timestamp(dates[220])
    altered = panel.copy()
    future = altered["date"] > cutoff
    rng = np.random.default_rng(9)
    for column in ("open", "high", "low", "close"):
        altered.loc[future, column] *= np.exp(rng.normal(0, 0.2, int(future.sum())))
    altered.loc[future, "high"] = altered.loc[future, ["open", "high", "low", "close"]].max(axis=1)
    altered.loc[future, "low"] = altered.loc[future, ["open", "high", "low", "close"]].min(axis=1)
    altered.loc[future, "volume"] *= 50.0
    return panel, altered, test_start, cutoff


def _features(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    series = read_series(frame, date_column="date", asset_column="asset")
    matrix, _ = feature_matrix(series, ALL_FEATURES, resolve_columns(series, None))
    return matrix, series.dates


def test_features_at_or_before_the_cutoff_ignore_the_future(panels):
    """Every built-in and column feature up to the cut-off is identical after the future changes."""
    panel, altered, _, cutoff = panels
    original, dates = _features(panel)
    changed, _ = _features(altered)
    past = dates <= np.datetime64(cutoff)
    np.testing.assert_array_equal(original[past], changed[past])
    assert not np.allclose(np.nan_to_num(original[~past]), np.nan_to_num(changed[~past]))


def test_targets_record_the_row_they_read_from():
    """A target at t is read h rows ahead in the same asset, and is missing past the end."""
    panel = make_price_panel(n_assets=2, n_days=30, seed=0, return_signal=False)
    series = read_series(panel, date_column="date", asset_column="asset")
    targets = build_targets(series, "return", 3, resolve_columns(series, None))
    close = series.frame["close"].to_numpy()
    assert targets.source_row[0] == 3
    assert targets.values[0] == pytest.approx(np.log(close[3] / close[0]))
    assert (targets.source_row[27:30] == -1).all() and np.isnan(targets.values[27:30]).all()


def test_scaler_is_fitted_on_the_training_period_only(panels):
    """The fitted scaler equals one fitted on the rows before the test start, not on all rows."""
    panel, _, test_start, _ = panels
    train = panel[panel["date"] < test_start]
    model = SequenceForecaster(asset_column="asset", model="linear", window=5).fit(train)
    matrix, _ = _features(train)
    expected = FeatureScaler.fit(matrix[:, :len(model.scaler_.mean)])
    np.testing.assert_allclose(model.scaler_.mean, expected.mean[:len(model.scaler_.mean)])
    full, _ = _features(panel)
    on_all_rows = FeatureScaler.fit(full[:, :len(model.scaler_.mean)])
    assert not np.allclose(model.scaler_.mean, on_all_rows.mean)


@pytest.mark.parametrize("model", ["linear", "gru", "tcn"])
def test_fixed_split_forecasts_up_to_the_cutoff_ignore_the_future(panels, model):
    """Scrambling rows after the cut-off leaves every out-of-sample forecast up to it unchanged."""
    panel, altered, test_start, cutoff = panels
    forecaster = SequenceForecaster(asset_column="asset", model=model, window=8, max_epochs=2)
    before = evaluate_fixed(forecaster, panel, test_start=test_start).predictions
    after = evaluate_fixed(forecaster, altered, test_start=test_start).predictions
    keep_before, keep_after = before["date"] <= cutoff, after["date"] <= cutoff
    assert keep_before.sum() == 4 * 51
    np.testing.assert_array_equal(before.loc[keep_before, "prediction"].to_numpy(),
                                  after.loc[keep_after, "prediction"].to_numpy())
    assert not np.allclose(before.loc[~keep_before, "prediction"],
                           after.loc[~keep_after, "prediction"])


def test_walk_forward_forecasts_up_to_the_cutoff_ignore_the_future(panels):
    """Each walk-forward refit sees only earlier rows: forecasts up to the cut-off are unchanged."""
    panel, altered, test_start, cutoff = panels
    forecaster = SequenceForecaster(asset_column="asset", model="linear", window=8)
    before = evaluate_walk_forward(forecaster, panel, test_start=test_start, refit_every=20)
    after = evaluate_walk_forward(forecaster, altered, test_start=test_start, refit_every=20)
    assert len(before.folds) == 5
    keep = before.predictions["date"] <= cutoff
    np.testing.assert_array_equal(before.predictions.loc[keep, "prediction"].to_numpy(),
                                  after.predictions.loc[keep, "prediction"].to_numpy())


def test_no_training_target_reaches_past_the_test_start(panels):
    """With a 5-step horizon, the last training sample's target date is before the test start."""
    panel, _, test_start, _ = panels
    train = panel[panel["date"] < test_start]
    model = SequenceForecaster(asset_column="asset", model="naive", window=4, horizon=5).fit(train)
    frame = model.predict_frame(train)
    labelled = frame.dropna(subset=["actual"])
    assert labelled["target_date"].max() < test_start
    assert model.training_["last_date"] < test_start.isoformat()


@pytest.mark.parametrize(("horizon", "refit_every"), [(5, 20), (1, 1)])
def test_every_walk_forward_forecast_with_an_outcome_is_scored(panels, horizon, refit_every):
    """A fold's last ``horizon`` forecasts have outcomes after the fold's end: they are
    scored (they went unscored, all of them with a refit every date), their forecasts are
    still the fold's own, and the fixed split's outcomes are theirs."""
    panel, _, test_start, _ = panels
    forecaster = SequenceForecaster(asset_column="asset", model="linear", window=8,
                                    horizon=horizon)
    walked = evaluate_walk_forward(forecaster, panel, test_start=test_start,
                                   refit_every=refit_every)
    fixed = evaluate_fixed(forecaster, panel, test_start=test_start).predictions
    key = ["date", "asset"]
    both = walked.predictions.merge(fixed, on=key, suffixes=("", "_fixed"))
    assert len(both) == len(fixed) == len(walked.predictions)
    np.testing.assert_array_equal(both["actual"].to_numpy(), both["actual_fixed"].to_numpy())
    last_dates = np.sort(panel["date"].unique())[-horizon:]
    unknown = walked.predictions["actual"].isna()
    assert walked.predictions.loc[unknown, "date"].isin(last_dates).all()
    first = walked.folds[0]
    in_first = walked.predictions["fold"] == 0
    assert walked.predictions.loc[in_first, "actual"].notna().all() or first["test_end"] is None


def test_a_test_period_with_no_known_outcome_is_refused(panels):
    """A test start on the last dates scored 0 rows and still reported (exit 0)."""
    from findeep.errors import DataError

    panel, _, _, _ = panels
    last = np.sort(panel["date"].unique())[-1]
    forecaster = SequenceForecaster(asset_column="asset", model="linear", window=8)
    with pytest.raises(DataError, match="has a known outcome: the target 1 step"):
        evaluate_fixed(forecaster, panel, test_start=last)
