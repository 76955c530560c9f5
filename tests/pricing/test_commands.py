"""``findeep pricing``: the whole path on the command line, and one-line refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from cli_helpers import assert_one_line_error, run
from findeep.pricing.box import INPUT_COLUMNS
from findeep.pricing.bundle import save_pricer
from findeep.pricing.calibration import synthetic_surface
from findeep.pricing.estimator import HestonSurrogate
from findeep.pricing.sampling import generate_heston_grid


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, pricer, heston_data):
    path = tmp_path_factory.mktemp("pricing")
    save_pricer(pricer, path / "pricer")
    options = heston_data[list(INPUT_COLUMNS)].iloc[:6].copy()
    options.loc[options.index[2], "gamma"] = 0.9
    options.to_csv(path / "options.csv", index=False)
    options.assign(price=0.1).to_csv(path / "quoted.csv", index=False)
    training = heston_data.iloc[:200].copy()
    training.to_csv(path / "train.csv", index=False)
    text = (path / "train.csv").read_text().splitlines()
    header = text[0].split(",")
    row = text[5].split(",")
    row[header.index("call")] = "n/a"  # a spreadsheet's empty cell
    (path / "nan_train.csv").write_text("\n".join([*text[:5], ",".join(row), *text[6:]]))
    surface = synthetic_surface({"rho": -0.5, "kappa": 1.0, "vbar": 0.1, "gamma": 0.3,
                                 "v0": 0.15}, moneyness=(0.9, 1.0, 1.1), maturities=(0.5, 1.0))
    surface.to_csv(path / "surface.csv", index=False)
    surface.assign(type="straddle").to_csv(path / "straddle.csv", index=False)
    surface.assign(price=surface["price"] * 100).to_csv(path / "px100.csv", index=False)
    surface.drop(columns="price").assign(implied_vol=25.0).to_csv(path / "ivpct.csv",
                                                                  index=False)
    surface.loc[[2], "price"] = float("nan")
    pd.concat([surface, surface.iloc[[0]]]).to_csv(path / "nan.csv", index=False)
    grid = generate_heston_grid(30, seed=3)
    surface_pricer = HestonSurrogate(kind="surface", d_hidden=8, n_layers=1, max_epochs=1,
                                     batch_size=8, verbose=0).fit(grid)
    save_pricer(surface_pricer, path / "surface_pricer")
    return path


def test_generate_train_price_calibrate(workdir):
    """generate -> train -> price (an out-of-box row flagged) -> calibrate, all exit 0."""
    result = run("pricing", "generate", "--n", "400", "--out", workdir / "h.parquet")
    assert result.exit_code == 0, result.output
    result = run("pricing", "train", workdir / "h.parquet", "--out", workdir / "small",
                 "--max-epochs", "1", "--d-hidden", "8", "--n-layers", "1", "-q")
    assert result.exit_code == 0, result.output
    result = run("pricing", "price", workdir / "pricer", workdir / "options.csv", "--out",
                 workdir / "prices.csv")
    assert result.exit_code == 0, result.output
    prices = pd.read_csv(workdir / "prices.csv", keep_default_na=False)
    assert prices["outside_box"].tolist() == ["", "", "gamma", "", "", ""]
    assert prices.loc[2, "price"] == ""  # not priced, not silently extrapolated
    result = run("pricing", "calibrate", workdir / "pricer", workdir / "surface.csv",
                 "--no-reference")
    assert result.exit_code == 0, result.output
    assert "kappa" in result.stdout
    assert "converged" in result.stdout and "on a search bound" in result.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (("price", "{d}/pricer", "{d}/missing.csv", "--out", "{d}/o.csv"), "does not exist"),
    (("price", "{d}/nothing", "{d}/options.csv", "--out", "{d}/o.csv"), "not a findeep bundle"),
    (("calibrate", "{d}/pricer", "{d}/few.csv"), "at least 6"),
    (("price", "{d}/pricer", "{d}/negative.csv", "--out", "{d}/o.csv"), "non-positive maturity"),
    (("generate", "--n", "10", "--out", "{d}/a.csv"), ".parquet"),
    (("calibrate", "{d}/pricer", "{d}/negprice.csv"), "negative price"),
    (("calibrate", "{d}/pricer", "{d}/straddle.csv"), "'straddle'"),
    (("calibrate", "{d}/pricer", "{d}/px100.csv"), ("prices lie outside", "strike units")),
    (("calibrate", "{d}/pricer", "{d}/ivpct.csv"), ("6 of 6 implied vols", "percent")),
    (("train", "{d}/options.csv", "--out", "{d}/o", "--n-components", "0"),
     "n_components must be a positive integer"),
    (("train", "{d}/options.csv", "--out", "{d}/o", "--d-hidden", "-5"), "d_hidden=-5"),
    (("train", "{d}/options.csv", "--out", "{d}/o", "--d-hidden", "0"), "d_hidden=0"),
    (("price", "{d}/surface_pricer", "{d}/options.csv", "--out", "{d}/o.csv"),
     ("surface surrogate", "predict_surface", "'findeep pricing price' needs a price")),
    (("calibrate", "{d}/surface_pricer", "{d}/surface.csv"),
     ("surface surrogate", "'findeep pricing calibrate' needs a price")),
    (("check", "{d}/surface_pricer", "--n", "10", "--sets", "1"),
     ("surface surrogate", "'findeep pricing check' needs a price")),
    (("train", "{d}/nan_train.csv", "--out", "{d}/o", "-q"),
     ("1 row(s) with an empty, NaN or infinite cell", "'call' 1 row(s), first at row 5")),
    (("price", "{d}/pricer", "{d}/quoted.csv", "--out", "{d}/o.csv"),
     ("already has the column(s) price", "price -> market_price")),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(workdir, args, fragment):
    surface = pd.read_csv(workdir / "surface.csv")
    surface.iloc[:3].to_csv(workdir / "few.csv", index=False)
    surface.assign(price=-surface["price"]).to_csv(workdir / "negprice.csv", index=False)
    pd.read_csv(workdir / "options.csv").assign(maturity=-0.5).to_csv(
        workdir / "negative.csv", index=False)
    result = run("pricing", *[a.format(d=workdir) for a in args])
    assert_one_line_error(result, *((fragment,) if isinstance(fragment, str) else fragment))
    assert not (workdir / "o.csv").exists() and not (workdir / "a.csv").exists()
    assert not (workdir / "o").exists()


def test_price_reports_rows_with_an_empty_input_apart_from_rows_outside_the_box(workdir):
    """An empty kappa is not 'outside the trained box': the row is unpriced and counted as
    missing, and the file names the column in missing_inputs."""
    options = pd.read_csv(workdir / "options.csv")
    options.loc[4, "kappa"] = None
    options.to_csv(workdir / "gap.csv", index=False)
    result = run("pricing", "price", workdir / "pricer", workdir / "gap.csv", "--out",
                 workdir / "gap_prices.csv")
    assert result.exit_code == 0, result.output
    assert "priced 4 of 6 options; 1 row(s) outside the trained box" in result.stdout
    assert "1 row(s) with an empty input cell left unpriced" in result.stdout
    prices = pd.read_csv(workdir / "gap_prices.csv", keep_default_na=False)
    assert prices["outside_box"].tolist() == ["", "", "gamma", "", "", ""]
    assert prices["missing_inputs"].tolist() == ["", "", "", "", "kappa", ""]
    assert prices.loc[4, "price"] == ""


def test_calibrate_reports_quotes_left_out_for_an_empty_price(workdir):
    """A row without a price is not fitted, and the output says so."""
    result = run("pricing", "calibrate", workdir / "pricer", workdir / "nan.csv",
                 "--no-reference")
    assert result.exit_code == 0, result.output
    assert "calibration to 6 options" in result.stdout
    assert "1 quote without a price was left out" in result.stdout


def test_training_a_surface_pricer_on_few_rows_says_nothing_of_early_stopping(workdir):
    """The pricing trainer has no early stopping and no auto batch size: the shared
    trainer's warning about them is not shown; the full-batch warning is."""
    grid = generate_heston_grid(40, seed=5)
    grid.to_parquet(workdir / "grid.parquet")
    result = run("pricing", "train", workdir / "grid.parquet", "--kind", "surface", "--out",
                 workdir / "sp", "--max-epochs", "1", "--d-hidden", "8", "--n-layers", "1",
                 "-q")
    assert result.exit_code == 0, result.output
    assert "early stopping" not in result.output and "auto" not in result.output
    assert "one full-batch step per epoch" in result.stderr


