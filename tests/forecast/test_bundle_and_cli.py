"""Saving, loading, determinism, and the `findeep forecast` commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import findeep
from findeep.cli import app
from findeep.errors import BundleError, NotFittedError
from findeep.forecast import SequenceForecaster, evaluate_fixed
from findeep.testing import make_price_panel

runner = CliRunner()


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return make_price_panel(n_assets=3, n_days=200, seed=4, return_signal=False)


@pytest.mark.parametrize("model", ["gru", "transformer", "linear", "naive", "lightgbm"])
def test_saved_forecaster_predicts_exactly_the_same(panel, model, tmp_path):
    """A bundle read back by findeep.load gives identical forecasts, for networks and baselines."""
    forecaster = SequenceForecaster(asset_column="asset", model=model, window=6, max_epochs=2)
    forecaster.fit(panel)
    path = forecaster.save(tmp_path / model)
    loaded = findeep.load(path)
    assert isinstance(loaded, SequenceForecaster) and loaded.model == model
    np.testing.assert_array_equal(loaded.predict(panel), forecaster.predict(panel))


def test_direction_target_gives_probabilities(panel):
    """target='direction' forecasts P(up), between 0 and 1, scored by accuracy and ROC-AUC."""
    forecaster = SequenceForecaster(asset_column="asset", target="direction", model="lstm",
                                    window=6, max_epochs=2)
    evaluation = evaluate_fixed(forecaster, panel, test_start="2015-08-01")
    p = evaluation.predictions["prediction"]
    assert ((p > 0) & (p < 1)).all()
    assert {"accuracy", "roc_auc", "ic"} <= set(evaluation.metrics)


def test_same_seed_gives_the_same_forecasts(panel):
    """Two fits with the same data and seed forecast identically on CPU."""
    make = lambda: SequenceForecaster(asset_column="asset", model="tcn", window=6,  # noqa: E731
                                      max_epochs=2, random_state=3, device="cpu").fit(panel)
    np.testing.assert_array_equal(make().predict(panel), make().predict(panel))


def test_unfitted_forecaster_says_so(panel):
    """Predicting before fit raises NotFittedError with a one-line hint."""
    with pytest.raises(NotFittedError, match="call fit"):
        SequenceForecaster(asset_column="asset").predict(panel)


def test_tampered_forecast_bundle_is_refused(panel, tmp_path):
    """A bundle whose JSON was edited after saving fails its checksum."""
    path = SequenceForecaster(asset_column="asset", model="linear", window=4).fit(panel).save(
        tmp_path / "b")
    meta = path / "bundle.json"
    meta.write_text(meta.read_text().replace('"linear"', '"naive"', 1))
    with pytest.raises(BundleError, match="checksum"):
        findeep.load(path)


@pytest.fixture(scope="module")
def trained(panel, tmp_path_factory) -> tuple[Path, Path, object]:
    """A CSV of the panel and a bundle trained on it through the CLI (walk-forward, GRU)."""
    folder = tmp_path_factory.mktemp("cli")
    csv = folder / "panel.csv"
    panel.to_csv(csv, index=False)
    bundle = folder / "bundle"
    result = runner.invoke(app, [
        "forecast", "train", str(csv), "--date-column", "date", "--asset-column", "asset",
        "--model", "gru", "--window", "6", "--max-epochs", "2", "--walk-forward",
        "--refit-every", "40", "--test-start", "2015-06-01", "--out", str(bundle), "-q"])
    return csv, bundle, result


def test_cli_train_reports_the_model_beside_naive_and_linear(trained):
    """`forecast train` prints gru, naive and linear on the same rows and writes a bundle."""
    _, bundle, result = trained
    assert result.exit_code == 0, result.output
    assert "gru" in result.output and "naive" in result.output and "linear" in result.output
    metrics = json.loads((bundle / "metrics.json").read_text())
    assert metrics["scheme"]["kind"] == "walk-forward" and metrics["scheme"]["folds"] == 3
    assert set(metrics["compared"]) == {"gru", "naive", "linear"}


def test_cli_train_prints_each_dm_difference_with_its_sign(trained):
    """Return losses differ by ~1e-6: four decimals printed '0.0000' and '-0.0000', hiding
    which model a significant p-value favoured; three significant figures keep the sign."""
    _, bundle, result = trained
    compared = json.loads((bundle / "metrics.json").read_text())["compared"]
    text = " ".join(result.output.split())
    for name in ("naive", "linear"):
        value = compared[name]["dm_mean_difference"]
        assert abs(value) < 1e-3 and f"{value:+.3g}" in text
    assert "0.0000" not in text.split("DM: gru loss - this")[1].split("DM p-value")[0]


def test_cli_backtest_trades_only_out_of_sample_forecasts(trained):
    """`forecast backtest` reports both rules and buy-and-hold over the evaluation's dates."""
    csv, bundle, _ = trained
    result = runner.invoke(app, ["forecast", "backtest", str(bundle), str(csv), "--cost-bps", "10"])
    assert result.exit_code == 0, result.output
    assert "long-flat" in result.output and "buy-and-hold" in result.output
    assert "2015-06-01" in result.output


def test_cli_predict_marks_in_sample_rows(trained, tmp_path):
    """`forecast predict` writes one forecast per (asset, date) and flags trained-on dates."""
    csv, bundle, _ = trained
    out = tmp_path / "forecasts.csv"
    result = runner.invoke(app, ["forecast", "predict", str(bundle), str(csv), "--out", str(out)])
    assert result.exit_code == 0, result.output
    forecasts = pd.read_csv(out)
    assert list(forecasts.columns) == ["date", "asset", "prediction", "in_sample"]
    assert (~forecasts["in_sample"]).sum() == 3  # the last date of each asset
    again = runner.invoke(app, ["forecast", "predict", str(bundle), str(csv), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_cli_bad_input_is_one_line_and_exit_2(trained, tmp_path):
    """Duplicate rows, unknown models and existing outputs each give one stderr line, exit 2."""
    csv, bundle, _ = trained
    doubled = tmp_path / "doubled.csv"
    frame = pd.read_csv(csv)
    pd.concat([frame, frame.head(2)]).to_csv(doubled, index=False)
    cases = [
        ["forecast", "train", str(doubled), "--date-column", "date", "--asset-column", "asset",
         "--out", str(tmp_path / "x")],
        ["forecast", "train", str(csv), "--date-column", "date", "--model", "lsmt",
         "--out", str(tmp_path / "y")],
        ["forecast", "train", str(csv), "--date-column", "date", "--out", str(bundle)],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output


def test_the_forecast_report_shows_the_model_beside_its_baselines(trained, tmp_path):
    """The report a committee reads carries what training printed: the network beside
    naive and linear on the same out-of-sample dates, with the DM p-value, so a network no
    better than naive is not shown alone."""
    csv, bundle, _ = trained
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["forecast", "report", str(bundle), str(csv), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "### Beside the baselines, on the same out-of-sample dates" in text
    header = next(line for line in text.splitlines() if line.startswith("| metric | gru"))
    assert "naive" in header and "linear" in header
    metrics = json.loads((bundle / "metrics.json").read_text())
    p_value = metrics["compared"]["naive"]["dm_pvalue"]
    assert f"{p_value:.4f}" in text
    difference = metrics["compared"]["naive"]["dm_mean_difference"]
    assert f"| {difference:+.3g} |" in text  # its sign and size, not -0.0000
    assert "None" not in text
