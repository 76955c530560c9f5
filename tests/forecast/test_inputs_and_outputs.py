"""What `findeep forecast` does with imperfect input and what it writes: missing values,
gaps, row order, data that is not the training series, strict JSON, and its messages."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from findeep.cli import app
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError
from findeep.forecast import SequenceForecaster, evaluate_walk_forward
from findeep.forecast.features import carry_forward

runner = CliRunner()


def _prices(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"date": pd.bdate_range("2019-01-01", periods=n).strftime("%Y-%m-%d"),
                         "close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n))),
                         "volume": rng.integers(100_000, 1_000_000, n).astype(float)})


def _two_assets(n: int = 300) -> pd.DataFrame:
    return pd.concat([_prices(n, 0).assign(ticker="AAA"), _prices(n, 1).assign(ticker="BBB")],
                     ignore_index=True)


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def _error_line(*args: str) -> str:
    code, _, stderr = _invoke(*args)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, stderr
    return lines[0]


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> tuple[Path, Path]:
    """A one-series CSV and a linear bundle trained on it through the CLI."""
    folder = tmp_path_factory.mktemp("single")
    csv = folder / "prices.csv"
    _prices().to_csv(csv, index=False)
    code, _, stderr = _invoke("forecast", "train", csv, "--date-column", "date", "--model",
                              "linear", "--window", "5", "--out", folder / "m", "-q")
    assert code == 0, stderr
    return csv, folder / "m"


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    """A two-asset CSV (AAA, BBB) and a linear bundle trained on it through the CLI."""
    folder = tmp_path_factory.mktemp("pair")
    csv = folder / "two.csv"
    _two_assets().to_csv(csv, index=False)
    code, _, stderr = _invoke("forecast", "train", csv, "--date-column", "date",
                              "--asset-column", "ticker", "--model", "linear", "--window", "5",
                              "--out", folder / "m", "-q")
    assert code == 0, stderr
    return csv, folder / "m"


# ---- missing values -------------------------------------------------------------------------

def test_a_missing_volume_is_carried_forward_and_counted_not_dropped():
    """One missing volume costs no training sample and no forecast; a warning counts it."""
    clean = _prices()
    holed = clean.copy()
    holed.loc[150, "volume"] = np.nan
    reference = SequenceForecaster(model="linear", window=5).fit(clean)
    with pytest.warns(FindeepWarning, match=r"carried forward.*1 in 'volume'"):
        model = SequenceForecaster(model="linear", window=5).fit(holed)
    assert model.training_["samples"] == reference.training_["samples"]
    with pytest.warns(FindeepWarning, match="1 in 'volume'"):
        forecasts = model.predict(holed)
    assert np.isfinite(forecasts).sum() == np.isfinite(reference.predict(clean)).sum()


def test_carrying_forward_uses_only_earlier_rows_of_the_same_asset():
    """A filled value is the same asset's previous one; a leading gap stays missing."""
    frame = pd.DataFrame({"volume": [np.nan, 5.0, np.nan, 7.0, np.nan, np.nan]})
    assets = np.array(["A", "A", "A", "B", "B", "B"], dtype=object)
    counts = carry_forward(frame, assets, ["volume"])
    np.testing.assert_array_equal(frame["volume"], [np.nan, 5.0, 5.0, 7.0, 7.0, 7.0])
    assert counts == {"volume": (3, 1)}


def test_values_missing_before_the_first_known_one_are_named_in_the_warning():
    """Leading missing values cannot be carried: the warning says how many stay missing."""
    frame = _prices()
    frame.loc[:4, "volume"] = np.nan
    with pytest.warns(FindeepWarning, match=r"left missing.*5 in 'volume'"):
        SequenceForecaster(model="linear", window=5).fit(frame)


