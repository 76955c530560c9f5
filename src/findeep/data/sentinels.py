"""Special values: codes stored in a numeric column that are not amounts (98 = "refused",
-999 = "not asked", 99999999 = "unknown"), parsed, checked and — for the usual patterns —
suggested. Suggestions are advice: nothing here is applied unless the user names the code.

Patterns flagged (each needs at least ``MIN_ROWS`` rows and 0.1% of the column):

- a classic sentinel: -1, -99 … -99999 in a column whose other values are all >= 0, or
  99 … 99999999, 96-98, 996-998 at least twice the largest other value (so -1 in a column
  of signed returns, or 99 in an age column reaching 95, is never flagged);
- a small-count column (every other value 0-40, integers) holding 95-99;
- a spike: one value that is at least 1% of the column and lies beyond the others by more
  than their whole range (a "tight range with one far-away, frequent value").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from findeep.data.number_text import numbers_of
from findeep.data.schema import FindeepWarning, Schema
from findeep.errors import ConfigError, did_you_mean

SENTINELS = (-1.0, -99.0, -999.0, -9999.0, -99999.0, 99.0, 999.0, 9999.0,
             99999.0, 999999.0, 9999999.0, 99999999.0, 96.0, 97.0, 98.0, 996.0, 997.0,
             998.0)
SMALL_COUNT_CODES = (95.0, 96.0, 97.0, 98.0, 99.0)
SMALL_COUNT_MAX = 40.0
MIN_ROWS = 5
MIN_SHARE = 0.001
SPIKE_SHARE = 0.01


@dataclass(frozen=True)
class Suggestion:
    """One column's likely special codes, with how many rows hold each and why."""

    column: str
    codes: tuple[float, ...]
    counts: tuple[int, ...]
    reason: str

    @property
    def option(self) -> str:
        return f"{self.column}:{','.join(format_code(c) for c in self.codes)}"

    def advice(self) -> str:
        held = ", ".join(f"{format_code(c)} ({n:,} rows)"
                         for c, n in zip(self.codes, self.counts, strict=True))
        return (f"'{self.column}' looks like it holds special codes: {held} — {self.reason}. "
                f"If they are codes, not amounts, pass --special-values \"{self.option}\".")


def format_code(code: float) -> str:
    return str(int(code)) if float(code).is_integer() else repr(float(code))


