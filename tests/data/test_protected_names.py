"""Training names input columns that a credit decision may not rest on."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import findeep
from findeep.data.protected_names import prohibited_basis_columns
from findeep.data.schema import FindeepWarning
from findeep.testing import make_credit_frame


def test_names_holding_a_prohibited_basis_as_a_word_are_found() -> None:
    found = prohibited_basis_columns([
        "race_proxy", "applicantSex", "Gender", "religion", "national_origin", "skinColour",
        "racetrack_visits", "sexton", "Marital", "Age", "income", "car_color",
        "vehicle_colour", "national_insurance_number", "is_national_account"])
    assert found == {"race_proxy": "race", "applicantSex": "sex", "Gender": "sex",
                     "religion": "religion", "national_origin": "national origin",
                     "skinColour": "colour"}


def test_training_on_such_a_column_warns_once_by_name() -> None:
    """A model given 'race_proxy' uses it and cites it in its reasons: training says so;
    the credit sample's own columns (Marital, Age among them) raise no such warning."""
    frame = make_credit_frame(500, seed=1).drop(columns=["applied_on"])
    y = frame.pop("default")
    frame["race_proxy"] = np.random.default_rng(0).choice(["A", "B"], len(frame))
    with pytest.warns(FindeepWarning, match=r"'race_proxy' \(race\)"):
        findeep.TabularClassifier(max_epochs=1, bagging=1).fit(frame, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        findeep.TabularClassifier(max_epochs=1, bagging=1).fit(
            frame.drop(columns=["race_proxy"]), y)
    assert not [w for w in caught if "basis credit decisions" in str(w.message)]


def test_streamed_training_warns_too(tmp_path) -> None:
    from cli_helpers import run

    frame = make_credit_frame(1_200, seed=2).drop(columns=["applied_on"])
    frame["gender"] = np.random.default_rng(1).choice(["f", "m"], len(frame))
    frame.to_parquet(tmp_path / "g.parquet", row_group_size=400)
    result = run("train", tmp_path / "g.parquet", "--target", "default", "--stream",
                 "--max-epochs", "1", "--quiet", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "'gender' (sex)" in " ".join(result.stderr.split())
