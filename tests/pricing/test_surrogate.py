"""The surrogate: shaped like a price by construction, saved safely, honest about its box."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from findeep.data.schema import FindeepWarning
from findeep.errors import BundleError, ConfigError, DataError
from findeep.pricing.box import INPUT_COLUMNS, ParameterBox
from findeep.pricing.bundle import load_pricer, save_pricer
from findeep.pricing.checks import arbitrage, count_violations
from findeep.pricing.estimator import HestonSurrogate
from findeep.pricing.networks import MixturePriceNet


def test_an_untrained_price_network_is_already_free_of_strike_arbitrage():
    """Random weights still give prices non-increasing and convex in strike and inside
    max(S - K e^{-rT}, 0) <= C <= S: the shape comes from the architecture, not training."""
    box = ParameterBox.default()
    torch.manual_seed(5)
    network = MixturePriceNet(low=torch.tensor(box.low), high=torch.tensor(box.high),
                              d_hidden=16, n_layers=2).double()
    for layer in network.body:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.normal_(layer.weight, std=1.5)  # wild mixtures, not tame ones
    strikes = np.linspace(1 / 1.4, 1 / 0.6, 60)
    rng = np.random.default_rng(0)
    params = np.column_stack([rng.uniform(box.low[j], box.high[j], 40) for j in range(2, 8)])
    for tau in (0.1, 0.7, 1.4):
        x = np.empty((40, 60, 8))
        x[..., 0], x[..., 1], x[..., 2:] = 1 / strikes, tau, params[:, None, :]
        with torch.no_grad():
            per_k = network.price(torch.as_tensor(x.reshape(-1, 8))).numpy().reshape(40, 1, 60)
        counts = count_violations(per_k * strikes, strikes, np.array([tau]), params[:, 0], 1e-12)
        assert counts == {"monotonicity": 0, "convexity": 0, "calendar": 0, "lower_bound": 0,
                          "upper_bound": 0}


def test_the_calendar_variant_is_non_decreasing_in_maturity_whatever_its_weights():
    """With calendar=True an untrained network with wild weights has no violation of any
    kind on a strike x maturity grid (the default variant, measured the same way, has
    thousands of calendar violations: the guarantee comes from the architecture)."""
    box = ParameterBox.default()
    strikes, maturities = np.linspace(1 / 1.4, 1 / 0.6, 30), np.linspace(0.1, 1.4, 30)
    rng = np.random.default_rng(0)
    params = np.column_stack([rng.uniform(box.low[j], box.high[j], 40) for j in range(2, 8)])
    tau, k = np.meshgrid(maturities, strikes, indexing="ij")
    x = np.empty((40, tau.size, 8))
    x[..., 0], x[..., 1], x[..., 2:] = 1 / k.ravel(), tau.ravel(), params[:, None, :]
    found = {}
    for calendar in (True, False):
        torch.manual_seed(5)
        network = MixturePriceNet(low=torch.tensor(box.low), high=torch.tensor(box.high),
                                  d_hidden=16, n_layers=2, calendar=calendar).double()
        for layer in network.body:
            if isinstance(layer, torch.nn.Linear):
                torch.nn.init.normal_(layer.weight, std=1.5)
        with torch.no_grad():
            per_k = network.price(torch.as_tensor(x.reshape(-1, 8))).numpy()
        found[calendar] = count_violations(per_k.reshape(40, 30, 30) * strikes, strikes,
                                           maturities, params[:, 0], 1e-12)
    assert found[True] == {"monotonicity": 0, "convexity": 0, "calendar": 0, "lower_bound": 0,
                           "upper_bound": 0}
    assert found[False]["calendar"] > 0


def test_a_trained_calendar_pricer_keeps_its_guarantee_through_the_bundle(heston_data,
                                                                         tmp_path):
    pricer = HestonSurrogate(d_hidden=32, n_layers=2, n_components=4, max_epochs=2,
                             batch_size=256, calendar=True, verbose=0).fit(heston_data)
    save_pricer(pricer, tmp_path / "p")
    loaded = load_pricer(tmp_path / "p")
    assert loaded.network_.calendar
    x = heston_data[list(INPUT_COLUMNS)].to_numpy()[:100]
    np.testing.assert_array_equal(loaded.price_inputs(x), pricer.price_inputs(x))
    report = arbitrage(loaded, n_sets=20, n_strikes=20, n_maturities=20)
    assert report["float64"]["calendar"] == 0


def test_trained_pricer_learns_and_its_arbitrage_check_counts_every_cell(pricer, heston_data):
    """A few epochs already beat a constant by far; the 50 x 50 check finds no strike
    violations and reports how many cells it checked."""
    price = pricer.price_inputs(heston_data[list(INPUT_COLUMNS)].to_numpy())
    y = heston_data["call"].to_numpy()
    assert np.mean(np.abs(price - y)) < 0.5 * np.mean(np.abs(y - y.mean()))
    report = arbitrage(pricer, n_sets=10)
    assert report["float64"]["convexity"] == 0 and report["float64"]["monotonicity"] == 0
    assert report["checked_cells"]["convexity"] == 10 * 50 * 48


def test_rows_outside_the_box_are_flagged_and_left_unpriced(pricer, heston_data):
    options = heston_data[list(INPUT_COLUMNS)].iloc[:4].copy()
    options.loc[options.index[1], "kappa"] = 5.0
    options.loc[options.index[2], ["moneyness", "v0"]] = [2.0, 0.9]
    result = pricer.predict(options)
    assert result["outside_box"].tolist() == ["", "kappa", "moneyness,v0", ""]
    assert result["price"].isna().tolist() == [False, True, True, False]


def test_puts_are_priced_by_parity(pricer, heston_data):
    options = heston_data[list(INPUT_COLUMNS)].iloc[:3].assign(type=["call", "put", "P"])
    result = pricer.predict(options)["price"].to_numpy()
    calls = pricer.predict(options.drop(columns="type"))["price"].to_numpy()
    m, tau, r = (options[c].to_numpy() for c in ("moneyness", "maturity", "rate"))
    np.testing.assert_allclose(result[1:], (calls - m + np.exp(-r * tau))[1:], atol=1e-12)


def test_bundle_round_trip_gives_identical_prices_and_refuses_tampering(pricer, heston_data,
                                                                       tmp_path):
    save_pricer(pricer, tmp_path / "p")
    loaded = load_pricer(tmp_path / "p")
    rows = heston_data[list(INPUT_COLUMNS)].iloc[:50]
    np.testing.assert_array_equal(loaded.predict(rows)["price"], pricer.predict(rows)["price"])
    assert loaded.box_ == pricer.box_
    with pytest.raises(BundleError, match="already exists"):
        save_pricer(pricer, tmp_path / "p")
    meta = json.loads((tmp_path / "p" / "bundle.json").read_text())
    meta["box"]["kappa"] = [0, 20]
    (tmp_path / "p" / "bundle.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="checksum"):
        load_pricer(tmp_path / "p")


def test_onnx_export_matches_pytorch(pricer, tmp_path):
    pytest.importorskip("onnxruntime")
    from findeep.pricing.onnx import export_pricer

    summary = export_pricer(pricer, tmp_path / "p.onnx")
    assert summary["max_abs_diff"] <= 1e-5 and (tmp_path / "p.onnx").is_file()


def test_same_data_and_seed_give_the_same_prices(heston_data):
    from findeep.pricing.estimator import HestonSurrogate

    small = heston_data.iloc[:600].copy()
    small.attrs = heston_data.attrs
    fits = [HestonSurrogate(d_hidden=8, n_layers=1, n_components=2, max_epochs=2,
                            verbose=0).fit(small) for _ in range(2)]
    rows = small[list(INPUT_COLUMNS)]
    np.testing.assert_array_equal(*(f.predict(rows)["price"] for f in fits))


def test_grid_variant_predicts_a_surface_per_parameter_set():
    from findeep.pricing.estimator import HestonSurrogate
    from findeep.pricing.sampling import generate_heston_grid

    data = generate_heston_grid(60, seed=4)
    model = HestonSurrogate(kind="surface", d_hidden=16, n_layers=2, max_epochs=3,
                            verbose=0).fit(data)
    surface = model.predict_surface(data.iloc[:5])
    assert surface.shape == (5, 54) and (surface > 0).all()
    assert isinstance(pd.DataFrame(surface), pd.DataFrame)


@pytest.mark.parametrize(("name", "value"), [
    ("n_components", 0), ("d_hidden", -5), ("d_hidden", 0), ("n_layers", 0),
    ("n_layers", -1), ("max_epochs", 0), ("batch_size", 0), ("d_hidden", 2.5),
    ("n_components", True),
])
def test_a_size_that_is_not_a_positive_integer_is_refused_before_training(heston_data, name,
                                                                         value):
    """Zero or negative widths, layers, components, epochs or batch sizes are a ConfigError
    naming the parameter, not a traceback or a zero-width network."""
    pricer = HestonSurrogate(**{name: value}, verbose=0)
    with pytest.raises(ConfigError, match=f"{name} must be a positive integer, however: "
                                          f"{name}={value!r}"):
        pricer.fit(heston_data)
    assert not hasattr(pricer, "network_")


def test_every_bad_size_is_named_in_one_error(heston_data):
    with pytest.raises(ConfigError) as raised:
        HestonSurrogate(d_hidden=0, n_layers=-1, max_epochs=0).fit(heston_data)
    assert all(f"{name}=" in str(raised.value) for name in ("d_hidden", "n_layers",
                                                            "max_epochs"))


def test_training_never_warns_about_early_stopping_it_does_not_use(heston_data):
    """Few steps per epoch brings no early-stopping warning (early stopping is off); only a
    batch as large as the training rows is warned about, as what it is: full-batch steps."""
    small = heston_data.iloc[:300].copy()
    small.attrs = heston_data.attrs
    options = {"d_hidden": 8, "n_layers": 1, "n_components": 2, "max_epochs": 1, "verbose": 0}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        HestonSurrogate(batch_size=100, **options).fit(small)  # 2 steps an epoch
        assert not [w for w in caught if issubclass(w.category, FindeepWarning)]
        HestonSurrogate(batch_size=1024, **options).fit(small)
    messages = [str(w.message) for w in caught if issubclass(w.category, FindeepWarning)]
    assert len(messages) == 1 and "early stopping" not in messages[0]
    assert "batch size 1024 is at least the 285 training rows" in messages[0]


TINY = {"d_hidden": 8, "n_layers": 1, "n_components": 2, "max_epochs": 1, "batch_size": 256,
        "verbose": 0}


def test_an_empty_cell_in_the_training_data_is_refused_naming_its_columns_and_rows(
        heston_data):
    """One NaN price or parameter would train a network that predicts only NaN: the fit
    refuses, naming each column, how many rows and the first, before any training."""
    broken = heston_data.copy()
    broken.loc[[7, 9], "call"] = np.nan
    broken.loc[12, "kappa"] = np.nan
    pricer = HestonSurrogate(**TINY)
    with pytest.raises(DataError, match=r"3 row\(s\) with an empty, NaN or infinite cell "
                                        r"\(column 'kappa' 1 row\(s\), first at row 13; column "
                                        r"'call' 2 row\(s\), first at row 8\)"):
        pricer.fit(broken)
    assert not hasattr(pricer, "network_")


def test_text_in_a_training_column_is_a_data_error_naming_it(heston_data):
    """'n.a.' in the call column is named with its row, not numpy's 'could not convert'."""
    broken = heston_data.astype({"call": object})
    broken.loc[4, "call"] = "n.a."
    with pytest.raises(DataError, match=r"not numbers in column\(s\) 'call' 1 \(e\.g\. 'n\.a\.' "
                                        r"at row 5\)"):
        HestonSurrogate(**TINY).fit(broken)


