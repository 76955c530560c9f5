"""Numbers written as text are the numbers they mean, at training and at scoring time."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from findeep.data.number_text import looks_numeric, parse_number, to_numbers
from findeep.data.schema import infer_column_kind
from findeep.errors import TargetError
from findeep.pipeline import fit_tabular
from findeep.testing import make_credit_frame


@pytest.mark.parametrize(("text", "value"), [
    ("€62,200.00", 62200.0), ("62,200", 62200.0), ("36.5%", 0.365), ("(1,200)", -1200.0),
    ("USD 950", 950.0), ("950 USD", 950.0), (" 7 ", 7.0), ("-$5", -5.0), ("1e3", 1000.0),
    ("CHF1,000", 1000.0), ("+4", 4.0),
    # a spreadsheet's Accounting format, as exported: sign before the parentheses, zero a dash
    (" $783.58 ", 783.58), (" $(284.12)", -284.12), (" $-   ", 0.0), ("€(1.5)", -1.5),
])
def test_amounts_rates_and_accounting_negatives_parse(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["A1", "3+", "1,2", "1,23,456", "(5", "USDX 5", "€ 1.234,56"])
def test_codes_and_ambiguous_separators_are_not_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_spreadsheet_error_cells_are_missing_values_not_categories() -> None:
    """20 '#DIV/0!' cells among 1,500 ratios made the column categorical, silently; a '-' or
    '#VALUE!' among the first dates made a date column categorical."""
    ratios = pd.Series([f"{v:.2f}" for v in np.linspace(1, 60, 200)] + ["#DIV/0!"] * 20)
    assert infer_column_kind("dti", ratios) == "numeric"
    assert np.isnan(to_numbers(ratios)[0][-20:]).all() and to_numbers(ratios)[1] == 0
    for error in ("#VALUE!", "#REF!", "#NUM!", "#NAME?", "#N/A", "-"):
        dates = pd.Series([error, *pd.date_range("2021-01-01", periods=50).strftime("%d/%m/%Y")])
        assert infer_column_kind("applied", dates) == "datetime", error


def test_a_question_mark_is_a_missing_number_as_in_the_uci_tables() -> None:
    """A car table's horsepower with 6 '?' in 397 rows (1.5%, over the 1% of stray values
    read as missing with a warning) was a categorical of 94 levels."""
    horsepower = pd.Series([str(v) for v in range(50, 441)] + ["?"] * 6)
    assert infer_column_kind("horsepower", horsepower) == "numeric"
    numbers, unreadable, _ = to_numbers(horsepower)
    assert np.isnan(numbers[-6:]).all() and unreadable == 0
    assert infer_column_kind("note", pd.Series(["?", "A", "B"] * 30)) == "categorical"


def test_a_column_is_numeric_only_when_every_present_value_parses() -> None:
    assert looks_numeric(pd.Series(["$1,200", "n/a", "$950", None]))
    assert not looks_numeric(pd.Series(["$1,200", "A1", "$950"]))
    assert not looks_numeric(pd.Series(["n/a", None]))
    assert infer_column_kind("amount", pd.Series([f"${v:,.2f}" for v in range(0, 9000, 7)])) \
        == "numeric"
    assert infer_column_kind("grade", pd.Series(["1", "2", "3"] * 30)) == "categorical"


def test_unreadable_values_are_counted_with_an_example() -> None:
    numbers, bad, example = to_numbers(pd.Series(["12%", "unknown", "7", None, "unknown"]))
    np.testing.assert_allclose(numbers, [0.12, np.nan, 7.0, np.nan, np.nan])
    assert (bad, example) == (2, "unknown")


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table as a spreadsheet export writes it: amounts and rates as text."""
    text = frame.copy()
    text["income"] = frame["income"].map(lambda v: "" if pd.isna(v) else f"€{v:,.2f}")
    text["utilization"] = frame["utilization"].map(lambda v: f"{100 * v:.4f}%")
    return text


