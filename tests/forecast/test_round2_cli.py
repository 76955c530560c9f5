"""`findeep forecast` with volatility, quantile and multi-horizon options; bad input."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from findeep.cli import app
from findeep.errors import ConfigError
from findeep.forecast import SequenceForecaster

runner = CliRunner()


def _prices(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n) * (1 + np.sin(np.arange(n) / 40))))
    return pd.DataFrame({"date": pd.bdate_range("2015-01-01", periods=n), "close": close})


def _one_line_exit_2(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_train_on_realized_vol_reports_har_and_garch_with_diebold_mariano(tmp_path):
    """The comparison table carries QLIKE, HAR-RV and GARCH rows and a DM p-value each."""
    pytest.importorskip("arch")
    path = tmp_path / "prices.csv"
    _prices().to_csv(path, index=False)
    result = runner.invoke(app, [
        "forecast", "train", str(path), "--date-column", "date", "--target", "realized_vol",
        "--horizon", "2", "--window", "22", "--model", "gru", "--max-epochs", "2", "--quiet",
        "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    for word in ("qlike", "har", "garch", "gjr_garch", "DM"):
        assert word in result.output
    out = tmp_path / "f.csv"
    assert runner.invoke(app, ["forecast", "predict", str(tmp_path / "m"), str(path), "--out",
                               str(out)]).exit_code == 0
    assert (pd.read_csv(out)["prediction"].dropna() > 0).all()


def test_quantiles_and_all_horizons_from_the_cli(tmp_path):
    """--quantiles writes ordered quantile columns; --all-horizons one column per horizon."""
    path = tmp_path / "prices.csv"
    _prices().to_csv(path, index=False)
    result = runner.invoke(app, [
        "forecast", "train", str(path), "--date-column", "date", "--horizon", "3",
        "--all-horizons", "--quantiles", "0.05,0.5,0.95", "--window", "10", "--model", "tcn",
        "--max-epochs", "2", "--quiet", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "interval_coverage" in result.output and "h3_rmse" in result.output
    out = tmp_path / "f.csv"
    assert runner.invoke(app, ["forecast", "predict", str(tmp_path / "m"), str(path), "--out",
                               str(out)]).exit_code == 0
    frame = pd.read_csv(out).dropna()
    assert ((frame["q0.05"] <= frame["q0.5"]) & (frame["q0.5"] <= frame["q0.95"])).all()
    assert {"prediction_h1", "prediction_h2", "prediction_h3"} <= set(frame.columns)


@pytest.mark.parametrize("case", ["too_short", "gap", "duplicate", "constant", "quantiles"])
def test_bad_input_is_one_line_and_exit_2(case, tmp_path):
    """Too few rows, a months-long gap, a duplicated date, a constant price for volatility,
    quantiles outside (0, 1): one line on stderr, exit 2."""
    frame = _prices(300)
    extra: list[str] = []
    expected = {"too_short": "window", "gap": "gap", "duplicate": "more than one row",
                "constant": "zero", "quantiles": "between 0 and 1"}[case]
    if case == "too_short":
        frame = frame.head(25)
    elif case == "gap":
        frame = pd.concat([frame.head(150), frame.tail(150).assign(
            date=frame["date"].tail(150) + pd.Timedelta(days=200))])
    elif case == "duplicate":
        frame = pd.concat([frame, frame.iloc[[10]]])
    elif case == "constant":
        frame["close"] = 50.0
        extra = ["--target", "realized_vol"]
    else:
        extra = ["--quantiles", "0.05,1.5"]
    path = tmp_path / "prices.csv"
    frame.to_csv(path, index=False)
    line = _one_line_exit_2(["forecast", "train", str(path), "--date-column", "date",
                             "--window", "20", "--horizon", "5", "--model", "linear", "--quiet",
                             "--out", str(tmp_path / "m"), *extra])
    assert expected in line, line


def test_garch_without_arch_names_the_extra(monkeypatch):
    """Without the arch package, model='garch' raises one sentence naming findeep[forecast]."""
    monkeypatch.setitem(sys.modules, "arch", None)
    with pytest.raises(ConfigError, match=r"findeep\[forecast\]"):
        SequenceForecaster(target="realized_vol", model="garch").fit(_prices())
