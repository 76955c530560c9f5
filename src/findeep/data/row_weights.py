"""``--weight-column``: a column of row weights for the training loss, not a feature.

One set of rules for the in-memory and the streamed trainer: the column must be there, must
not be the target or the clock of the split, and every value must be a number, 0 or more
(numbers written as text, "1,200", read as the numbers they mean)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from findeep.data.number_text import numbers_of
from findeep.errors import ConfigError, DataError, did_you_mean


def check_weight_column(column: str, columns: Iterable[str], target: str,
                        time_column: str | None) -> None:
    """Refuse a weight column the data lacks, or one that is the target or the time column."""
    names = [str(c) for c in columns]
    if column not in names:
        raise DataError(f"weight column '{column}' is not in the data."
                        + did_you_mean(column, names))
    if column in (target, time_column):
        raise ConfigError(f"--weight-column '{column}' is also the "
                          f"{'target' if column == target else 'time column'}; name another.")


def weight_numbers(values: pd.Series) -> tuple[np.ndarray, int]:
    """The weights as float64 and how many values are no weight (missing, not a number,
    negative)."""
    weights = numbers_of(values)
    return weights, int((~np.isfinite(weights)).sum() + (weights < 0).sum())


def no_weight_error(column: str, bad: int) -> DataError:
    return DataError(f"weight column '{column}' has {bad:,} missing, non-numeric or negative "
                     "value(s); a row weight is a number, 0 or more.")


def weight_values(values: pd.Series, column: str) -> np.ndarray:
    """The weights as float64, or one sentence counting the values that are no weight."""
    weights, bad = weight_numbers(values)
    if bad:
        raise no_weight_error(column, bad)
    return weights
