"""What a walkthrough of the pricing commands found: an --onnx path that would replace the
training table, sizes that asked for terabytes, and messages naming the wrong option."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from cli_helpers import assert_one_line_error, run
from findeep.errors import ConfigError
from findeep.pricing.estimator import HestonSurrogate
from findeep.pricing.sampling import sample_box


def test_onnx_is_refused_where_it_would_replace_the_data_or_lack_its_extension(
        tmp_path: Path) -> None:
    data = tmp_path / "h.parquet"
    data.write_bytes(b"PAR1 not read: the refusal comes first")
    same = run("pricing", "train", data, "--out", tmp_path / "p", "--onnx", data, "--force")
    assert_one_line_error(same, "would hold an ONNX graph")
    renamed = tmp_path / "h.onnx"
    renamed.write_bytes(data.read_bytes())
    replaced = run("pricing", "train", renamed, "--out", tmp_path / "p", "--onnx", renamed,
                   "--force")
    assert_one_line_error(replaced, "is the training data; name another file")
    assert renamed.read_bytes().startswith(b"PAR1")
    assert not (tmp_path / "p").exists()


def test_a_network_size_past_any_useful_pricer_is_one_sentence() -> None:
    """--d-hidden 100000000 asked torch for 4e16 bytes: a traceback and exit 1."""
    with pytest.raises(ConfigError, match="d_hidden must be at most 16,384"):
        HestonSurrogate(d_hidden=100_000_000).check_params()
    HestonSurrogate(d_hidden=16_384).check_params()


def test_check_names_the_option_whose_value_is_too_large(tmp_path: Path) -> None:
    result = run("pricing", "check", tmp_path / "no-bundle", "--n", "10", "--sets",
                 "100000000000")
    assert_one_line_error(result, "--sets 100000000000")


def test_a_sobol_design_off_a_power_of_two_is_said_once_in_findeeps_words() -> None:
    from findeep.data.schema import FindeepWarning
    from findeep.pricing.box import ParameterBox

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sample_box(ParameterBox.default(), 10, design="sobol")
        sample_box(ParameterBox.default(), 16, design="sobol")
    assert [str(w.message)[:22] for w in caught] == ["--design sobol: n=10 i"]
    assert caught[0].category is FindeepWarning and "16 would keep it" in str(caught[0].message)


def test_a_surface_cell_that_is_no_number_is_named_with_its_line(tmp_path: Path) -> None:
    import pandas as pd

    from findeep.pricing.calibration import synthetic_surface

    surface = synthetic_surface({"rho": -0.5, "kappa": 1.0, "vbar": 0.1, "gamma": 0.3,
                                 "v0": 0.15}, moneyness=(0.9, 1.0, 1.1),
                                maturities=(0.5, 1.0)).astype({"price": object})
    surface.loc[3, "price"] = "abc"
    path = tmp_path / "surface.csv"
    surface.to_csv(path, index=False)
    frame = pd.read_csv(path)
    from findeep.pricing.calibration import _non_numeric

    assert _non_numeric(frame, ["price"]) == (
        "the surface's 'price' holds 1 value(s) that are not numbers (e.g. 'abc' at row 4); "
        "fix them, or leave the cell empty to leave the quote out.")
