"""The ``garch_var`` input feature: a GJR-GARCH variance forecast the network learns on top of.

Its parameters come from the training returns before the validation block, and its value
at t uses returns through t only; it survives a save and works from the CLI.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import findeep
from findeep.cli import app
from findeep.errors import ConfigError
from findeep.forecast import SequenceForecaster
from findeep.forecast.vol_baselines import GARCHBaseline, garch_feature

pytest.importorskip("arch")
FEATURES = "return,squared_return,garch_var"


def _prices(n: int = 700, seed: int = 0) -> pd.DataFrame:
    """A GJR-GARCH return series (percent): omega 0.03, alpha 0.04, gamma 0.12, beta 0.86."""
    rng = np.random.default_rng(seed)
    variance, returns = 1.0, np.empty(n)
    for t in range(n):
        returns[t] = np.sqrt(variance) * rng.standard_normal()
        variance = 0.03 + (0.04 + 0.12 * (returns[t] < 0)) * returns[t] ** 2 + 0.86 * variance
    close = 100 * np.exp(np.cumsum(returns / 100))
    return pd.DataFrame({"date": pd.bdate_range("2012-01-02", periods=n), "close": close})


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return _prices()


@pytest.fixture(scope="module")
def fitted(prices) -> SequenceForecaster:
    train = prices.iloc[:500]
    return SequenceForecaster(date_column="date", target="realized_vol", model="gru",
                              window=10, horizon=2, features=FEATURES, max_epochs=2).fit(train)


def _garch_column(forecaster: SequenceForecaster, data: pd.DataFrame) -> np.ndarray:
    design, _ = forecaster._design(data, forecaster.columns_, forecaster.features_)
    return design.matrix[:, design.feature_columns.index("garch_var")]


def test_filter_matches_arch_and_its_multi_step_forecast(prices):
    """The causal recursion gives arch's own 1- and 5-day mean variance forecasts (after
    arch's backcast has worn off)."""
    returns = np.log(prices["close"]).diff().to_numpy()
    assets = np.zeros(len(returns))
    model = GARCHBaseline("gjr_garch").fit(returns, assets)
    for horizon in (1, 5):
        ours = garch_feature(model, returns, assets, horizon)
        theirs = model.predict(returns, assets, horizon) ** 2
        np.testing.assert_allclose(ours[200:], theirs[200:], rtol=1e-6)
    assert np.isnan(ours[0]) and np.isfinite(ours[1:]).all()


def test_garch_input_never_looks_ahead(prices, fitted):
    """Changing every return after t changes neither the feature nor the forecast at <= t;
    changing the validation block's returns does not change the fitted parameters."""
    t = 600
    changed = prices.copy()
    changed.loc[t + 1:, "close"] = changed.loc[t + 1:, "close"].to_numpy() * np.exp(
        np.cumsum(np.random.default_rng(1).normal(0, 0.05, len(prices) - t - 1)))
    np.testing.assert_array_equal(_garch_column(fitted, prices)[:t + 1],
                                  _garch_column(fitted, changed)[:t + 1])
    np.testing.assert_array_equal(fitted.predict(prices)[:t + 1],
                                  fitted.predict(changed)[:t + 1])
    # the last 20% of the 500 training dates is validation: shocks there move no parameter
    train = prices.iloc[:500].copy()
    train.loc[450:, "close"] = train.loc[450:, "close"] * 1.3
    refit = SequenceForecaster(**fitted.get_params()).fit(train)
    assert refit.garch_input_.params == fitted.garch_input_.params


def test_garch_input_survives_a_save(prices, fitted, tmp_path):
    loaded = findeep.load(fitted.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict(prices), fitted.predict(prices))


def test_garch_input_from_the_cli(prices, tmp_path):
    """`--features ...,garch_var` trains end to end and predicts positive volatility."""
    path = tmp_path / "prices.csv"
    prices.to_csv(path, index=False)
    runner = CliRunner()
    result = runner.invoke(app, [
        "forecast", "train", str(path), "--date-column", "date", "--target", "realized_vol",
        "--window", "10", "--model", "gru", "--features", FEATURES, "--max-epochs", "2",
        "--quiet", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "f.csv"
    assert runner.invoke(app, ["forecast", "predict", str(tmp_path / "m"), str(path),
                               "--out", str(out)]).exit_code == 0
    assert (pd.read_csv(out)["prediction"].dropna() > 0).all()


def test_garch_input_without_arch_names_the_extra(prices, monkeypatch):
    monkeypatch.setitem(sys.modules, "arch", None)
    with pytest.raises(ConfigError, match=r"garch_var.*findeep\[forecast\]"):
        SequenceForecaster(date_column="date", target="realized_vol", model="gru",
                           features=FEATURES).fit(prices)