def test_walk_forward_warns_about_missing_values_once_not_per_fold():
    """Four folds on a table with missing values: one warning, for the whole table."""
    frame = _prices()
    frame.loc[:2, "volume"] = np.nan
    frame.loc[200, "volume"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        evaluate_walk_forward(SequenceForecaster(model="linear", window=5), frame,
                              test_start="2019-09-02", refit_every=20)
    messages = [str(w.message) for w in caught if "missing" in str(w.message)]
    assert len(messages) == 1 and "1 in 'volume'" in messages[0], messages


# ---- gaps, order, short data --------------------------------------------------------------

def test_predict_backtest_and_report_refuse_a_months_long_gap(single, tmp_path):
    """The gap `forecast train` refuses is refused on every path that builds windows."""
    _, bundle = single
    frame = _prices()
    frame["date"] = pd.to_datetime(frame["date"])
    frame.loc[200:, "date"] += pd.Timedelta(days=150)
    gapped = tmp_path / "gapped.csv"
    frame.to_csv(gapped, index=False)
    for args in (["predict", bundle, gapped, "--out", tmp_path / "f.csv"],
                 ["backtest", bundle, gapped],
                 ["report", bundle, gapped, "--out", tmp_path / "r.md"]):
        assert "gap of" in _error_line("forecast", *args)


def test_predict_writes_forecasts_in_the_input_row_order(single, tmp_path):
    """Shuffled rows come back in their own order, each with the forecast of its date."""
    csv, bundle = single
    shuffled = tmp_path / "shuffled.csv"
    pd.read_csv(csv).sample(frac=1.0, random_state=3).to_csv(shuffled, index=False)
    for data, out in ((csv, tmp_path / "sorted.csv"), (shuffled, tmp_path / "shuffled_f.csv")):
        code, _, stderr = _invoke("forecast", "predict", bundle, data, "--out", out)
        assert code == 0, stderr
    in_order = pd.read_csv(tmp_path / "sorted.csv").set_index("date")
    written = pd.read_csv(tmp_path / "shuffled_f.csv")
    given = pd.read_csv(shuffled)["date"]
    assert written["date"].tolist() == given[given.isin(written["date"])].tolist()
    np.testing.assert_allclose(written["prediction"],
                               in_order.loc[written["date"], "prediction"])


def test_predict_on_too_few_rows_is_refused_with_the_rows_needed(single, tmp_path):
    """Data too short for one window is an error naming the rows a forecast needs."""
    csv, bundle = single
    short = tmp_path / "short.csv"
    pd.read_csv(csv).head(15).to_csv(short, index=False)
    line = _error_line("forecast", "predict", bundle, short, "--out", tmp_path / "f.csv")
    assert "needs 25 rows" in line and "has 15" in line, line  # window 5, volatility 20 + 1
    pd.read_csv(csv).head(25).to_csv(short, index=False)
    assert _invoke("forecast", "predict", bundle, short, "--out", tmp_path / "f.csv")[0] == 0
    assert len(pd.read_csv(tmp_path / "f.csv")) == 1


# ---- data that is not the training data -----------------------------------------------------

def test_a_different_series_on_the_training_dates_is_flagged(single, tmp_path):
    """Backtest and predict on another random walk with the same dates warn; the
    training file itself does not."""
    csv, bundle = single
    other = tmp_path / "other.csv"
    _prices(seed=9).to_csv(other, index=False)
    code, _, stderr = _invoke("forecast", "backtest", bundle, other)
    assert code == 0 and "not the series the model was trained on" in stderr, stderr
    code, _, stderr = _invoke("forecast", "predict", bundle, other, "--out", tmp_path / "f.csv")
    assert code == 0 and "not the series the model was trained on" in stderr, stderr
    code, _, stderr = _invoke("forecast", "backtest", bundle, csv)
    assert code == 0 and "warning" not in stderr, stderr


def test_an_asset_the_model_never_saw_is_out_of_sample_and_warned(pair, tmp_path):
    """BBB renamed CCC: predict warns and marks CCC out of sample; backtest says BBB's
    stored forecasts are not traded."""
    csv, bundle = pair
    renamed = tmp_path / "ccc.csv"
    frame = pd.read_csv(csv)
    frame.loc[frame["ticker"] == "BBB", "ticker"] = "CCC"
    frame.to_csv(renamed, index=False)
    out = tmp_path / "f.csv"
    code, _, stderr = _invoke("forecast", "predict", bundle, renamed, "--out", out)
    assert code == 0 and "never trained on (CCC)" in stderr, stderr
    forecasts = pd.read_csv(out)
    assert not forecasts.loc[forecasts["ticker"] == "CCC", "in_sample"].any()
    assert forecasts.loc[forecasts["ticker"] == "AAA", "in_sample"].sum() > 0
    code, _, stderr = _invoke("forecast", "backtest", bundle, renamed)
    assert code == 0 and "lacks trained asset(s) BBB" in stderr, stderr


def test_in_sample_covers_every_forecast_whose_target_period_overlaps_training(tmp_path):
    """With horizon 3, only the forecast made on the last training date is out of sample:
    the two before it forecast periods that include trained-on days."""
    csv = tmp_path / "prices.csv"
    _prices().to_csv(csv, index=False)
    code, _, stderr = _invoke("forecast", "train", csv, "--date-column", "date", "--model",
                              "linear", "--window", "5", "--horizon", "3", "--out",
                              tmp_path / "m", "-q")
    assert code == 0, stderr
    out = tmp_path / "f.csv"
    assert _invoke("forecast", "predict", tmp_path / "m", csv, "--out", out)[0] == 0
    assert pd.read_csv(out)["in_sample"].tail(4).tolist() == [True, True, True, False]


# ---- outputs and messages -------------------------------------------------------------------

def test_bundle_json_files_are_strict_json(single):
    """metrics.json and bundle.json hold null, never a bare NaN, for metrics that cannot be
    computed (the naive model's IC)."""
    _, bundle = single

    def refuse(constant: str) -> None:
        raise AssertionError(f"bare {constant} in a JSON file")

    metrics = json.loads((bundle / "metrics.json").read_text(), parse_constant=refuse)
    json.loads((bundle / "bundle.json").read_text(), parse_constant=refuse)
    assert metrics["compared"]["naive"]["ic"] is None


@pytest.mark.parametrize(("options", "expected"), [
    (["--test-start", "2019-01-02"], "move --test-start later"),
    (["--walk-forward", "--train-window", "25"], "pass a larger --train-window"),
    (["--quantiles", "0.1,0.1,0.9", "--model", "gru"], "0.1 more than once"),
    (["--linear-path", "bogus", "--model", "gru"], "select, ridge, none, zero"),
])
def test_training_errors_name_the_option_to_change(single, options, expected, tmp_path):
    """A split too early, a training window too small, a repeated quantile and an unknown
    linear path each get one line naming what to change, in the CLI's own terms."""
    csv, _ = single
    line = _error_line("forecast", "train", csv, "--date-column", "date", "--model", "linear",
                       "--window", "5", "-q", "--out", tmp_path / "m", *options)
    assert expected in line and "True" not in line and "shorten --window" not in line, line


def test_a_series_too_short_for_any_split_says_so_not_to_move_the_test_start(tmp_path):
    """30 rows and a 20-step window: no test start helps, and the line says the data is too
    short (it said "move --test-start later" to a user who had not set one)."""
    from findeep.testing import make_price_panel

    short = tmp_path / "one30.csv"
    make_price_panel(1, 30, seed=0).drop(columns="signal").to_csv(short, index=False)
    line = _error_line("forecast", "train", short, "--date-column", "date", "--model",
                       "linear", "-q", "--out", tmp_path / "m")
    assert line.startswith("findeep: the data is too short for this model: its longest "
                           "series has 30 row(s)"), line
    assert "--test-start" not in line and "shorten --window or --horizon" in line


def test_stacked_series_without_an_asset_column_suggest_the_text_column():
    """Two tickers stacked without asset_column: the error suggests --asset-column ticker."""
    with pytest.raises(DataError, match="--asset-column ticker"):
        SequenceForecaster(model="linear").fit(_two_assets())


def test_a_stacked_column_named_asset_is_suggested_by_its_own_name():
    """A column called 'asset' is renamed inside (the key is reserved): the hint named the
    internal 'asset_value', which the user's table does not have."""
    stacked = _two_assets().rename(columns={"ticker": "asset"})
    with pytest.raises(DataError, match=r"--asset-column asset\.$"):
        SequenceForecaster(model="linear").fit(stacked)


def test_repeated_quantiles_are_named():
    """quantiles=[0.1, 0.1, 0.9] names 0.1 as the repeated value."""
    with pytest.raises(ConfigError, match=r"0\.1 more than once"):
        SequenceForecaster(model="gru", quantiles=[0.1, 0.1, 0.9]).fit(_prices())


def test_train_help_shows_the_extra_in_brackets():
    """The help of --vol-base and --features shows findeep[forecast], not 'findeep'."""
    code, stdout, _ = _invoke("forecast", "train", "--help")
    assert code == 0 and stdout.count("findeep[forecast]") >= 2, stdout
