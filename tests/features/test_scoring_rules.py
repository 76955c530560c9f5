"""Scoring reads a batch as training read its table, and says what it had to absorb."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.data.schema import infer_schema
from findeep.features.tabular import (
    EMPTY_MIN_ROWS,
    ScoringRules,
    TabularPreprocessor,
    empty_is_suspicious,
)


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    income = rng.lognormal(10.5, 0.5, n).round(2)
    income[:30] = np.nan  # 10% missing in training
    return pd.DataFrame({
        "income": income, "returns": rng.normal(0, 1, n),
        "region": rng.choice(["north", "south", "east"], n),  # never missing in training
        "purpose": pd.Series(rng.choice(["car", "home", None], n), dtype=object)})


@pytest.fixture(scope="module")
def preprocessor(train: pd.DataFrame) -> TabularPreprocessor:
    return TabularPreprocessor().fit(train, infer_schema(train))


RULES = ScoringRules(missing_shares={"income": 0.1}, scale={"income": (20_000.0, 70_000.0),
                                                            "returns": (-1.3, 1.3)})


@pytest.mark.parametrize("blank", ["", " ", "  \t"])
def test_blank_category_text_scores_as_missing_when_scoring(train, preprocessor, blank):
    """Empty or spaces-only text is a missing value, as an empty CSV cell or None is."""
    rows = train.head(2).assign(purpose=[blank, None])
    _, x_cat, report = preprocessor.transform(rows, RULES)
    column = preprocessor.categorical_feature_names.index("purpose")
    assert x_cat[0, column] == x_cat[1, column] != 0
    assert report.unseen_categories == {} and report.missing_categories == {}


def test_the_training_path_reads_blank_text_as_it_always_did(train, preprocessor):
    """Without scoring rules (training), blank text keeps being a value of its own: the
    tensors a model is trained on do not change."""
    _, x_cat, report = preprocessor.transform(train.head(2).assign(purpose=[" ", None]))
    column = preprocessor.categorical_feature_names.index("purpose")
    assert x_cat[0, column] == 0 and x_cat[1, column] != 0
    assert report.unseen_categories == {"purpose": 1}


def test_blank_text_training_learned_as_a_level_keeps_that_level():
    """A DataFrame trained with "" as a frequent value learned "" as a level: scoring keeps
    it, as training read it."""
    frame = pd.DataFrame({"grade": ["a", "", "b"] * 10,
                          "x": np.random.default_rng(1).normal(size=30)})
    pre = TabularPreprocessor().fit(frame, infer_schema(frame))
    _, trained, _ = pre.transform(frame.head(3))
    _, scored, report = pre.transform(frame.head(3), ScoringRules())
    np.testing.assert_array_equal(scored, trained)
    assert scored[1, 0] != 0 and not report.missing_categories


def test_missing_values_where_training_had_none_are_not_called_unseen(train, preprocessor):
    """A missing region (none in training) and a new region are counted apart, and the
    message says which is which."""
    rows = train.head(3).assign(region=["west", None, "north"])
    _, _, report = preprocessor.transform(rows, RULES)
    assert report.unseen_categories == {"region": 1}
    assert report.missing_categories == {"region": 1}
    message = report.category_message()
    assert "never seen in training: 'region' 1" in message
    assert "missing, in column(s) with no missing values in training: 'region' 1" in message


@pytest.mark.parametrize("column", ["income", "region", "purpose"])
def test_a_column_without_any_value_in_a_batch_is_named(train, preprocessor, column):
    """A batch of 20 rows with no value in a column is named; 19 rows are not (a record or
    a handful with a gap is normal)."""
    rows = train.iloc[30:30 + EMPTY_MIN_ROWS].copy()
    rows[column] = None
    _, _, report = preprocessor.transform(rows, RULES)
    assert report.empty_columns == [column]
    assert f"'{column}' have no value in any of the 20 rows" in report.empty_message()
    _, _, fewer = preprocessor.transform(rows.iloc[1:], RULES)
    assert fewer.empty_columns == []


def test_a_column_mostly_missing_in_training_needs_a_bigger_empty_batch():
    """90% missing in training: 20 empty rows are not surprising, 70 are."""
    assert empty_is_suspicious(20, 0.0) and not empty_is_suspicious(19, 0.0)
    assert not empty_is_suspicious(20, 0.9) and empty_is_suspicious(70, 0.9)


def test_without_scoring_rules_no_column_is_called_empty(train, preprocessor):
    """Training reads (no rules) never name empty columns."""
    _, _, report = preprocessor.transform(train.head(EMPTY_MIN_ROWS).assign(income=np.nan))
    assert report.empty_columns == []


def test_a_numeric_column_a_thousand_times_off_its_training_scale_is_named(train, preprocessor):
    """Incomes read as 64.001 instead of 64,001 are named; the same rows in the training
    unit, and a column centred on 0, are not."""
    rows = train.iloc[30:90]
    _, _, report = preprocessor.transform(rows.assign(income=rows["income"] / 1000), RULES)
    assert list(report.off_scale) == ["income"]
    message = report.off_scale_message(RULES.scale)
    assert "'income' about 1,000x smaller" in message and "decimal comma" in message
    _, _, plain = preprocessor.transform(rows.assign(returns=rows["returns"] * 1000), RULES)
    assert plain.off_scale == {}


def test_a_column_hundreds_of_powers_of_ten_off_is_said_as_a_power(train, preprocessor):
    """A value of 1e300 (a 301-digit multiplier when written out) reads as 10^Nx."""
    rows = train.iloc[30:90]
    _, _, report = preprocessor.transform(rows.assign(income=rows["income"] * 1e300), RULES)
    message = report.off_scale_message(RULES.scale)
    assert "'income' about 10^300x larger" in message and len(message) < 400


def test_few_values_are_not_enough_to_call_a_column_off_scale(train, preprocessor):
    """A handful of odd values is an outlier, not a unit; 20 are needed."""
    rows = train.iloc[30:49]
    _, _, report = preprocessor.transform(rows.assign(income=rows["income"] / 1000), RULES)
    assert report.off_scale == {}


def test_chunk_reports_fold_into_one():
    """Streamed scoring sums its chunks' reports: counts added, first example kept, each
    empty column named once."""
    from findeep.features.tabular import TransformReport

    total = TransformReport()
    total.add(TransformReport(unseen_categories={"purpose": 2}, unreadable_numbers={"income": 1},
                              unreadable_examples={"income": "n/a"}, empty_columns=["age"],
                              off_scale={"income": 64.0}, rows=50))
    total.add(TransformReport(unseen_categories={"purpose": 3, "home": 1},
                              missing_categories={"home": 4}, unreadable_numbers={"income": 2},
                              unreadable_examples={"income": "?"}, empty_columns=["age", "dti"],
                              off_scale={"income": 70.0}, rows=30))
    assert total.unseen_categories == {"purpose": 5, "home": 1}
    assert total.missing_categories == {"home": 4}
    assert total.unreadable_numbers == {"income": 3}
    assert total.unreadable_examples == {"income": "n/a"}
    assert total.empty_columns == ["age", "dti"] and total.off_scale == {"income": 64.0}
    assert total.rows == 80


def test_the_unreadable_values_message_says_numbers_or_dates_by_column_kind() -> None:
    """A numeric column's bad value is 'not a number', a date column's 'not a date': the
    sentence said 'in a date column: not dates' about every column."""
    import pandas as pd

    from findeep.data.schema import infer_schema
    from findeep.features.tabular import TabularPreprocessor

    train = pd.DataFrame({"age": [20 + (i * 7) % 23 for i in range(40)],
                          "applied": pd.date_range("2021-01-01", periods=40).astype(str)})
    prep = TabularPreprocessor().fit(train, infer_schema(train, warn=False))
    rows = train.head(4).astype(object)
    rows.loc[0, "age"], rows.loc[1, "applied"] = "4O", "soon"
    _, _, report = prep.transform(rows)
    message = report.unreadable_message()
    assert message.startswith("values that are not numbers in column(s): 'age' 1 (e.g. '4O') "
                              "and values that are not dates in column(s): 'applied' 1 "
                              "(e.g. 'soon')")
    assert "in a date column" not in message