def parse_special_values(text: str) -> dict[str, list[float]]:
    """``"NumberOfTimes90DaysLate:96,98;income:-1"`` as ``{"NumberOfTimes90DaysLate": [96.0,
    98.0], "income": [-1.0]}``."""
    result: dict[str, list[float]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, codes = part.partition(":")
        try:
            values = [float(c) for c in codes.split(",") if c.strip()]
        except ValueError:
            values = []
        if not name.strip() or not values or not all(np.isfinite(values)):
            raise ConfigError("special values read COLUMN:CODE,CODE separated by ';' (e.g. "
                              f"'late_payments:96,98;income:-1'), however: {part!r}")
        result[name.strip()] = values
    if not result:
        raise ConfigError("name at least one column and its codes, e.g. 'income:-1'.")
    return result


def check_special_values(special_values: dict[str, list[float]] | str | None,
                         frame: pd.DataFrame | None, schema: Schema) -> dict[str, list[float]]:
    """The codes as floats, each column checked (unknown -> did-you-mean, non-numeric ->
    refused); a code that never occurs in ``frame`` is warned about with its count
    (``frame`` None: the caller counts them as the rows stream past, ``warn_absent_codes``)."""
    if not special_values:
        return {}
    if isinstance(special_values, str):
        special_values = parse_special_values(special_values)
    kinds = {c.name: c.kind for c in schema.columns}
    checked: dict[str, list[float]] = {}
    for column, codes in special_values.items():
        if column not in kinds:
            raise ConfigError(f"cannot give special values to '{column}': it is not a column "
                              "of the data." + did_you_mean(str(column), list(kinds)))
        if kinds[column] != "numeric":
            raise ConfigError(f"special values apply to numeric columns; '{column}' is "
                              f"{kinds[column]} (its values are tokens already).")
        try:
            values = sorted({float(c) for c in np.atleast_1d(codes)})
        except (TypeError, ValueError):
            raise ConfigError(f"special values of '{column}' must be numbers, however: "
                              f"{codes!r}") from None
        checked[column] = values
    if frame is None:
        return checked
    counts = {}  # every error above comes before any warning
    for column, values in checked.items():
        numbers = numbers_of(frame[column])
        counts[column] = {code: int((numbers == code).sum()) for code in values}
    warn_absent_codes(counts, len(frame), stacklevel=4)
    return checked


def warn_absent_codes(counts: dict[str, dict[float, int]], rows: int, *,
                      stacklevel: int = 2) -> None:
    """Warn of each special value that occurs in none of the ``rows`` training rows."""
    for column, by_code in counts.items():
        for code, count in by_code.items():
            if count == 0:
                warnings.warn(f"special value {format_code(code)} of '{column}' never occurs in "
                              f"the {rows:,} training rows (count 0); check the code.",
                              FindeepWarning, stacklevel=stacklevel)


def suggest_special_values(frame: pd.DataFrame, schema: Schema) -> list[Suggestion]:
    """Numeric columns that look like they hold special codes (see the module docstring)."""
    suggestions = []
    for column in schema.names_of("numeric"):
        numbers = numbers_of(frame[column])
        numbers = numbers[np.isfinite(numbers)]
        if numbers.size < 2 * MIN_ROWS:
            continue
        suggestion = _column_suggestion(column, numbers)
        if suggestion is not None:
            suggestions.append(suggestion)
    return suggestions


def _column_suggestion(column: str, numbers: np.ndarray) -> Suggestion | None:
    values, counts = np.unique(numbers, return_counts=True)
    enough = counts >= max(MIN_ROWS, MIN_SHARE * numbers.size)
    integers = bool(np.all(np.mod(values, 1) == 0))

    def outside_others(code: float) -> bool:
        others = values[values != code]
        if others.size == 0:
            return False
        if code < 0:
            return bool(others.min() >= 0)
        return bool(code >= 2 * max(abs(others.max()), abs(others.min())))

    # small-count columns: 95-99 as codes above counts that stay small
    codes = [v for v in SMALL_COUNT_CODES if v in values]
    if integers and codes:
        others = values[~np.isin(values, codes)]
        if others.size and others.min() >= 0 and others.max() <= SMALL_COUNT_MAX:
            picked = [c for c in codes if enough[values == c][0]]
            if picked:
                return _suggestion(column, picked, values, counts,
                                   f"a count column (other values 0-{format_code(others.max())})"
                                   " with values in 95-99")
    picked = [c for c in SENTINELS if c in values and enough[values == c][0]
              and outside_others(c)]
    if picked:
        return _suggestion(column, picked, values, counts,
                           "a usual sentinel, outside the range of every other value")
    # a spike far beyond a tight range
    share = counts / numbers.size
    for code in (values[0], values[-1]):
        others = values[values != code]
        if others.size < 2 or share[values == code][0] < SPIKE_SHARE:
            continue
        spread = others.max() - others.min()
        gap = code - others.max() if code > others.max() else others.min() - code
        if spread > 0 and gap > spread:
            return _suggestion(column, [code], values, counts,
                               f"{share[values == code][0]:.1%} of the rows sit there, "
                               f"further from the rest than the rest's whole range")
    return None


def _suggestion(column: str, codes: list[float], values: np.ndarray, counts: np.ndarray,
                reason: str) -> Suggestion:
    return Suggestion(column, tuple(float(c) for c in codes),
                      tuple(int(counts[values == c][0]) for c in codes), reason)


def split_special(numbers: np.ndarray, codes: list[float]) -> tuple[np.ndarray, list[float]]:
    """``numbers`` with the special codes set to NaN, and each code's share of the rows."""
    is_code = [numbers == code for code in codes]
    masked = numbers.copy()
    for rows in is_code:
        masked[rows] = np.nan
    return masked, [float(rows.mean()) if numbers.size else 0.0 for rows in is_code]
