"""Networks that contain the linear model: ridge start, non-crossing quantiles, members."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import findeep
from findeep.forecast import SequenceForecaster
from findeep.forecast.baselines import LinearBaseline
from findeep.forecast.models import build_network, network_names
from findeep.forecast.models.residual import LinearResidualForecaster
from findeep.forecast.training import ridge_start
from findeep.testing import make_price_panel


@pytest.fixture(scope="module")
def panel():
    return make_price_panel(n_assets=4, n_days=260, seed=3).drop(columns="signal")


@pytest.mark.parametrize("name", network_names())
def test_every_network_starts_as_exactly_the_ridge_model(name):
    """Before any training step the wrapped network's output equals ridge's prediction."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6, 3)).astype(np.float32)
    y = (x[:, -1, 0] * 0.5 - x[:, -2, 1] * 0.2 + rng.normal(size=300) * 0.1)[:, None]
    coef, intercept = ridge_start(x, y)
    reference = LinearBaseline().fit(x, y[:, 0], "regression").predict(x)
    torch.manual_seed(0)
    body = build_network(name, n_features=3, window=6)
    network = LinearResidualForecaster(body, n_features=3, window=6)
    network.init_linear(coef, intercept)
    network.eval()
    out = network(torch.as_tensor(x), torch.zeros(300, 0, dtype=torch.long))[:, 0, 0]
    np.testing.assert_allclose(out.detach().numpy(), reference, atol=1e-4)


def test_a_network_trained_zero_epochs_forecasts_like_the_linear_baseline(panel):
    """With one epoch of patience and nothing learnt, predictions stay within noise of ridge."""
    common = {"asset_column": "asset", "window": 5, "validation_fraction": 0.2}
    ridge = SequenceForecaster(model="linear", **common).fit(panel)
    network = SequenceForecaster(model="gru", max_epochs=1, learning_rate=1e-9,
                                 linear_path=True, **common).fit(panel)  # the ridge start
    a, b = ridge.predict(panel), network.predict(panel)
    known = np.isfinite(a)
    # the linear baseline fits on raw targets, the network's start on standardised ones:
    # the same ridge up to the (tiny) effect of alpha on a rescaled target
    assert np.corrcoef(a[known], b[known])[0, 1] > 0.99


def test_quantiles_never_cross_and_survive_a_bundle_round_trip(panel, tmp_path):
    """Quantile forecasts are ordered for every row and horizon, before and after save/load."""
    model = SequenceForecaster(asset_column="asset", model="tcn", window=5, max_epochs=2,
                               quantiles="0.9,0.05,0.5", horizon=3, all_horizons=True,
                               n_members=2).fit(panel)
    assert model.quantiles_ == [0.05, 0.5, 0.9]
    q = model.predict_quantiles(panel)
    known = np.isfinite(q).all(axis=1)
    assert known.sum() > 500
    assert (np.diff(q[known], axis=1) >= 0).all()
    frame = model.predict_frame(panel)
    assert {"q0.05", "q0.5", "q0.9", "prediction_h1", "prediction_h3", "actual_h2"} <= set(
        frame.columns)
    np.testing.assert_allclose(frame["prediction"], frame["q0.5"])
    np.testing.assert_allclose(frame["prediction"], frame["prediction_h3"])
    model.save(tmp_path / "b")
    loaded = findeep.load(tmp_path / "b")
    np.testing.assert_allclose(loaded.predict_quantiles(panel), q, equal_nan=True)


def test_member_average_is_reproducible_and_differs_from_one_member(panel):
    """Same seed, same forecasts; k=2 averages two different networks."""
    common = {"asset_column": "asset", "model": "gru", "window": 5, "max_epochs": 3}
    one = SequenceForecaster(n_members=1, **common).fit(panel).predict(panel)
    two = SequenceForecaster(n_members=2, **common).fit(panel).predict(panel)
    again = SequenceForecaster(n_members=2, **common).fit(panel).predict(panel)
    np.testing.assert_array_equal(two, again)
    assert not np.allclose(one, two, equal_nan=True)


def test_instance_norm_makes_the_residual_scale_with_the_asset():
    """Under instance norm, a window scaled up gives a residual scaled by the same factor."""
    torch.manual_seed(0)
    body = build_network("gru", n_features=2, window=8)
    for parameter in body.parameters():  # a non-zero residual to look at
        torch.nn.init.normal_(parameter, std=0.3)
    network = LinearResidualForecaster(body, n_features=2, window=8, instance_norm=True,
                                       scale_feature=0).eval()
    x = torch.randn(4, 8, 2)
    empty = torch.zeros(4, 0, dtype=torch.long)
    # the linear path is zero here, so the output is the residual alone
    np.testing.assert_allclose(network(3 * x, empty).detach().numpy(),
                               3 * network(x, empty).detach().numpy(), rtol=1e-3, atol=1e-5)


