"""Reason codes: one row per scored row, plain words, the applicant's own values."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from findeep.errors import ConfigError
from findeep.explain import explain_frame
from findeep.explain.reasons import describe_value

DRIVERS = {"debt_to_income", "utilization", "late_payments"}


def test_explain_frame_returns_the_serving_contract(driver_model, driver_data):
    """Index-aligned rows with probability, reason_1..top and attribution__<column>."""
    X, _ = driver_data
    rows = X.iloc[[5, 3, 11]].set_axis(["a", "b", "c"])
    table = explain_frame(driver_model.pipeline_, rows, top=3)
    assert list(table.index) == ["a", "b", "c"]
    expected = ["probability", "reason_1", "reason_2", "reason_3",
                *[f"attribution__{c}" for c in X.columns]]
    assert list(table.columns) == expected
    np.testing.assert_allclose(table["probability"], driver_model.event_probability(rows),
                               rtol=1e-4)


def test_high_risk_rows_are_explained_by_the_driving_columns(driver_model, driver_data):
    """Declined rows' first reason names one of the three columns that drive the target."""
    X, _ = driver_data
    table = explain_frame(driver_model.pipeline_, X.head(400))
    declined = table[table["probability"] >= 0.5]
    assert len(declined) > 40
    first_columns = declined["reason_1"].str.split(" = ").str[0]
    assert first_columns.isin(DRIVERS).mean() >= 0.95


def test_a_reason_states_the_column_its_value_and_the_direction(driver_model, driver_data):
    """Reasons read like 'debt_to_income = 41.2 raised the risk most' with the row's value."""
    X, _ = driver_data
    row = X.iloc[[0]]
    reason = explain_frame(driver_model.pipeline_, row)["reason_1"].iloc[0]
    match = re.fullmatch(r"(\w+) = (.+) raised the risk most", reason)
    assert match, reason
    column, value = match.groups()
    assert float(value) == pytest.approx(float(row[column].iloc[0]))


def test_only_columns_that_raised_the_risk_become_reasons(driver_model, driver_data):
    """A reason is never given for a column whose attribution lowered the risk."""
    X, _ = driver_data
    table = explain_frame(driver_model.pipeline_, X.head(100), top=10)
    for _, row in table.iterrows():
        for reason in row.filter(like="reason_"):
            if reason:
                assert row[f"attribution__{reason.split(' = ')[0]}"] > 0


def test_estimator_explain_matches_the_library_call(driver_model, driver_data):
    """est.explain(X) is explain_frame on the fitted pipeline."""
    X, _ = driver_data
    pd.testing.assert_frame_equal(driver_model.explain(X.head(4), top=2),
                                  explain_frame(driver_model.pipeline_, X.head(4), top=2))


def test_regression_explanations_report_the_prediction(regression_model, driver_data):
    """A regressor's explanation carries `prediction` and says it raised the prediction."""
    X, _ = driver_data
    table = regression_model.explain(X.drop(columns=["debt_to_income"]).head(3))
    assert "prediction" in table.columns and "probability" not in table.columns
    np.testing.assert_allclose(table["prediction"],
                               regression_model.predict(X.drop(columns=["debt_to_income"]).head(3)),
                               rtol=1e-4, atol=1e-3)
    assert table["reason_1"].str.contains("raised the prediction").any()


def test_the_default_reference_is_computed_once_per_model(driver_model, driver_data):
    """Single-row calls (the REST API) reuse the cached reference population."""
    X, _ = driver_data
    explain_frame(driver_model.pipeline_, X.iloc[[1]])
    cached = vars(driver_model.pipeline_)["_explain_cache"]["reference"]
    explain_frame(driver_model.pipeline_, X.iloc[[2]])
    assert vars(driver_model.pipeline_)["_explain_cache"]["reference"] is cached


def test_values_are_written_as_a_person_reads_them():
    """Numbers keep their digits, dates lose midnight, gaps say 'missing'."""
    assert describe_value(41.2) == "41.2"
    assert describe_value(52000.0) == "52000"
    assert describe_value(np.int64(3)) == "3"
    assert describe_value(float("nan")) == "missing"
    assert describe_value(None) == "missing"
    assert describe_value(pd.Timestamp("2021-03-04")) == "2021-03-04"
    assert describe_value("rent") == "rent"


@pytest.mark.parametrize("top", [0, -1, 2.5])
def test_top_must_be_a_positive_integer(driver_model, driver_data, top):
    """A nonsensical number of reasons is refused with one clear error."""
    X, _ = driver_data
    with pytest.raises(ConfigError, match="top must be a positive integer"):
        explain_frame(driver_model.pipeline_, X.head(1), top=top)


def test_no_more_reason_columns_than_input_columns(driver_model, driver_data):
    """--top 100 on a table of a dozen columns: one reason column per input column at most."""
    X, _ = driver_data
    explained = explain_frame(driver_model.pipeline_, X.head(3), top=100)
    reasons = [c for c in explained.columns if c.startswith("reason_")]
    assert len(reasons) == len(driver_model.pipeline_.schema.used_names)
