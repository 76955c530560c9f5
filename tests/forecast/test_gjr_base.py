"""``vol_base='gjr'``: the network that contains GJR-GARCH.

It predicts log variance as log(GJR forecast) + a correction that starts at zero, so an
untrained network is exactly the causal GJR-GARCH forecast (parameters from the training
returns before the validation block), and early stopping keeps that start when training
does not beat it on validation.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import findeep
from findeep.errors import ConfigError
from findeep.forecast import SequenceForecaster
from findeep.forecast.features import log_returns
from findeep.forecast.vol_baselines import garch_feature

pytest.importorskip("arch")

SETTINGS = {"date_column": "date", "target": "realized_vol", "model": "gru", "window": 10,
            "horizon": 2, "vol_base": "gjr"}


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    """A GJR-GARCH return series (percent): omega 0.03, alpha 0.04, gamma 0.12, beta 0.86."""
    rng = np.random.default_rng(0)
    variance, returns = 1.0, np.empty(700)
    for t in range(700):
        returns[t] = np.sqrt(variance) * rng.standard_normal()
        variance = 0.03 + (0.04 + 0.12 * (returns[t] < 0)) * returns[t] ** 2 + 0.86 * variance
    close = 100 * np.exp(np.cumsum(returns / 100))
    return pd.DataFrame({"date": pd.bdate_range("2012-01-02", periods=700), "close": close})


@pytest.fixture(scope="module")
def fitted(prices) -> SequenceForecaster:
    return SequenceForecaster(**SETTINGS, max_epochs=2).fit(prices.iloc[:500])


def _gjr(forecaster: SequenceForecaster, data, horizon: int) -> np.ndarray:
    design, _ = forecaster._design(data, forecaster.columns_, forecaster.features_)
    returns = log_returns(design.series, design.columns, "test")
    return np.sqrt(garch_feature(forecaster.garch_input_, returns, design.series.assets,
                                 horizon))


def test_untrained_network_is_exactly_gjr(prices):
    """With no step that beats the start on validation, the forecast is the GJR forecast."""
    model = SequenceForecaster(**{**SETTINGS, "all_horizons": True}, max_epochs=1,
                               learning_rate=1e-12).fit(prices.iloc[:500])
    assert model.training_["best_epoch"] == 0
    frame = model.predict_frame(prices)
    for h in (1, 2):
        expected = _gjr(model, prices, h)[model.window:]
        np.testing.assert_allclose(frame[f"prediction_h{h}"].to_numpy(),
                                   expected[-len(frame):], rtol=1e-6)


def test_gjr_base_never_looks_ahead(prices, fitted):
    """Changing every return after t leaves the forecasts at <= t alone; shocks inside the
    validation block move no GJR parameter."""
    t = 600
    changed = prices.copy()
    changed.loc[t + 1:, "close"] = changed.loc[t + 1:, "close"].to_numpy() * np.exp(
        np.cumsum(np.random.default_rng(1).normal(0, 0.05, len(prices) - t - 1)))
    np.testing.assert_array_equal(fitted.predict(prices)[:t + 1],
                                  fitted.predict(changed)[:t + 1])
    train = prices.iloc[:500].copy()
    train.loc[450:, "close"] = train.loc[450:, "close"] * 1.3
    refit = SequenceForecaster(**fitted.get_params()).fit(train)
    assert refit.garch_input_.params == fitted.garch_input_.params


def test_gjr_base_survives_a_save(prices, fitted, tmp_path):
    loaded = findeep.load(fitted.save(tmp_path / "m"))
    assert loaded.vol_base == "gjr"
    np.testing.assert_array_equal(loaded.predict(prices), fitted.predict(prices))


def test_gjr_base_needs_a_volatility_network(prices):
    with pytest.raises(ConfigError, match="vol_base='gjr' needs a network"):
        SequenceForecaster(**{**SETTINGS, "target": "return"}).fit(prices)
    with pytest.raises(ConfigError, match=r"vol_base \(--vol-base\) must be one of gjr"):
        SequenceForecaster(**{**SETTINGS, "vol_base": "egarch"}).fit(prices)


def test_gjr_base_without_arch_names_the_extra(prices, monkeypatch):
    monkeypatch.setitem(sys.modules, "arch", None)
    with pytest.raises(ConfigError, match=r"vol_base='gjr'.*findeep\[forecast\]"):
        SequenceForecaster(**SETTINGS).fit(prices)


def test_gjr_base_from_the_cli(prices, tmp_path):
    """`--vol-base gjr` trains end to end (baselines beside it run without the base)."""
    from typer.testing import CliRunner

    from findeep.cli import app

    path = tmp_path / "prices.csv"
    prices.to_csv(path, index=False)
    result = CliRunner().invoke(app, [
        "forecast", "train", str(path), "--date-column", "date", "--target", "realized_vol",
        "--window", "10", "--model", "gru", "--vol-base", "gjr", "--max-epochs", "2",
        "--quiet", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert findeep.load(tmp_path / "m").vol_base == "gjr"
