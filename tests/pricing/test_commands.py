"""``findeep pricing``: the whole path on the command line, and one-line refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from cli_helpers import assert_one_line_error, run
from findeep.pricing.box import INPUT_COLUMNS
from findeep.pricing.bundle import save_pricer
from findeep.pricing.calibration import synthetic_surface


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, pricer, heston_data):
    path = tmp_path_factory.mktemp("pricing")
    save_pricer(pricer, path / "pricer")
    options = heston_data[list(INPUT_COLUMNS)].iloc[:6].copy()
    options.loc[options.index[2], "gamma"] = 0.9
    options.to_csv(path / "options.csv", index=False)
    synthetic_surface({"rho": -0.5, "kappa": 1.0, "vbar": 0.1, "gamma": 0.3, "v0": 0.15},
                      moneyness=(0.9, 1.0, 1.1), maturities=(0.5, 1.0)).to_csv(
        path / "surface.csv", index=False)
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


@pytest.mark.parametrize(("args", "fragment"), [
    (("price", "{d}/pricer", "{d}/missing.csv", "--out", "{d}/o.csv"), "does not exist"),
    (("price", "{d}/nothing", "{d}/options.csv", "--out", "{d}/o.csv"), "not a findeep bundle"),
    (("calibrate", "{d}/pricer", "{d}/few.csv"), "at least 6"),
    (("price", "{d}/pricer", "{d}/negative.csv", "--out", "{d}/o.csv"), "non-positive maturity"),
    (("generate", "--n", "10", "--out", "{d}/a.csv"), ".parquet"),
    (("calibrate", "{d}/pricer", "{d}/negprice.csv"), "negative price"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(workdir, args, fragment):
    surface = pd.read_csv(workdir / "surface.csv")
    surface.iloc[:3].to_csv(workdir / "few.csv", index=False)
    surface.assign(price=-surface["price"]).to_csv(workdir / "negprice.csv", index=False)
    pd.read_csv(workdir / "options.csv").assign(maturity=-0.5).to_csv(
        workdir / "negative.csv", index=False)
    result = run("pricing", *[a.format(d=workdir) for a in args])
    assert_one_line_error(result, fragment)
    assert not (workdir / "o.csv").exists() and not (workdir / "a.csv").exists()