def test_pricing_train_shows_the_progress_bar_unless_quiet(workdir, monkeypatch):
    """On a terminal 'pricing train' shows findeep's epoch bar on stderr (the estimator is
    quiet by default; the command asks for it), and -q turns it off."""
    from rich.console import Console

    from findeep.train import progress

    monkeypatch.setattr(progress, "Console",
                        lambda file: Console(file=file, force_terminal=True, width=120))
    options = ("--max-epochs", "1", "--d-hidden", "8", "--n-layers", "1", "--n-components",
               "2", "--force")
    shown = run("pricing", "train", workdir / "train.csv", "--out", workdir / "bar",
                *options)
    assert shown.exit_code == 0, shown.output
    assert "validation RMSE" in shown.stderr and "validation RMSE" not in shown.stdout
    quiet = run("pricing", "train", workdir / "train.csv", "--out", workdir / "bar", *options,
                "-q")
    assert quiet.exit_code == 0, quiet.output
    assert "validation RMSE" not in quiet.output


def test_findeep_export_writes_a_pricer_to_onnx(workdir):
    """'findeep export PRICER --format onnx' exports the price network (as 'pricing train
    --onnx' does) instead of refusing it as not tabular."""
    pytest.importorskip("onnxruntime")
    result = run("export", workdir / "pricer", "--format", "onnx", "--out",
                 workdir / "e.onnx")
    assert result.exit_code == 0, result.output
    assert "inputs options -> price" in result.stdout
    assert (workdir / "e.onnx").is_file()
