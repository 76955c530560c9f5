"""The drift profile's readers: dates in the trained order, never-seen categories apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.data.profile import (
    MAX_LEVELS,
    as_numbers,
    build_profile,
    category_shares,
    category_text,
    level_shares,
)
from findeep.data.schema import infer_schema


def _days_since_1970(texts: list[str]) -> list[float]:
    return (pd.to_datetime(pd.Series(texts), format="%Y-%m-%d") - pd.Timestamp("1970-01-01")
            ).dt.days.astype(float).tolist()


def test_text_dates_are_read_in_the_given_order_and_no_other():
    """With ``day_first``, 05/08/2021 is the 5th of August and 08/15/2021 (no date day
    first) is missing, whatever the batch's own values would suggest."""
    numbers = as_numbers(pd.Series(["05/08/2021", "08/15/2021"]), "datetime", day_first=True)
    assert numbers[0] == _days_since_1970(["2021-08-05"])[0]
    assert np.isnan(numbers[1])


def test_the_profile_reads_dates_as_the_schema_recorded():
    """Profiled rows whose days are all 12 or less are still read day first when the
    training table told that order (the fit rows alone cannot tell it)."""
    full = pd.DataFrame({"app_date": ["25/01/2021", "02/03/2021", "11/04/2021", "05/06/2021"]})
    schema = infer_schema(full)
    assert schema.day_first == {"app_date": True}
    fit_rows = full.iloc[1:]
    profile = build_profile(fit_rows, schema, score=None, low_risk=None)
    days = _days_since_1970(["2021-03-02", "2021-04-11", "2021-06-05"])
    summary = profile["columns"]["app_date"]["reference"]["quantiles"]
    assert summary[0] == days[0] and summary[-1] == days[-1]


def test_the_profile_pools_the_rarer_levels_in_one_share():
    """Levels beyond the commonest ``MAX_LEVELS`` share one bin, ``other``; they are not named
    again (the preprocessor's levels name them, and drift reads those)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"branch": [f"B{i:02d}" for i in rng.integers(0, 2 * MAX_LEVELS, 3000)]})
    column = build_profile(frame, infer_schema(frame), score=None,
                           low_risk=None)["columns"]["branch"]
    assert len(column["levels"]) == MAX_LEVELS
    assert "other_levels" not in column
    outside = ~frame["branch"].isin(column["levels"])
    assert column["other"] == pytest.approx(outside.mean())
    assert sum(column["shares"]) + column["other"] + column["missing"] == pytest.approx(1.0)


def test_never_seen_values_have_a_share_apart_from_the_pooled_levels():
    """Shares: each listed level, the pooled training levels, values never seen, missing;
    without the pooled levels' names the last two kinds of value share one bin."""
    values = pd.Series(["a", "a", "rare", "new", None])
    assert level_shares(category_text(values), ["a"], other_levels=["rare"]).tolist() == [
        0.4, 0.2, 0.2, 0.2]
    assert category_shares(values, ["a"]).tolist() == [0.4, 0.4, 0.2]