def test_a_model_trained_on_numbers_as_text_reads_them_as_numbers() -> None:
    """The text table trains the same network as the numeric one (same seed), and either
    spelling scores the same at prediction time."""
    frame = make_credit_frame(800, seed=5).drop(columns=["applied_on"])
    frame = frame.round({"income": 2, "utilization": 6})  # what the text below can carry
    # "106.6000%" / 100 may differ from 1.066 in the last bit: compare like with like
    frame["utilization"] = to_numbers(_as_text(frame)["utilization"])[0]
    y = frame.pop("default")
    options = {"bagging": 1, "max_epochs": 3, "verbose": 0}
    plain = fit_tabular(frame, y, **options)
    text = fit_tabular(_as_text(frame), y, **options)
    assert {c.name: c.kind for c in text.schema.columns}["income"] == "numeric"
    p_plain = plain.predict_raw(frame)[0]
    np.testing.assert_allclose(text.predict_raw(_as_text(frame))[0], p_plain, atol=1e-5)
    np.testing.assert_allclose(text.predict_raw(frame)[0], p_plain, atol=1e-5)


def test_values_that_are_not_numbers_at_scoring_time_are_named_not_silent() -> None:
    frame = make_credit_frame(600, seed=6).drop(columns=["applied_on"])
    y = frame.pop("default")
    pipeline = fit_tabular(frame, y, bagging=1, max_epochs=2, verbose=0)
    scoring = frame.head(50).astype({"age": object})
    scoring.loc[scoring.index[:4], "age"] = "unknown"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, report = pipeline.predict_raw(scoring)
    assert report.unreadable_numbers == {"age": 4}
    assert any("'age' 4 (e.g. 'unknown')" in str(w.message) for w in caught)


def test_yes_no_spelt_as_text_or_booleans_is_one_column() -> None:
    """A CSV reader makes booleans of TRUE/FALSE; a Parquet file keeps the text."""
    frame = make_credit_frame(600, seed=7).drop(columns=["applied_on"])
    y = frame.pop("default")
    frame["has_phone"] = np.arange(len(frame)) % 3 == 0
    pipeline = fit_tabular(frame, y, bagging=1, max_epochs=2, verbose=0)
    as_text = frame.assign(has_phone=frame["has_phone"].map({True: "TRUE", False: "FALSE"}))
    p_bool, _ = pipeline.predict_raw(frame)
    p_text, report = pipeline.predict_raw(as_text)
    assert report.unseen_categories == {}
    np.testing.assert_array_equal(p_bool, p_text)


def test_a_target_of_numbers_as_text_is_refused_not_learned_as_classes() -> None:
    frame = make_credit_frame(300, seed=8).drop(columns=["applied_on", "default"])
    rate = pd.Series([f"{v:.1f}%" for v in np.random.default_rng(0).uniform(5, 25, 300)])
    with pytest.raises(TargetError, match=r"numbers written as text.*pass --task regression"):
        fit_tabular(frame, rate, bagging=1, max_epochs=1, verbose=0)


def test_a_regression_asked_for_reads_a_target_of_amounts_written_as_text() -> None:
    """task='regression' (or TabularRegressor) on '52.201,43'-style amounts, which a
    European file's reader hands over as text: read as the numbers they mean, as feature
    columns are; evaluation reads them the same way."""
    from findeep import TabularRegressor

    frame = make_credit_frame(300, seed=8).drop(columns=["applied_on", "default"])
    rate = pd.Series([f"{v:.1f}%" for v in np.random.default_rng(0).uniform(5, 25, 300)],
                     name="rate")
    pipeline = fit_tabular(frame, rate, task="regression", bagging=1, max_epochs=1, verbose=0)
    assert pipeline.task == "regression"
    model = TabularRegressor(max_epochs=1, bagging=1).fit(frame, rate)
    assert "r2" in model.evaluate(frame, rate)
    assert model.predict(frame).max() < 1.0  # "12.5%" is 0.125, as a spreadsheet stores it


def test_dates_that_cannot_be_read_at_scoring_time_are_named_not_silent() -> None:
    frame = make_credit_frame(600, seed=9)
    y = frame.pop("default")
    pipeline = fit_tabular(frame, y, bagging=1, max_epochs=2, verbose=0)
    scoring = frame.head(20).astype({"applied_on": object})
    scoring.loc[scoring.index[:2], "applied_on"] = ["garbage", "2021-02-30"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, report = pipeline.predict_raw(scoring)
    assert report.unreadable_numbers == {"applied_on": 2}
    said = "values that are not dates in column(s): 'applied_on' 2"
    assert any(said in str(w.message) for w in caught)