def test_a_random_head_keeps_the_linear_path_trainable_at_its_own_step():
    """zero_head=False starts away from ridge, and the linear path still learns, at
    linear_lr_scale times the body's step (the round-3 ablation's variants)."""
    from findeep.forecast.training import FitSettings, train_member

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5, 3)).astype(np.float32)
    y = (x[:, -1, 0] * 0.5 + np.tanh(x[:, -2, 1]) + rng.normal(size=400) * 0.1)[:, None]
    coef, intercept = ridge_start(x[:300], y[:300].astype(np.float64))
    moved = {}
    for scale in (1.0, 0.1):
        torch.manual_seed(0)
        network = LinearResidualForecaster(build_network("gru", n_features=3, window=5),
                                           n_features=3, window=5, zero_head=False)
        network.init_linear(coef, intercept)
        start = network.linear.weight.detach().clone()
        train_member(network, x[:300], y[:300].astype(np.float32), x[300:],
                     y[300:].astype(np.float32), loss="mse", quantiles=[],
                     settings=FitSettings(max_epochs=2, patience=5, linear_lr_scale=scale),
                     seed=0, device=torch.device("cpu"))
        moved[scale] = float((network.linear.weight - start).abs().max())
    assert moved[1.0] > 0 and moved[0.1] > 0
    assert moved[0.1] < moved[1.0]


@pytest.fixture(scope="module")
def choices(panel):
    common = {"asset_column": "asset", "model": "gru", "window": 5, "max_epochs": 3}
    return {choice: SequenceForecaster(linear_path=choice, **common).fit(panel)
            for choice in (True, False, "zero", "select")}


def test_a_zero_started_linear_path_is_trained_and_the_head_is_not_zeroed(choices):
    """linear_path='zero' contains the linear model (the path exists and learns) but starts
    at zero with a random head, as the plain network trains; False holds it at zero."""
    zero = choices["zero"].network_.members[0]
    assert zero.linear.weight.requires_grad and float(zero.linear.weight.abs().sum()) > 0
    assert float(zero.linear.weight.abs().max()) < 0.5  # grown from zero, not set to ridge
    plain = choices[False].network_.members[0]
    assert float(plain.linear.weight.abs().sum()) == 0.0


def test_select_keeps_the_fit_with_the_lower_validation_loss(choices, panel, tmp_path):
    """linear_path='select' fits the ridge-started and the plain network and keeps the lower
    validation loss, so its forecasts are exactly one of the two; it survives a bundle."""
    select = choices["select"]
    scores = select.training_["validation_by_linear_path"]
    kept = select.training_["linear_path"]
    assert kept == min(scores, key=scores.get)
    same = choices[True] if kept == "ridge" else choices[False]
    np.testing.assert_array_equal(select.predict(panel), same.predict(panel))
    select.save(tmp_path / "s")
    np.testing.assert_array_equal(findeep.load(tmp_path / "s").predict(panel),
                                  select.predict(panel))


def test_an_unknown_linear_path_is_one_clear_error(panel):
    with pytest.raises(findeep.FindeepError, match="linear_path must be"):
        SequenceForecaster(asset_column="asset", linear_path="sometimes").fit(panel)


def test_cli_linear_path_flag_and_a_bad_value(panel, tmp_path):
    """--linear-path ridge|none|zero|select reaches the estimator (the bundle records it);
    an unknown value is one line on stderr, exit 2."""
    from typer.testing import CliRunner

    from findeep.cli import app

    path = tmp_path / "panel.csv"
    panel.to_csv(path, index=False)
    common = ["forecast", "train", str(path), "--date-column", "date", "--asset-column", "asset",
              "--window", "5",
              "--model", "gru", "--max-epochs", "1", "--quiet"]
    runner = CliRunner()
    ok = runner.invoke(app, [*common, "--linear-path", "zero", "--out", str(tmp_path / "m")])
    assert ok.exit_code == 0, ok.output
    assert findeep.load(tmp_path / "m").linear_path == "zero"
    bad = runner.invoke(app, [*common, "--linear-path", "sometimes", "--out",
                              str(tmp_path / "n")])
    assert bad.exit_code == 2 and "linear_path must be" in bad.output
    assert "Traceback" not in bad.output
