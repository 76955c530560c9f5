"""Partial dependence: data to plot how the score moves with one column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import partial_dependence

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError
from findeep.explain import partial_dependence_table
from findeep.explain.frozen import frozen


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


def test_numeric_sweep_matches_scikit_learns_partial_dependence(driver_model, driver_data):
    """The batched sweep gives scikit-learn's brute-force averages on the same grid."""
    X, _ = driver_data
    pipeline = driver_model.pipeline_
    table = partial_dependence_table(pipeline, X.head(150), ["utilization"], grid_resolution=5)
    grid = table["value"].to_numpy(dtype=float)
    expected = partial_dependence(frozen(pipeline), X.head(150)[pipeline.schema.used_names],
                                  ["utilization"], kind="average",
                                  custom_values={"utilization": grid})["average"][0]
    np.testing.assert_allclose(table["average"].to_numpy(dtype=float), expected, atol=1e-6)


def test_a_categorical_column_with_missing_values_sweeps_missing_as_a_level(credit_model,
                                                                            credit_data):
    """Missing is one more level (listed last); scikit-learn alone fails on such a column.
    The model never saw a missing 'home', which is said once, for the 10 rows as given."""
    X, _ = credit_data
    rows = X.head(120).copy()
    rows.loc[rows.index[:10], "home"] = None
    with pytest.warns(FindeepWarning, match=r"of 120 rows: missing.*'home' 10\.") as caught:
        table = partial_dependence_table(credit_model.pipeline_, rows, ["home"])
    assert len([w for w in caught if issubclass(w.category, FindeepWarning)]) == 1
    values = table["value"].tolist()
    assert pd.isna(values[-1]) and values[:-1] == sorted(rows["home"].dropna().unique())
    assert table["average"].between(0, 1).all()


def test_a_column_left_out_at_training_is_named_as_such(driver_data):
    """Sweeping an identifier the schema excluded says why it is not an input."""
    from findeep import TabularClassifier

    X, y = driver_data
    rows = X.head(300).assign(application_id=[f"A{i:05d}" for i in range(300)])
    with pytest.warns(UserWarning):
        model = TabularClassifier(max_epochs=1).fit(rows, y.head(300))
    with pytest.raises(ConfigError, match="left it out as an identifier"):
        partial_dependence_table(model.pipeline_, rows.head(20), ["application_id"])


def test_integer_columns_sweep_the_quantiles_between_their_values(credit_model, credit_data):
    """An integer column (open_accounts, an amount) sweeps its quantiles even where they
    fall between integers, instead of failing to store 6.5 in an integer column."""
    X, _ = credit_data
    rows = X.head(200).assign(open_accounts=X.head(200)["open_accounts"].astype("int64"))
    table = partial_dependence_table(credit_model.pipeline_, rows, ["open_accounts"],
                                     grid_resolution=7)
    values = table["value"].to_numpy(float)
    assert len(values) >= 2 and np.all(np.diff(values) > 0)