def test_prices_in_percent_of_strike_are_refused_at_training(heston_data):
    """Calls x100 break the no-arbitrage bounds: refused with the rule calibrate applies to
    its quotes, not learned with a validation error of 21."""
    with pytest.raises(DataError, match=r"prices in column 'call' of the training table lie "
                                        r"outside .*strike units"):
        HestonSurrogate(**TINY).fit(heston_data.assign(call=heston_data["call"] * 100))


def test_the_trained_box_is_what_the_training_rows_cover(heston_data):
    """Trained on maturities below 0.4 only (the metadata still declaring 0.1-1.4 and the
    generated row count), the pricer flags a 1.35-year option and records the real rows."""
    short = heston_data[heston_data["maturity"] < 0.4]
    assert short.attrs["findeep_pricing"]["rows"] == len(heston_data)  # stale, as in a file
    pricer = HestonSurrogate(**TINY).fit(short)
    low, high = pricer.box_.ranges["maturity"]
    assert low == 0.1 and high == short["maturity"].max() < 0.4
    assert pricer.box_.ranges["kappa"] == (0.0, 2.0)  # covered to its edges: kept
    assert pricer.data_["rows"] == len(short)
    assert pricer.data_["declared_box"]["maturity"] == [0.1, 1.4]
    option = short[list(INPUT_COLUMNS)].iloc[:2].assign(maturity=[0.3, 1.35])
    result = pricer.predict(option)
    assert result["outside_box"].tolist() == ["", "maturity"]
    assert np.isfinite(result["price"].iloc[0]) and np.isnan(result["price"].iloc[1])


