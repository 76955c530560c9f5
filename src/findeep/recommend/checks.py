"""The rules for the recommend options, in one place, checked before any data is read.

Each ``*_problem`` returns the sentence to show, or None, so a caller can collect every
problem and raise once (``NextProductRecommender._check_params`` does); ``check_counts``
and ``parse_month`` raise ``ConfigError`` themselves. A name reads as the Python parameter
with the CLI option beside it where they differ: ``n_test_months (--test-months)``.

>>> check_counts(k=(7, 1), reasons=(0, 0))
>>> parse_month("2024-06")
np.datetime64('2024-06')
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import ConfigError

_YYYYMM = re.compile(r"^\s*(\d{4})(\d{2})\s*$")  # 202406: how month columns are often written


def count_problem(name: str, value: object, minimum: int = 1) -> str | None:
    """What is wrong with ``value`` as a whole number >= ``minimum``, or None."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        rule = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        return f"{name} must be {rule}, however: {value!r}"
    return None


def rate_problem(name: str, value: object) -> str | None:
    """What is wrong with ``value`` as a positive, finite number, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not 0 < float(value) < math.inf:
        return f"{name} must be a positive, finite number, however: {value!r}"
    return None


def check_counts(**rules: tuple[object, int]) -> None:
    """``name=(value, minimum)`` for each whole-number option; every problem in one error."""
    problems = [p for name, (value, minimum) in rules.items()
                if (p := count_problem(name, value, minimum))]
    if problems:
        raise ConfigError("; ".join(problems) + ".")


def parse_month(value: Any, name: str = "as_of (--as-of)") -> np.datetime64:
    """``value`` ('2024-06', '2024-06-30', '202406', a date) as a ``datetime64[M]``."""
    text = str(value).strip() if isinstance(value, str | int) else None
    if text is not None and (match := _YYYYMM.match(text)):
        text = f"{match[1]}-{match[2]}"
    try:
        stamp = pd.Timestamp(text if text is not None else value)
    except (ValueError, TypeError, OverflowError):
        stamp = pd.NaT
    if isinstance(value, bool) or value is None or pd.isna(stamp):
        raise ConfigError(f"{name} must be a month such as '2024-06' (or a date in it), "
                          f"however: {value!r}.")
    return np.datetime64(stamp.to_period("M").start_time, "M")


__all__ = ["check_counts", "count_problem", "parse_month", "rate_problem"]
