"""The option columns every pricing command reads: one reading of the ``type`` column."""

from __future__ import annotations

import pandas as pd
import pytest

from findeep.errors import DataError
from findeep.pricing.box import option_types


def test_option_types_ignore_case_and_spaces_around_the_value():
    """'Put ', ' p' and 'PUT' are puts, ' Call' and 'c' calls; no column means all calls."""
    frame = pd.DataFrame({"type": ["Put ", " p", "PUT", " Call", "c"]})
    assert option_types(frame).tolist() == [True, True, True, False, False]
    assert option_types(frame.drop(columns="type")).tolist() == [False] * 5


@pytest.mark.parametrize(("values", "fragment"), [
    (["call", "straddle", "put"], "'straddle'"),
    (["call", None, "put"], "1 empty cell"),
    (["call", "  ", "put"], "1 empty cell"),
])
def test_an_unknown_or_empty_type_is_refused_naming_it(values, fragment):
    """Neither a typo nor a blank is quietly taken for a call."""
    with pytest.raises(DataError, match=fragment) as raised:
        option_types(pd.DataFrame({"type": values}), what="the surface")
    assert "first at row 2)" in str(raised.value)  # 1-based: the second data row
