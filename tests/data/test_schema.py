from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.data.schema import FindeepWarning, infer_schema
from findeep.errors import DataError, SchemaError


def _kinds(frame: pd.DataFrame) -> dict[str, str]:
    with pytest.warns(FindeepWarning):
        schema = infer_schema(frame)
    return {c.name: c.kind for c in schema.columns}


def test_each_column_gets_the_expected_kind() -> None:
    """Numbers, strings, booleans, small integer codes, dates, ids and constants are told apart."""
    n = 60
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "income": rng.normal(50_000, 9_000, n),
        "home": rng.choice(["rent", "own"], n),
        "flag": rng.random(n) < 0.5,
        "term": rng.choice([36, 60], n),
        "applied": pd.date_range("2020-01-01", periods=n).astype(str),
        "loan_id": [f"L{i:05d}" for i in range(n)],
        "country": ["UK"] * n,
        "age": rng.integers(18, 80, n),
    })
    assert _kinds(frame) == {"income": "numeric", "home": "categorical", "flag": "categorical",
                             "term": "categorical", "applied": "datetime", "loan_id": "id",
                             "country": "constant", "age": "numeric"}


def test_all_missing_column_is_an_error_naming_it() -> None:
    """A column with no values at all stops training with its name."""
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "empty": [np.nan] * 3})
    with pytest.raises(DataError, match="'empty'"):
        infer_schema(frame)


def test_schema_round_trips_and_names_every_missing_scoring_column() -> None:
    """A saved schema reloads equal and lists all absent columns at scoring time."""
    frame = pd.DataFrame({"a": np.arange(30.0) % 7, "b": ["x", "y", "z"] * 10,
                          "c": np.linspace(0, 1, 30)})
    schema = infer_schema(frame)
    again = type(schema).from_dict(schema.to_dict())
    assert again == schema
    with pytest.raises(SchemaError, match="'a', 'c'"):
        again.check_scoring_frame(frame[["b"]])


def test_a_scoring_header_that_differs_in_spaces_or_case_is_named() -> None:
    """' noise 1 ' trimmed to 'noise 1' by a spreadsheet: the message says which header it is."""
    frame = pd.DataFrame({" noise 1 ": np.linspace(0, 1, 30), "b": ["x", "y", "z"] * 10})
    schema = infer_schema(frame)
    with pytest.raises(SchemaError, match="' noise 1 ' is there as 'noise 1': rename it"):
        schema.check_scoring_frame(frame.rename(columns={" noise 1 ": "noise 1"}))


def test_a_number_column_with_a_few_typos_is_read_as_numbers_with_a_warning() -> None:
    """One 'forty' among 2,000 ages, one 'abc' among 2,000 distinct incomes: numeric
    columns, those values missing (as scoring reads them), said with the value. They were
    read as categories (each age its own level), and the incomes, all distinct, as an
    identifier left out of the model. Real category columns, code columns with a letter
    among few levels, and clean number columns say nothing."""
    rng = np.random.default_rng(0)
    ages = rng.integers(18, 80, 2_000).astype(str).astype(object)
    ages[7] = "forty"
    incomes = rng.normal(5e4, 1e4, 2_000).round(2).astype(str).astype(object)
    incomes[11] = "abc"
    frame = pd.DataFrame({"age": ages, "purpose": rng.choice(["car", "home"], 2_000),
                          "grade": rng.choice(["01", "02", "03", "X"], 2_000),
                          "income": rng.normal(5e4, 1e4, 2_000).round().astype(str),
                          "salary": incomes})
    with pytest.warns(FindeepWarning) as caught:
        schema = infer_schema(frame)
    said = [str(w.message) for w in caught if "is read as numbers" in str(w.message)]
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds == {"age": "numeric", "purpose": "categorical", "grade": "categorical",
                     "income": "numeric", "salary": "numeric"}
    assert said == ["column 'age' is read as numbers, and 1 of its 2,000 values is not a "
                    "number (e.g. 'forty'): it is read as missing, as scoring reads such "
                    "values; fix or blank them to be sure.",
                    "column 'salary' is read as numbers, and 1 of its 2,000 values is not a "
                    "number (e.g. 'abc'): it is read as missing, as scoring reads such "
                    "values; fix or blank them to be sure."]
    assert not any("identifiers" in str(w.message) for w in caught)


def test_profile_shows_the_few_typos_a_number_column_reads_as_missing(tmp_path) -> None:
    """`findeep profile` (the command for finding data problems) hid the warning that train
    gives: it says which value of 'age' is read as missing."""
    from cli_helpers import run

    rng = np.random.default_rng(1)
    ages = rng.integers(18, 80, 500).astype(str).astype(object)
    ages[3] = "4O"
    path = tmp_path / "t.csv"
    pd.DataFrame({"age": ages, "y": rng.integers(0, 2, 500)}).to_csv(path, index=False)
    result = run("profile", path, "--target", "y")
    assert result.exit_code == 0, result.output
    assert "column 'age' is read as numbers, and 1 of its 500 values is not a number " \
           "(e.g. '4O')" in " ".join(result.stderr.split())
