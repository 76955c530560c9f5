"""Backtests: costs, rules and buy-and-hold behave as a desk expects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.errors import ConfigError
from findeep.forecast.backtest import backtest, backtest_report


def _single(predictions: list[float], returns: list[float]) -> pd.DataFrame:
    dates = pd.bdate_range("2021-01-04", periods=len(predictions))
    return pd.DataFrame({"date": dates, "asset": "X", "prediction": predictions,
                         "next_return": returns})


def test_buy_and_hold_compounds_the_asset_and_pays_only_to_enter():
    """Buy-and-hold earns the asset's compounded return minus one entry cost."""
    frame = _single([0.0] * 4, [0.01, -0.02, 0.03, 0.01])
    result = backtest(frame, rule="buy-and-hold", cost_bps=10)
    expected = (1.01 - 0.001) * 0.98 * 1.03 * 1.01 - 1
    assert result["total_return"] == pytest.approx(expected)
    assert result["costs"] == pytest.approx(0.001)


def test_costs_are_charged_on_turnover():
    """Flipping from long to short turns over 2 units; each unit costs cost_bps."""
    frame = _single([1.0, -1.0, -1.0], [0.0, 0.0, 0.0])
    result = backtest(frame, rule="long-short", cost_bps=5)
    assert result["costs"] == pytest.approx((1 + 2 + 0) * 5e-4)
    assert result["total_return"] == pytest.approx((1 - 5e-4) * (1 - 1e-3) - 1)


def test_long_flat_sits_out_bearish_days_and_a_perfect_forecast_wins():
    """Long/flat is in cash on bearish forecasts; knowing the sign beats buy-and-hold."""
    returns = [0.02, -0.03, 0.01, -0.02, 0.015]
    report = backtest_report(_single(returns, returns), cost_bps=0)
    assert report["long-flat"]["exposure"] == pytest.approx(3 / 5)
    assert report["long-flat"]["total_return"] > report["buy-and-hold"]["total_return"]
    assert report["long-short"]["total_return"] > report["long-flat"]["total_return"]
    assert report["long-short"]["hit_rate"] == 1.0


def test_zero_forecast_takes_no_position():
    """The random-walk forecast (zero return) neither buys nor shorts."""
    result = backtest(_single([0.0, 0.0, 0.0], [0.01, 0.02, -0.01]), rule="long-short")
    assert result["exposure"] == 0 and result["total_return"] == 0


def test_cross_sectional_long_short_is_market_neutral():
    """With many assets, long/short holds the top half long and the bottom half short."""
    dates = np.repeat(pd.bdate_range("2021-01-04", periods=3), 4)
    frame = pd.DataFrame({"date": dates, "asset": list("ABCD") * 3,
                          "prediction": [4, 3, 2, 1] * 3, "next_return": [0.01] * 12})
    result = backtest(frame, rule="long-short", cost_bps=0)
    assert result["exposure"] == pytest.approx(2.0)
    assert result["total_return"] == pytest.approx(0.0)  # equal returns: the market cancels


def test_max_drawdown_and_sharpe_of_a_known_path():
    """A rise, a 50% fall and a recovery give a -50% drawdown; a flat series gives Sharpe 0."""
    result = backtest(_single([1, 1, 1], [0.5, -0.5, 1.0]), rule="long-flat", cost_bps=0)
    assert result["max_drawdown"] == pytest.approx(-0.5)
    flat = backtest(_single([1, 1, 1], [0.0, 0.0, 0.0]), rule="long-flat", cost_bps=0)
    assert flat["sharpe"] == 0.0


def test_bad_rule_or_cost_is_a_config_error():
    """Unknown rules and negative costs are refused."""
    frame = _single([1.0, 1.0], [0.0, 0.0])
    with pytest.raises(ConfigError):
        backtest(frame, rule="long-only")
    with pytest.raises(ConfigError):
        backtest(frame, cost_bps=-1)


def test_a_multi_step_forecast_is_traded_on_the_next_step_return():
    """With horizon 5 the forecast targets t -> t+5, but a position taken at t is held one
    step and rebalanced: the backtest's return must be the asset's t -> t+1 return, never
    the overlapping 5-step one."""
    from findeep.forecast import SequenceForecaster
    from findeep.testing import make_price_panel

    panel = make_price_panel(n_assets=2, n_days=120, seed=1, return_signal=False)
    model = SequenceForecaster(asset_column="asset", model="naive", window=4,
                               horizon=5).fit(panel)
    frame = model.predict_frame(panel).dropna(subset=["next_return", "actual"])
    close = panel.set_index(["asset", "date"])["close"]
    for asset, rows in frame.groupby("asset"):
        prices = close.loc[asset]
        dates = list(prices.index)
        following = [prices.iloc[dates.index(d) + 1] for d in rows["date"]]
        np.testing.assert_allclose(rows["next_return"], np.array(following) /
                                   prices.loc[rows["date"]].to_numpy() - 1.0, rtol=1e-12)
        step = (rows["target_date"] - rows["date"]).dt.days
        assert (step >= 5).all()  # the target is 5 trading days on, the return 1
    result = backtest(frame, rule="long-flat", cost_bps=0.0)
    assert result["periods"] == frame["date"].nunique()


def test_an_account_that_loses_everything_stays_at_zero():
    """Costs of 150% of a trade wipe the account out on the first flip: total return and
    drawdown are -100%, not a negative balance compounded into a 1e35 'gain'."""
    import warnings

    from findeep.data.schema import FindeepWarning

    frame = _single([1.0, -1.0, 1.0, -1.0, 1.0], [0.01, 0.02, -0.01, 0.01, 0.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = backtest(frame, rule="long-short", cost_bps=15_000)
    assert result["total_return"] == -1.0 and result["annual_return"] == -1.0
    assert result["max_drawdown"] == -1.0
    assert result["wiped_out"] == "2021-01-04"
    assert [w.category for w in caught] == [FindeepWarning]
    assert "long-short loses everything on 2021-01-04" in str(caught[0].message)
    assert backtest(frame, rule="long-short", cost_bps=5)["wiped_out"] is None
