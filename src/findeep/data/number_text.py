"""Numbers written as text: "€62,200.00", "36.5%", "(1,200)", "USD 950", " 7 ".

Spreadsheets and exports write amounts with currency signs, thousands separators and percent
signs, and Parquet keeps whatever text a pipeline wrote. Read as text, such a column would be
a categorical of hundreds of levels (each amount its own category, most of them "rare"):
the network would lose its order, reason codes would name a level instead of a value, and a
scoring file holding plain numbers would be all "unknown". Read here, it is the number the
text means, the same way at training and at scoring time, from CSV and Parquet alike:

- surrounding spaces, a currency sign (``$ € £ ¥ ₹ ₩ ₽ ₺ ₪ ₦ ₫ ₱ CHF`` or a three-letter code
  such as ``USD``) before or after the number are dropped;
- a comma between groups of three digits is a thousands separator ("1,234,567.8"); any other
  comma makes the value unreadable (decimal commas are the file reader's job);
- a trailing ``%`` divides by 100 ("36.5%" is 0.365, as a spreadsheet stores it);
- parentheses mean a negative amount, as in accounts ("(1,200)" is -1200), the currency
  sign inside or before them as a spreadsheet's Accounting format writes it (" $(284.12)"),
  and that format's zero, a dash beside the sign (" $-   "), is 0;
- pandas' missing-value words ("", "NA", "n/a", "NULL", "None", "nan", "#N/A", "-"), the "?"
  of the UCI repository's tables, and a spreadsheet's error values ("#DIV/0!", "#VALUE!",
  "#REF!", "#NUM!", "#NAME?", …) are missing values.

A text column is read as numbers only when *every* value that is present parses
(``looks_numeric``): "A1" or "3+" among them keeps it categorical. At scoring time a
numeric column's unreadable values become missing and are counted (``to_numbers``), so the
caller can say so instead of silently imputing the median.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import DataError

# pandas' default missing-value strings (read_csv's na_values), lower-cased, a lone dash, the
# "?" of the UCI repository's tables, and the error values a spreadsheet writes into a cell
# whose formula failed ("#DIV/0!")
EXCEL_ERRORS = frozenset({
    "#div/0!", "#value!", "#ref!", "#num!", "#name?", "#null!", "#calc!", "#spill!",
    "#getting_data", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!",
})
MISSING_WORDS = frozenset({
    "", "#n/a", "#n/a n/a", "#na", "-1.#ind", "-1.#qnan", "-nan", "1.#ind", "1.#qnan",
    "<na>", "n/a", "na", "null", "nan", "none", "-", "--", "?",
}) | EXCEL_ERRORS
_CODES = ("USD|EUR|GBP|JPY|CHF|CNY|INR|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|KRW|"
          "RUB|TRY|SGD|HKD")
_CURRENCY = rf"(?:[$€£¥₹₩₽₺₪₦₫₱]|(?:{_CODES})(?=[\s\d.+-]|$))"
_NUMBER_TEXT = re.compile(
    rf"^(?:{_CURRENCY}\s*(?=\())?(?P<open>\()?\s*(?P<sign1>[+-])?\s*{_CURRENCY}?\s*(?P<sign2>[+-])?\s*"
    r"(?P<number>(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    rf"\s*{_CURRENCY}?\s*(?P<percent>%)?\s*(?P<close>\))?$")


# a spreadsheet's Accounting format writes zero as a dash beside the currency sign (" $-   ")
_ACCOUNTING_ZERO = re.compile(rf"^{_CURRENCY}\s*-\s*$|^-\s*{_CURRENCY}$")


def parse_number(text: str) -> float | None:
    """The number ``text`` means, or None when it is not a number (see the module doc)."""
    stripped = text.strip()
    if stripped.lower() in MISSING_WORDS:
        return float("nan")
    if _ACCOUNTING_ZERO.match(stripped):
        return 0.0
    match = _NUMBER_TEXT.match(stripped)
    if match is None or bool(match["open"]) != bool(match["close"]):
        return None
    if match["sign1"] and match["sign2"]:
        return None
    value = float(match["number"].replace(",", ""))
    if match["percent"]:
        value /= 100.0
    if match["open"] or "-" in (match["sign1"] or "") + (match["sign2"] or ""):
        value = -value
    return value


def _as_float(value: Any) -> float:
    """A number as a float; an integer too large for one (400 digits) is infinite, which the
    checks downstream name in one sentence (``float`` raises OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _parse_distinct(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each distinct non-null value's number (NaN for missing words) and whether it parsed."""
    distinct = pd.unique(values.dropna())
    parsed = [parse_number(str(v)) if not isinstance(v, (int, float, np.number))
              or isinstance(v, bool) else _as_float(v) for v in distinct]
    numbers = pd.Series([np.nan if p is None else p for p in parsed], index=distinct,
                        dtype=float)
    readable = pd.Series([p is not None for p in parsed], index=distinct, dtype=bool)
    return numbers, readable


def looks_numeric(values: pd.Series) -> bool:
    """A text (or mixed) column whose every present value is a number as text, and at least
    one value is not a missing word: read it as numbers."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_datetime64_any_dtype(values):
        return False
    sample = values.dropna()
    if sample.empty or sample.map(lambda v: isinstance(v, bool)).any():
        return False
    if not _parse_distinct(sample.head(1_000))[1].all():  # most text columns fail early
        return False
    numbers, readable = _parse_distinct(sample)
    return bool(readable.all() and numbers.notna().any())


def to_numbers(values: pd.Series) -> tuple[np.ndarray, int, str | None]:
    """``values`` as float64, with how many present values were not numbers (now missing)
    and the first of them, for a message. Numeric columns pass straight through; durations
    (timedelta) are refused in one sentence, as training refuses them."""
    if pd.api.types.is_timedelta64_dtype(values):
        raise DataError(f"column '{values.name}' holds durations ({values.dtype}), where the "
                        "model reads a number: convert it as training's data was converted, "
                        "e.g. to days with .dt.total_seconds() / 86400.")
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan), 0, None
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan), 0, None
    try:
        fast = pd.to_numeric(values, errors="coerce")
    except OverflowError:  # a whole number past float64 ("1" and 400 zeros): read one by one
        fast = pd.Series(np.nan, index=values.index, dtype=float)
    left = fast.isna() & values.notna()
    if not left.any():
        return fast.to_numpy(dtype=float, na_value=np.nan), 0, None
    numbers, readable = _parse_distinct(values[left])
    rest = values[left]
    result = fast.to_numpy(dtype=float, na_value=np.nan, copy=True)
    result[left.to_numpy()] = rest.map(numbers).to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(result).any():  # text only reaches infinity past float64's range
        huge = str(values[np.isinf(result)].iloc[0]).strip()
        raise DataError(f"column '{values.name}' holds a number beyond what a float can hold "
                        f"({huge[:12]}…, {len(huge)} characters); replace it with a number or "
                        "leave it empty (missing).")
    bad = rest[~rest.map(readable).to_numpy(dtype=bool)]
    return result, int(bad.size), (str(bad.iloc[0]) if bad.size else None)


def numbers_of(values: pd.Series) -> np.ndarray:
    """``values`` as float64: numbers as text read as numbers, anything else missing."""
    return to_numbers(values)[0]
