"""A count with a few whole-number values (late payments 0-4) is read as categories, so a
later 5 scored as the unknown level came out *less* risky than 4 (a validator's walkthrough:
0.837 at 4, 0.498 at 5, 6 and 9). Training now names such columns, and ``--numeric`` /
``numeric_columns=`` reads them as numbers."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.cli_helpers import assert_one_line_error, run

from findeep.data.schema import FindeepWarning, infer_schema
from findeep.errors import DataError


def _late_payments(n: int = 3_000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    late = rng.choice(5, n, p=[0.6, 0.2, 0.1, 0.06, 0.04])
    income = rng.normal(50, 15, n).round(1)
    p = 1 / (1 + np.exp(-(-2 + 0.9 * late - 0.03 * (income - 50))))
    return pd.DataFrame({"late_payments": late, "income": income,
                         "has_card": rng.integers(0, 2, n),
                         "default": (rng.random(n) < p).astype(int)})


def _kind(schema, name: str) -> str:
    return next(c.kind for c in schema.columns if c.name == name)


def test_training_names_whole_number_columns_read_as_categories() -> None:
    """Counts of 3 to 5 values are named with their values and the option that reads them
    as numbers; a 0/1 flag (a yes/no category) is not."""
    frame = _late_payments().drop(columns=["default"])
    with pytest.warns(FindeepWarning, match="read as categories") as caught:
        schema = infer_schema(frame)
    assert _kind(schema, "late_payments") == "categorical"
    message = str(next(w.message for w in caught if "whole-number" in str(w.message)))
    assert "'late_payments' (0, 1, 2, 3, 4)" in message
    assert "--numeric-columns late_payments" in message
    assert "has_card" not in message


def test_numeric_columns_are_read_as_numbers_and_checked() -> None:
    frame = _late_payments().drop(columns=["default"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)  # named, so nothing left to warn about
        schema = infer_schema(frame, numeric_columns=["late_payments"])
    assert _kind(schema, "late_payments") == "numeric"
    with pytest.raises(DataError, match="Did you mean 'late_payments'"):
        infer_schema(frame, numeric_columns=["late_paymnts"])
    with pytest.raises(DataError, match=r"does not hold numbers.*'low'"):
        infer_schema(frame.assign(grade=["low", "high"] * 1_500), numeric_columns=["grade"])
    with pytest.raises(DataError, match="true/false"):
        infer_schema(frame.assign(flag=[True, False] * 1_500), numeric_columns=["flag"])
    typo = frame.assign(late_payments=frame["late_payments"].astype(object))
    typo.loc[7, "late_payments"] = "four"  # one typo in 3,000 is read as missing
    assert _kind(infer_schema(typo, numeric_columns=["late_payments"], warn=False),
                 "late_payments") == "numeric"


def test_a_count_read_as_a_number_scores_later_values_in_order(tmp_path: Path) -> None:
    """With --numeric (and a monotone constraint, which a category cannot take) 5, 6 and 9
    late payments score at least as high as 4, with no 'never seen' warning; without
    --numeric the constraint is refused with the way to read the column as a number."""
    data = tmp_path / "late.csv"
    _late_payments().to_csv(data, index=False)
    refused = run("train", data, "--target", "default", "--out", tmp_path / "m0",
                  "--monotone", "late_payments:+")
    assert_one_line_error(refused, "is categorical", "--numeric-columns late_payments")
    trained = run("train", data, "--target", "default", "--out", tmp_path / "m",
                  "--numeric", "late_payments", "--monotone", "late_payments:+",
                  "--bagging", "1", "--max-epochs", "5", "-q")
    assert trained.exit_code == 0, trained.output
    assert "whole-number" not in trained.stderr
    new = pd.DataFrame({"late_payments": [0, 1, 2, 3, 4, 5, 6, 9], "income": 50.0,
                        "has_card": 1})
    new.to_csv(tmp_path / "new.csv", index=False)
    scored = run("predict", tmp_path / "m", tmp_path / "new.csv", "--out", tmp_path / "s.csv")
    assert scored.exit_code == 0, scored.output
    assert "never seen" not in scored.stderr
    scores = pd.read_csv(tmp_path / "s.csv")["probability_1"].to_numpy()
    assert np.all(np.diff(scores) >= -1e-7) and scores[-1] > scores[0]


def test_the_hint_names_a_column_whose_name_holds_a_quote() -> None:
    """The option in the sentence is the column's whole name, quote and all."""
    frame = _late_payments().rename(columns={"late_payments": "borrower's_late"})
    with pytest.warns(FindeepWarning, match=r"--numeric-columns borrower's_late \("):
        infer_schema(frame.drop(columns=["default"]))
