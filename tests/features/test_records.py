"""RecordEncoder (dicts -> arrays, no pandas) gives exactly what ``transform`` gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from findeep.data.schema import infer_schema
from findeep.features.records import RecordEncoder
from findeep.features.tabular import ScoringRules, TabularPreprocessor
from findeep.testing import make_credit_frame


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as the serving layer hands them over: datetimes, numbers and None for missing."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for row in rows:
        if row["applied_on"] is not None:
            row["applied_on"] = row["applied_on"].to_pydatetime()
    return rows


@pytest.mark.parametrize("scaling", ["quantile", "standard"])
def test_encoding_records_equals_transforming_the_frame(scaling):
    """Numeric, date and categorical features match the pandas path bit for bit."""
    train = make_credit_frame(600, seed=0).drop(columns="default")
    preprocessor = TabularPreprocessor(scaling=scaling).fit(train, infer_schema(train))
    score = make_credit_frame(300, seed=5).drop(columns="default")
    score.loc[:9, "purpose"] = "never_seen"  # unseen level
    score.loc[10:19, "age"] = np.nan  # missing where training had none
    score.loc[20:24, "applied_on"] = pd.NaT
    score.loc[25:29, "income"] = 1e12  # far outside the training range
    x_num, x_cat, report = preprocessor.transform(score)
    got_num, got_cat, got_report = RecordEncoder(preprocessor).encode(_records(score))
    np.testing.assert_array_equal(got_num, x_num)
    np.testing.assert_array_equal(got_cat, x_cat)
    assert got_report.unseen_categories == report.unseen_categories == {"purpose": 10}


def test_integer_and_boolean_categories_map_like_the_batch_path():
    """1, 1.0 and '1' share a level, booleans keep theirs, and rare levels are not 'unseen'."""
    train = pd.DataFrame({"grade": [1, 2, 3] * 20 + [4], "flag": [True, False] * 30 + [True],
                          "amount": np.random.default_rng(0).normal(size=61).round(2)})
    preprocessor = TabularPreprocessor().fit(train, infer_schema(train))
    rows = [{"grade": 1, "flag": True, "amount": 3.0}, {"grade": 1.0, "flag": False, "amount": 4},
            {"grade": "2", "flag": None, "amount": None}, {"grade": 4, "flag": True, "amount": 1},
            {"grade": 9, "flag": True, "amount": 1}]
    x_num, x_cat, report = preprocessor.transform(pd.DataFrame(rows))
    got_num, got_cat, got_report = RecordEncoder(preprocessor).encode(rows)
    np.testing.assert_array_equal(got_cat, x_cat)
    np.testing.assert_array_equal(got_num, x_num)
    assert got_cat[0, 0] == got_cat[1, 0] and got_cat[3, 0] == 0  # 4 is rare: code 0
    assert got_report.unseen_categories == report.unseen_categories == {"grade": 1}
    # flag had no missing value in training: its None is counted as missing, not unseen
    assert got_report.missing_categories == report.missing_categories == {"flag": 1}


def test_aware_times_are_read_in_utc_like_the_batch_path():
    """2021-03-04T23:30-05:00 is 2021-03-05 in UTC: day, weekday and month follow UTC."""
    train = make_credit_frame(300, seed=0).drop(columns="default")
    preprocessor = TabularPreprocessor().fit(train, infer_schema(train))
    row = _records(train.iloc[:1])[0]
    aware = dt.datetime(2021, 3, 4, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    naive_utc = dt.datetime(2021, 3, 5, 4, 30)
    encoder = RecordEncoder(preprocessor)
    np.testing.assert_array_equal(encoder.encode([{**row, "applied_on": aware}])[0],
                                  encoder.encode([{**row, "applied_on": naive_utc}])[0])
    frame = pd.DataFrame([{**row, "applied_on": pd.Timestamp(aware)}])
    np.testing.assert_array_equal(encoder.encode([{**row, "applied_on": aware}])[0],
                                  preprocessor.transform(frame)[0])


def test_text_dates_with_different_utc_offsets_are_dates_read_in_utc():
    """An export on a local clock ('+01:00' in winter, '+02:00' in summer) is a date column,
    read as UTC instants by the batch path exactly as the serving path reads them."""
    train = make_credit_frame(300, seed=0).drop(columns="default")
    stamps = pd.to_datetime(train["applied_on"]).dt.tz_localize("Europe/Berlin")
    train["applied_on"] = stamps.map(lambda t: t.isoformat())  # text, two offsets
    assert {s[-6:] for s in train["applied_on"]} == {"+01:00", "+02:00"}
    schema = infer_schema(train)
    assert dict((c.name, c.kind) for c in schema.columns)["applied_on"] == "datetime"
    preprocessor = TabularPreprocessor().fit(train, schema)
    x_num, _, _ = preprocessor.transform(train)
    rows = train.astype(object).to_dict(orient="records")
    for row in rows:
        row["applied_on"] = dt.datetime.fromisoformat(row["applied_on"])  # as the API parses
    np.testing.assert_array_equal(RecordEncoder(preprocessor).encode(rows)[0], x_num)


def test_blank_category_text_in_a_record_scores_as_missing_like_the_batch_path():
    """"" and "  " in a request are missing values, as null is and as the batch path reads
    them when scoring; the report counts missing values apart from unseen levels and names
    a column with no value in a request of 20 records."""
    train = make_credit_frame(600, seed=0).drop(columns="default")
    preprocessor = TabularPreprocessor().fit(train, infer_schema(train))
    score = make_credit_frame(20, seed=5).drop(columns="default")
    rows = _records(score)
    rows[0]["purpose"], rows[1]["purpose"], rows[2]["purpose"] = "", "  ", None
    rows[3]["purpose"] = "never_seen"
    for row in rows:
        row["income"] = None
    rules = ScoringRules()
    x_num, x_cat, report = preprocessor.transform(pd.DataFrame(rows), rules)
    encoder = RecordEncoder(preprocessor, rules)
    got_num, got_cat, got_report = encoder.encode(rows)
    np.testing.assert_array_equal(got_num, x_num)
    np.testing.assert_array_equal(got_cat, x_cat)
    column = preprocessor.categorical_feature_names.index("purpose")
    assert got_cat[0, column] == got_cat[1, column] == got_cat[2, column]
    assert got_report.unseen_categories == report.unseen_categories == {"purpose": 1}
    assert got_report.missing_categories == report.missing_categories == {"purpose": 3}
    assert got_report.empty_columns == report.empty_columns == ["income"]


def _yes_no_preprocessor() -> TabularPreprocessor:
    """A yes/no column written "True"/"False" (text, as a CSV reader may keep it), a
    grade coded 1-3 and 2**60 (read as float, written '1.152921504606847e+18'), and a
    purpose of five levels one of which is the text "True"."""
    n = 60
    train = pd.DataFrame({
        "guarantor": ["True", "False"] * (n // 2),
        "grade": [1, 2, 3, 2**60] * (n // 4),
        "purpose": ["car", "home", "study", "True", "other"] * (n // 5),
        "amount": np.random.default_rng(0).normal(size=n).round(2),
    })
    return TabularPreprocessor().fit(train, infer_schema(train))


@pytest.mark.parametrize("column,value", [
    # a yes/no column's spellings of its levels, any case; JSON booleans
    ("guarantor", "True"), ("guarantor", "TRUE"), ("guarantor", "true"), ("guarantor", "tRuE"),
    ("guarantor", "FALSE"), ("guarantor", "false"), ("guarantor", True), ("guarantor", False),
    ("guarantor", "1"), ("guarantor", 1), ("guarantor", 0), ("guarantor", 1.0),
    # not spellings of a level: unseen in both paths
    ("guarantor", "yes"), ("guarantor", 2), ("guarantor", " true"),
    # blank text is missing; a number is the text batch scoring writes for it
    ("guarantor", ""), ("guarantor", "   "), ("guarantor", None), ("guarantor", float("nan")),
    ("grade", 1), ("grade", 1.0), ("grade", "1"), ("grade", 2.5), ("grade", True),
    ("grade", 2**60), ("grade", 1e20), ("grade", float("inf")), ("grade", np.int64(3)),
    # five levels: not a yes/no column, so "TRUE" is not its level "True"
    ("purpose", "True"), ("purpose", "TRUE"), ("purpose", "true"), ("purpose", True),
])
def test_a_category_value_encodes_as_batch_scoring_reads_it_alone(column, value):
    """Every category text rule batch scoring applies (yes/no spellings, blank text as
    missing, numbers as text) gives a record the codes and report of its row scored alone."""
    preprocessor = _yes_no_preprocessor()
    row = {"guarantor": "True", "grade": 2, "purpose": "car", "amount": 0.5, column: value}
    rules = ScoringRules()
    x_num, x_cat, report = preprocessor.transform(pd.DataFrame([row]), rules)
    got_num, got_cat, got_report = RecordEncoder(preprocessor, rules).encode([row])
    np.testing.assert_array_equal(got_cat, x_cat)
    np.testing.assert_array_equal(got_num, x_num)
    assert got_report.unseen_categories == report.unseen_categories
    assert got_report.missing_categories == report.missing_categories


def test_each_record_encodes_as_it_would_alone_whatever_its_neighbours():
    """A request's other records (or a merged batch's) never change how one value is read:
    2**60 beside text is the text batch scoring writes for 2**60 alone."""
    preprocessor = _yes_no_preprocessor()
    base = {"guarantor": "TRUE", "grade": 2**60, "purpose": "car", "amount": 0.5}
    encoder = RecordEncoder(preprocessor, ScoringRules())
    alone = encoder.encode([base])[1]
    merged = encoder.encode([base, {**base, "grade": "2", "guarantor": True}])[1]
    np.testing.assert_array_equal(merged[:1], alone)


def test_a_learned_level_1_is_never_read_as_true() -> None:
    """1/0 read as a yes/no column's True/False only where training did not learn '1' or
    '0' as levels of their own."""
    train = pd.DataFrame({"flag": ["True", "1"] * 30, "amount": np.arange(60.0)})
    preprocessor = TabularPreprocessor().fit(train, infer_schema(train))
    codes = preprocessor.transform(pd.DataFrame({"flag": ["1", "True"], "amount": [1.0, 1.0]}))[1]
    assert codes[0, 0] != codes[1, 0] and (codes[:, 0] > 0).all()


@pytest.mark.parametrize("tie_rule", ["continuous", "mid"])
def test_records_scale_repeated_values_as_the_batch_path_under_either_tie_rule(tie_rule):
    """A zero-inflated column and whole-number ages, scored one record at a time, values an
    ulp off the ties included: the same numbers as the batch path, for new bundles
    ("continuous") and bundles written before ("mid")."""
    rng = np.random.default_rng(2)
    n = 800
    train = pd.DataFrame({"age": rng.integers(18, 80, n).astype(float),
                          "debt": np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(7, 1, n))})
    fitted = TabularPreprocessor().fit(train, infer_schema(train))
    state = fitted.to_dict() | {"tie_rule": tie_rule}
    preprocessor = TabularPreprocessor.from_dict(state)
    score = pd.DataFrame({"age": np.r_[30.0, np.nextafter(30.0, 99), 17.5, 81.0],
                          "debt": np.r_[0.0, np.nextafter(0.0, 1), -0.01, 1e6]})
    rows = score.to_dict(orient="records")
    np.testing.assert_array_equal(RecordEncoder(preprocessor).encode(rows)[0],
                                  preprocessor.transform(score)[0])
