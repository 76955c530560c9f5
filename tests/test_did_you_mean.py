"""'Did you mean' names a column a user plausibly meant, never an unrelated one."""

from __future__ import annotations

import pytest

from findeep.errors import did_you_mean

COLUMNS = ["income", "loan_amount", "age", "purpose", "utilization", "region", "Date", "gru"]


@pytest.mark.parametrize(("typed", "meant"), [
    ("incme", "income"), ("loan_amt", "loan_amount"), ("purpse", "purpose"), ("gur", "gru"),
    ("utilisation", "utilization"), ("date", "Date"), ("INCOME", "income"),
    ("amount", "loan_amount"), ("age_years", "age"), ("region_code", "region"),
])
def test_typos_case_and_partial_names_get_the_column_meant(typed, meant):
    assert f"'{meant}'" in did_you_mean(typed, COLUMNS)


@pytest.mark.parametrize("typed", ["nope", "xyz", "id", "zz_top"])
def test_unrelated_names_get_no_suggestion(typed):
    """'nope' shares two letters with 'income' (ratio 0.6): suggesting it misleads."""
    assert did_you_mean(typed, COLUMNS) == ""