def test_an_empty_input_cell_is_reported_missing_not_outside_the_box(pricer, heston_data):
    """A row with no kappa is not priced and is named in missing_inputs; outside_box keeps
    its meaning (a value beyond the trained range)."""
    options = heston_data[list(INPUT_COLUMNS)].iloc[:3].copy()
    options.loc[options.index[1], "kappa"] = np.nan
    options.loc[options.index[2], ["vbar", "gamma"]] = [np.nan, 0.9]
    result = pricer.predict(options)
    assert result["outside_box"].tolist() == ["", "", "gamma"]
    assert result["missing_inputs"].tolist() == ["", "kappa", "vbar"]
    assert result["price"].isna().tolist() == [False, True, True]


def test_predict_refuses_an_array_with_a_findeep_error(pricer, heston_data):
    """An ndarray has no column names: one DataError pointing to price_inputs, not an
    AttributeError."""
    x = heston_data[list(INPUT_COLUMNS)].to_numpy()[:3]
    with pytest.raises(DataError, match=r"takes a pandas DataFrame .*however: ndarray.*"
                                        r"price_inputs"):
        pricer.predict(x)
    with pytest.raises(DataError, match=r"\(n, 8\) array .*however: shape \(3, 7\)"):
        pricer.price_inputs(x[:, :7])


