"""A date column is read one way for all its rows, as its author wrote it."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from findeep.data.schema import (
    FindeepWarning,
    Schema,
    infer_column_kind,
    infer_schema,
    parse_datetimes,
)
from findeep.errors import DataError


def _days(values: list) -> list[str]:
    return [str(stamp.date()) for stamp in parse_datetimes(pd.Series(values))]


def test_one_day_over_twelve_makes_the_whole_column_day_first() -> None:
    """'02/01/2019' beside '13/01/2019' is the 2nd of January, not the 1st of February;
    ISO and named dates in the same column keep their meaning."""
    assert _days(["02/01/2019", "13/01/2019", "2019-01-05", "Jan 07, 2019"]) == [
        "2019-01-02", "2019-01-13", "2019-01-05", "2019-01-07"]
    assert _days(["06/05/2019", "06/25/2019"]) == ["2019-06-05", "2019-06-25"]


def test_dotted_and_monthly_dates_are_day_first() -> None:
    assert _days(["01.02.2021", "12.03.2021"]) == ["2021-02-01", "2021-03-12"]
    assert _days(["01/01/2023", "01/02/2023", "01/12/2023"]) == [
        "2023-01-01", "2023-02-01", "2023-12-01"]


def test_undecidable_dates_are_read_month_first_with_a_warning() -> None:
    with pytest.warns(FindeepWarning, match="could be day first or month first"):
        assert _days(["06/05/2019", "07/04/2019"]) == ["2019-06-05", "2019-07-04"]


def test_a_column_mixing_both_orders_is_refused() -> None:
    with pytest.raises(DataError, match="mix day-first and month-first"):
        parse_datetimes(pd.Series(["25/06/2021", "06/25/2021"]))


def test_a_table_whose_date_column_mixes_both_orders_is_refused_not_read_as_categories(
        tmp_path) -> None:
    """As the README says: not silently trained on as a column of categories."""
    from tests.cli_helpers import assert_one_line_error, run

    frame = pd.DataFrame({"opened": ["25/06/2021", "06/25/2021", "03/02/2021"] * 20,
                          "income": range(60), "y": [0, 1] * 30})
    with pytest.raises(DataError, match="column 'opened': the dates mix day-first"):
        infer_schema(frame.drop(columns="y"))
    frame.to_csv(tmp_path / "loans.csv", index=False)
    result = run("train", str(tmp_path / "loans.csv"), "--target", "y",
                 "--out", str(tmp_path / "model"))
    assert_one_line_error(result, "column 'opened': the dates mix day-first")
    assert not (tmp_path / "model").exists()


def test_dates_written_as_numbers_are_dates_not_nanoseconds() -> None:
    assert _days([20190225, 20190226]) == ["2019-02-25", "2019-02-26"]
    assert _days([202301, 202312]) == ["2023-01-01", "2023-12-01"]
    assert _days([1_600_000_000]) == ["2020-09-13"]
    assert parse_datetimes(pd.Series([7, 8])).isna().all()  # not a date at all


def test_day_month_dates_are_a_datetime_column_not_a_categorical() -> None:
    days = pd.date_range("2020-01-01", periods=60, freq="3D")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 15/01/2020 and later tell the order: no warning
        assert infer_column_kind("applied", pd.Series(days.strftime("%d/%m/%Y"))) == "datetime"
    assert infer_column_kind("applied", pd.Series(days.strftime("%b %d, %Y"))) == "datetime"


def test_a_value_that_is_no_date_either_way_round_reads_as_missing_not_as_mixed_orders():
    assert parse_datetimes(pd.Series(["31/31/2021", "25/06/2021"])).isna().tolist() == [
        True, False]


def test_a_recorded_day_first_order_reads_an_ambiguous_batch_that_way_without_a_guess():
    """A batch whose days are all 12 or less reads in the order training recorded, with no
    'could be day first or month first' warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stamps = parse_datetimes(pd.Series(["06/05/2021", "07/04/2021", "2021-03-02"]),
                                 day_first=True)
    assert [str(s.date()) for s in stamps] == ["2021-05-06", "2021-04-07", "2021-03-02"]


@pytest.mark.parametrize(("day_first", "impossible"), [(True, "06/25/2021"),
                                                        (False, "25/06/2021")])
def test_a_date_impossible_in_the_recorded_order_is_missing_not_read_the_other_way(
        day_first, impossible):
    """'06/25/2021' for a day-first model is no date: missing (then reported), never the
    25th of June."""
    stamps = parse_datetimes(pd.Series([impossible, "01/02/2021"]), day_first=day_first)
    assert stamps.isna().tolist() == [True, False]


def test_the_schema_keeps_the_order_training_values_told_and_only_that():
    """dd/mm/yyyy with a day over 12 is kept as day first; ISO and undecidable dates keep no
    order; a schema written without the field (an older bundle) still loads."""
    frame = pd.DataFrame({"dmy": ["25/06/2021", "06/05/2021"] * 6,
                          "mdy": ["06/25/2021", "05/06/2021"] * 6,
                          "iso": ["2021-06-25", "2021-05-06"] * 6,
                          "unsure": ["06/05/2021", "07/04/2021"] * 6,
                          "x": range(12)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = infer_schema(frame)
    assert schema.day_first == {"dmy": True, "mdy": False}
    assert Schema.from_dict(schema.to_dict()) == schema
    old = {"columns": [{"name": "dmy", "kind": "datetime", "dtype": "str"}]}
    assert Schema.from_dict(old).day_first == {}


@pytest.mark.parametrize("day_first", [None, True, False])
def test_dates_beyond_the_nanosecond_range_read_on_every_path(day_first) -> None:
    """9999-12-31 (an open end) and 1500-01-01 next to a day-first date read as those days
    (pandas keeps microseconds), never an OutOfBoundsDatetime traceback."""
    values = pd.Series(["9999-12-31", "01/01/1500", "25/06/2021"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = parse_datetimes(values, day_first=day_first)
    assert read.iloc[0] == pd.Timestamp("9999-12-31")
    assert read.iloc[1] == pd.Timestamp("1500-01-01")
    if day_first is False:  # no date month first: missing, never read the other way
        assert pd.isna(read.iloc[2])
    else:
        assert read.iloc[2] == pd.Timestamp("2021-06-25")


def test_compact_year_first_dates_are_never_read_day_first() -> None:
    """20180305 is the 5th of March in a day-first column as anywhere (YYYYMMDD has one
    reading): only day/month dates take the column's order."""
    values = pd.Series(["20180305", "20180305T120000", "05/03/2018"])
    read = parse_datetimes(values, day_first=True)
    assert read.tolist() == [pd.Timestamp("2018-03-05"), pd.Timestamp("2018-03-05 12:00"),
                             pd.Timestamp("2018-03-05")]
