"""Reading and checking long-format price tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError
from findeep.forecast import SequenceForecaster
from findeep.forecast.series import read_series
from findeep.testing import make_price_panel


def test_unparseable_dates_are_named():
    """A date that cannot be read is reported with an example, not silently dropped."""
    frame = pd.DataFrame({"date": ["2020-01-01", "not a date", "2020-01-03"], "close": [1, 2, 3]})
    with pytest.raises(DataError, match="not a date"):
        read_series(frame, date_column="date")


def test_dates_on_a_local_clock_across_a_clock_change_are_read_in_utc():
    """Closing times exported with the exchange's offset (+01:00, then +02:00) parse."""
    frame = pd.DataFrame({"date": ["2021-03-26T16:00:00+01:00", "2021-03-29T16:00:00+02:00",
                                   "2021-03-30T16:00:00+02:00"], "close": [1.0, 2.0, 3.0]})
    dates = read_series(frame, date_column="date").frame["date"]
    assert dates.tolist() == [pd.Timestamp("2021-03-26 15:00"), pd.Timestamp("2021-03-29 14:00"),
                              pd.Timestamp("2021-03-30 14:00")]


def test_duplicate_asset_dates_are_named():
    """Two rows for the same asset and date fail with a few of the offending pairs."""
    frame = pd.DataFrame({"date": ["2020-01-01", "2020-01-01", "2020-01-02"],
                          "asset": ["X", "X", "X"], "close": [1.0, 1.1, 1.2]})
    with pytest.raises(DataError, match=r"\(X, 2020-01-01\)"):
        read_series(frame, date_column="date", asset_column="asset")


def test_missing_date_column_suggests_a_close_name():
    """A mistyped date column gets a 'did you mean'."""
    frame = pd.DataFrame({"Date": ["2020-01-01"], "close": [1.0]})
    with pytest.raises(DataError, match="Did you mean 'Date'"):
        read_series(frame, date_column="date")


def test_non_positive_prices_fail_when_returns_are_needed():
    """A zero price cannot give a log return: the error names the asset and date."""
    panel = make_price_panel(n_assets=2, n_days=60, seed=0, return_signal=False)
    panel.loc[5, "close"] = 0.0
    with pytest.raises(DataError, match="not positive"):
        SequenceForecaster(asset_column="asset", model="naive", window=3).fit(panel)


@pytest.mark.parametrize(("value", "shown"), [(np.inf, "value inf"), (-5.0, "value -5")])
def test_an_infinite_or_negative_price_is_refused_with_a_plain_number(value, shown):
    """An infinite price was taken silently (30 windows lost their forecasts with no word);
    the value is written as a number, not numpy's repr (np.float64(-5.0))."""
    panel = make_price_panel(n_assets=2, n_days=60, seed=0, return_signal=False)
    panel.loc[5, "close"] = value
    with pytest.raises(DataError, match=f"not positive and finite.*{shown}\\)") as caught:
        SequenceForecaster(asset_column="asset", model="linear", window=3).fit(panel)
    assert "np.float64" not in str(caught.value)


def test_unsorted_input_is_sorted_and_predictions_keep_input_order():
    """Shuffled rows give a warning and the same forecast per row as sorted rows."""
    panel = make_price_panel(n_assets=3, n_days=120, seed=1, return_signal=False)
    model = SequenceForecaster(asset_column="asset", model="linear", window=5).fit(panel)
    shuffled = panel.sample(frac=1.0, random_state=0)
    with pytest.warns(FindeepWarning, match="sorted"):
        shuffled_prediction = model.predict(shuffled)
    expected = pd.Series(model.predict(panel), index=panel.index)
    np.testing.assert_allclose(shuffled_prediction, expected.loc[shuffled.index].to_numpy())


def test_unknown_target_and_feature_are_config_errors():
    """A target or feature that is neither built in nor a column is refused with suggestions."""
    panel = make_price_panel(n_assets=2, n_days=80, seed=0, return_signal=False)
    with pytest.raises(ConfigError, match="Did you mean 'close'"):
        SequenceForecaster(asset_column="asset", target="clsoe").fit(panel)
    with pytest.raises(ConfigError, match="volatility"):
        SequenceForecaster(asset_column="asset", features=["volatilty"]).fit(panel)


def test_bad_window_and_model_are_config_errors():
    """Non-positive windows and unknown models fail before any work."""
    panel = make_price_panel(n_assets=2, n_days=80, seed=0, return_signal=False)
    with pytest.raises(ConfigError, match="window must be a positive integer"):
        SequenceForecaster(asset_column="asset", window=0).fit(panel)
    with pytest.raises(ConfigError, match="Did you mean 'gru'"):
        SequenceForecaster(asset_column="asset", model="gur").fit(panel)
