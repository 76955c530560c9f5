"""Partial dependence: data to plot how the score moves with one column."""

from __future__ import annotations

import pytest

from findeep.errors import ConfigError
from findeep.explain import partial_dependence_table


def test_risk_rises_along_a_column_that_raises_it(driver_model, driver_data):
    """Average risk climbs from the low to the high end of debt_to_income."""
    X, _ = driver_data
    table = partial_dependence_table(driver_model.pipeline_, X.head(300), ["debt_to_income"],
                                     grid_resolution=6)
    assert len(table) == 6 and (table["column"] == "debt_to_income").all()
    assert table["average"].iloc[-1] > table["average"].iloc[0] + 0.2


def test_categorical_columns_sweep_their_values_and_gaps_are_skipped(credit_model, credit_data):
    """A category gets one row per value; a numeric column with gaps sweeps its present values."""
    X, _ = credit_data
    table = partial_dependence_table(credit_model.pipeline_, X.head(200), ["home", "income"],
                                     grid_resolution=5)
    homes = table[table["column"] == "home"]
    assert set(homes["value"]) == set(X.head(200)["home"])
    assert table.loc[table["column"] == "income", "value"].notna().all()


def test_unknown_columns_are_refused_with_a_suggestion(driver_model, driver_data):
    """A misspelt column name gets 'did you mean'."""
    X, _ = driver_data
    with pytest.raises(ConfigError, match="Did you mean 'utilization'"):
        partial_dependence_table(driver_model.pipeline_, X.head(10), ["utilisation"])