def test_predict_surface_leaves_rows_outside_the_box_empty_and_names_missing_columns():
    """v0 = 5 or gamma = 9 get NaN vols and a warning, not an ordinary-looking surface; a
    missing column is a DataError naming it, not a KeyError."""
    from findeep.pricing.sampling import generate_heston_grid

    data = generate_heston_grid(40, seed=4)
    model = HestonSurrogate(kind="surface", d_hidden=8, n_layers=1, max_epochs=1,
                            batch_size=16, verbose=0).fit(data)
    rows = data.iloc[:3].copy()
    rows.loc[rows.index[1], "v0"] = 5.0
    rows.loc[rows.index[2], "gamma"] = 9.0
    with pytest.warns(FindeepWarning, match=r"2 of 3 parameter sets get NaN .*outside the "
                                            r"trained box \(gamma, v0\)"):
        surface = model.predict_surface(rows)
    assert np.isfinite(surface[0]).all() and np.isnan(surface[1:]).all()
    assert model.outside_box(rows).tolist() == ["", "v0", "gamma"]
    with pytest.raises(DataError, match=r"lacks the column.*kappa, v0"):
        model.predict_surface(rows.drop(columns=["kappa", "v0"]))


def test_a_default_surrogate_fits_without_writing_anything(heston_data, capsys):
    """verbose defaults to 0, as the other estimators': a fit writes nothing to stdout or
    stderr."""
    assert HestonSurrogate().verbose == 0
    options = {k: v for k, v in TINY.items() if k != "verbose"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        HestonSurrogate(**options).fit(heston_data.iloc[:300])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_progress_is_findeeps_bar_on_stderr_not_lines_on_stdout(heston_data, capsys,
                                                                        monkeypatch):
    """verbose=1 on a terminal shows the shared epoch bar (stderr) with the validation RMSE;
    stdout, where a table or JSON may be piped, stays empty."""
    from rich.console import Console

    from findeep.train import progress

    monkeypatch.setattr(progress, "Console",
                        lambda file: Console(file=file, force_terminal=True, width=120))
    options = {**TINY, "max_epochs": 2, "verbose": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        HestonSurrogate(**options).fit(heston_data.iloc[:300])
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "training price surrogate" in captured.err and "validation RMSE" in captured.err


def test_save_returns_the_path_that_findeep_load_reads_back(pricer, heston_data, tmp_path):
    """findeep.load(pricer.save(p)) prices exactly as the fitted pricer; no overwrite without
    force."""
    import findeep

    path = pricer.save(tmp_path / "p")
    loaded = findeep.load(path)
    rows = heston_data[list(INPUT_COLUMNS)].iloc[:50]
    pd.testing.assert_frame_equal(loaded.predict(rows), pricer.predict(rows))
    assert loaded.box_ == pricer.box_ and loaded.get_params() == pricer.get_params()
    with pytest.raises(BundleError, match="already exists"):
        pricer.save(path)
    assert pricer.save(path, force=True) == path
