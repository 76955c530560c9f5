from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from findeep.data.splits import (
    split_out_of_time,
    split_random,
    split_validation,
    walk_forward_splits,
)
from findeep.errors import ConfigError, DataError
from findeep.testing import make_credit_frame


def test_out_of_time_split_never_trains_on_the_future() -> None:
    """Every training row is dated before every test row."""
    df = make_credit_frame(n=500, seed=0)
    train, test = split_out_of_time(df["applied_on"], test_fraction=0.2)
    assert df["applied_on"].iloc[train].max() < df["applied_on"].iloc[test].min()
    assert len(train) + len(test) == len(df)
    assert 0.15 < len(test) / len(df) < 0.3


def test_stratified_split_keeps_the_event_rate() -> None:
    """Both sides of a stratified split see the same default rate (within one row)."""
    y = np.array([1] * 100 + [0] * 900)
    train, test = split_random(y, test_fraction=0.2, seed=0, stratify=True)
    assert y[test].sum() == 20 and y[train].sum() == 80
    assert set(train).isdisjoint(test)


def test_validation_rows_come_from_training_rows_only() -> None:
    """Early-stopping rows are a subset of the training rows, never test rows."""
    y = np.random.default_rng(0).integers(0, 2, 400)
    train, test = split_random(y, test_fraction=0.25, seed=0, stratify=True)
    fit, valid = split_validation(y, train, fraction=0.2, seed=0, stratify=True)
    assert set(fit) | set(valid) == set(train)
    assert set(valid).isdisjoint(test) and set(fit).isdisjoint(valid)


def test_out_of_time_validation_uses_the_latest_training_rows() -> None:
    """With times, validation rows are later than fit rows."""
    times = pd.Series(pd.date_range("2020-01-01", periods=100))
    fit, valid = split_validation(np.zeros(100), np.arange(80), fraction=0.25, seed=0,
                                  stratify=False, times=times.iloc[:80])
    assert times.iloc[fit].max() < times.iloc[valid].min()


def test_fraction_outside_zero_one_is_rejected() -> None:
    """A test fraction of 1.5 is a config error naming the option."""
    with pytest.raises(ConfigError, match="test_fraction"):
        split_random(np.zeros(10), test_fraction=1.5, seed=0, stratify=False)


def test_out_of_time_split_warns_when_ties_inflate_the_test_side() -> None:
    """Three months of loans, 20% asked: the whole last month is held out, with a warning."""
    from findeep.data.schema import FindeepWarning

    months = ["2018-01-01"] * 30 + ["2018-02-01"] * 30 + ["2018-03-01"] * 40
    times = pd.Series(pd.to_datetime(months))
    with pytest.warns(FindeepWarning, match="holds 40% of rows out, not 20%"):
        train, test = split_out_of_time(times, test_fraction=0.2)
    assert len(test) == 40 and times.iloc[train].max() < times.iloc[test].min()


def test_walk_forward_folds_expand_and_never_train_on_the_future() -> None:
    """Each fold trains only on rows dated before its test block; blocks follow each other
    in time, cover the later rows once each, and tied dates never straddle a cut."""
    rng = np.random.default_rng(0)
    times = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 200, 2_000),
                                                                   "D"))
    folds = walk_forward_splits(times, n_folds=4)
    assert len(folds) == 4
    tested = np.concatenate([test for _, test in folds])
    assert len(np.unique(tested)) == len(tested)  # no row tested twice
    previous_train = 0
    for train, test in folds:
        assert times.iloc[train].max() < times.iloc[test].min()
        assert set(np.flatnonzero(times < times.iloc[test].min())) == set(train)
        assert len(train) > previous_train  # the window expands
        assert 0.15 < len(test) / len(times) < 0.25  # ~1/5 of the rows each
        previous_train = len(train)
    assert times.iloc[folds[-1][1]].max() == times.max()


def test_walk_forward_with_too_few_dates_says_so() -> None:
    """Three distinct dates cannot make four ordered test blocks."""
    times = pd.Series([1, 1, 1, 2, 2, 2, 3, 3, 3])
    with pytest.raises(DataError, match="too few distinct dates"):
        walk_forward_splits(times, n_folds=4)
    with pytest.raises(ConfigError, match="at least 2 folds"):
        walk_forward_splits(times, n_folds=1)


@given(days=st.lists(st.integers(0, 40), min_size=12, max_size=200),
       n_folds=st.integers(2, 6))
@settings(max_examples=200, deadline=None)
def test_walk_forward_invariants_hold_for_any_dates(days: list[int], n_folds: int) -> None:
    """For any dates, heavy ties included: either one clear DataError, or folds in which
    training rows all predate the test block, blocks are disjoint and move forward in time,
    and no date is split between a fold's two sides."""
    times = pd.Series(np.array(days))
    try:
        folds = walk_forward_splits(times, n_folds=n_folds)
    except DataError:
        return
    assert len(folds) == n_folds
    previous_end = None
    for train, test in folds:
        assert len(train) > 0 and len(test) > 0
        assert times.iloc[train].max() < times.iloc[test].min()
        assert set(np.flatnonzero(times < times.iloc[test].min())) == set(train)
        if previous_end is not None:
            assert times.iloc[test].min() > previous_end
        previous_end = times.iloc[test].max()


def test_period_end_and_rows_dated_by_read_dates_and_numbers() -> None:
    """The training period's end is stored as JSON and compared with any later table."""
    from findeep.data.splits import period_end, rows_dated_by

    dates = pd.Series(pd.to_datetime(["2020-01-05", "2020-03-01", "2020-02-10"]))
    assert period_end(dates) == "2020-03-01"
    assert period_end(pd.Series([2019, 2021, 2020])) == 2021.0
    later = pd.DataFrame({"d": ["2020-02-28", "2020-03-01", "2020-03-02", None],
                          "year": [2020, 2021, 2022, 2023]})
    assert rows_dated_by(later, "d", "2020-03-01") == 2  # missing dates are not counted
    assert rows_dated_by(later, "year", 2021.0) == 2
    assert rows_dated_by(later, "absent", 2021.0) is None
    aware = pd.DataFrame({"d": pd.to_datetime(["2020-01-01 00:00", "2020-03-01 01:00"])
                          .tz_localize("Europe/Berlin")})
    assert rows_dated_by(aware, "d", "2020-03-01") == 2  # compared in UTC: 00:00 on 1 March
    assert rows_dated_by(later, "d", "not a date") is None  # not comparable: no verdict


def test_a_time_column_on_a_local_clock_splits_by_the_instant() -> None:
    """Text times whose UTC offset changes with daylight saving still split out-of-time."""
    from findeep.data.splits import period_end, rows_dated_by, time_values

    frame = pd.DataFrame({"t": ["2021-03-27T12:00:00+01:00", "2021-03-29T01:30:00+02:00",
                                "2021-03-28T03:30:00+02:00", "2021-03-28T01:30:00+01:00"]})
    times = time_values(frame, "t")
    assert list(np.argsort(times.to_numpy())) == [0, 3, 2, 1]
    assert period_end(times.iloc[[0, 3]]) == "2021-03-28T00:30:00"  # UTC
    assert rows_dated_by(frame, "t", "2021-03-28T00:30:00") == 2
