"""Infer what each column is, keep it with the model, and enforce it when scoring.

A column is one of:

- ``numeric``     floats and integers with more than a handful of distinct values, and text
                  columns whose every value is a number as text ("€62,200.00", "36.5%":
                  ``data/number_text.py``), read as those numbers at training and scoring;
- ``categorical`` strings, booleans and integers with at most ``MAX_INTEGER_LEVELS`` values;
- ``datetime``    datetime dtypes, or strings that all parse as dates; a text column's day /
                  month order, where its values tell it (``25/06/2021``), is kept with the
                  schema (``ColumnSpec.day_first``) so scoring reads every batch that way;
- ``text``        free text: mostly-unique strings of several words (a headline, a loan's
                  stated purpose); read by the text models, not by the tabular networks;
- ``id``          unique strings or row numbers: excluded, with a warning;
- ``constant``    a single value and no missing ones: dropped, with a warning.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow.types as pa_types

from findeep.data.number_text import MISSING_WORDS, looks_numeric, numbers_of, to_numbers
from findeep.errors import DataError, SchemaError, did_you_mean

ColumnKind = Literal["numeric", "categorical", "datetime", "text", "id", "constant"]
MAX_INTEGER_LEVELS = 5
# free text: at least this share of distinct values, of values with a space, and this many
# words in the median value (category labels such as "car (new)" repeat; sentences do not)
TEXT_MIN_UNIQUE_SHARE, TEXT_MIN_SPACED_SHARE, TEXT_MIN_MEDIAN_WORDS = 0.5, 0.8, 4
# an ISO date, optionally a time, optionally a UTC offset ("Z", "+01:00", "-0500")
_DATE_LIKE = re.compile(
    r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


# 25/06/2021, 06-25-21, 25.06.2021 14:30; and dates with a month's name
_DAY_MONTH_DATE = re.compile(
    r"^\d{1,2}([./-])\d{1,2}\1(\d{4}|\d{2})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_NAMED_DATE = re.compile(
    r"^(\d{1,2} [A-Za-z]{3,9}\.?,? \d{4}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4})$")


class FindeepWarning(UserWarning):
    """A legal but suspicious input or setting; training goes on."""


@dataclass(frozen=True)
class ColumnSpec:
    """What findeep learned about one input column.

    ``day_first`` is set for a date column written as text whose training values told the
    order of day and month (True: 25/06/2021, False: 06/25/2021); None where they did not
    (ISO dates, datetimes, or no value over 12), and in bundles written before it was kept.
    """

    name: str
    kind: ColumnKind
    dtype: str
    day_first: bool | None = None


@dataclass
class Schema:
    """Column kinds of the training table, saved with the model."""

    columns: list[ColumnSpec] = field(default_factory=list)

    @property
    def used(self) -> list[ColumnSpec]:
        """Columns the model reads (not ids, not constants)."""
        return [c for c in self.columns if c.kind in ("numeric", "categorical", "datetime")]

    @property
    def used_names(self) -> list[str]:
        return [c.name for c in self.used]

    def names_of(self, kind: ColumnKind) -> list[str]:
        return [c.name for c in self.columns if c.kind == kind]

    @property
    def day_first(self) -> dict[str, bool]:
        """Each date column's day / month order as training read it, where it was told."""
        return {c.name: c.day_first for c in self.columns
                if c.kind == "datetime" and c.day_first is not None}

    def to_dict(self) -> dict:
        # day_first only where it is known: other columns' entries read as they always did
        return {"columns": [{k: v for k, v in asdict(c).items()
                             if k != "day_first" or v is not None} for c in self.columns]}

    @classmethod
    def from_dict(cls, data: dict) -> Schema:
        return cls([ColumnSpec(**c) for c in data["columns"]])  # older bundles: no day_first

    def check_scoring_frame(self, frame: pd.DataFrame) -> None:
        """Raise ``SchemaError`` naming every trained column absent from ``frame``."""
        if message := missing_columns_message(self.used_names, frame):
            raise SchemaError(message)


def missing_columns_message(required: list[str], frame: pd.DataFrame, *,
                            otherwise: str = "Pass them, or retrain without them.") -> str | None:
    """One sentence naming each of ``required`` absent from ``frame``, or None: a header
    that differs only in spaces or case is the usual cause, so it says which ("'Income' is
    there as 'income': rename it"); else ``otherwise``."""
    missing = [name for name in required if name not in frame.columns]
    if not missing:
        return None
    present = {str(c).strip().lower(): str(c) for c in frame.columns}
    near = [f"{name!r} is there as {present[name.strip().lower()]!r}"
            for name in missing if name.strip().lower() in present]
    return (f"the data to score lacks {len(missing)} column(s) the model was trained with: "
            f"{', '.join(repr(name) for name in missing)}."
            + (f" ({'; '.join(near)}: rename {'it' if len(near) == 1 else 'them'}.)" if near
               else f" ({otherwise})"))


def parse_datetimes(values: pd.Series, *, day_first: bool | None = None) -> pd.Series:
    """A date column as naive UTC datetimes; unreadable values become missing.

    Values carrying UTC offsets (one zone, several, or a local clock across daylight-saving
    changes) are put on UTC, as the serving path does with aware datetimes, so the batch
    and record paths agree and rows order by the instant they mean.

    Dates are read one way for the whole column, never row by row: "25/06/2021" anywhere in
    it makes every "06/05/2021" the 6th of May (day first), "06/25/2021" the 5th of June
    (month first); a column holding both orders is refused; dates with dots ("01.02.2021")
    are day first; where no value is over 12, a field that never changes while the other
    does is the day (monthly data: "01/02/2023", "01/03/2023"), and otherwise the column is
    read month first, with a warning. Whole numbers are dates written as numbers: YYYYMMDD,
    YYYYMM, or seconds / milliseconds since 1970 (never nanoseconds, pandas' default).

    ``day_first`` (scoring: the order training read, ``ColumnSpec.day_first``) reads the
    column in that order whatever its values, without a guess: a batch whose days are all
    12 or less reads as training did, and a value that cannot be a date in that order
    ("06/25/2021" where the day comes first) is missing, never read the other way round.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return _dates_from_numbers(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        return _to_naive_utc(values)
    if isinstance(values.dtype, pd.PeriodDtype):  # a month or a quarter: its first instant
        return values.dt.to_timestamp()
    if day_first is not None:
        stamps = _read_in_order(values, day_first)
        return stamps.mask(_impossible_in_order(values, day_first))
    if not _day_first(values):
        return _to_naive_utc(values)
    return _read_in_order(values, True)


def _read_in_order(values: pd.Series, day_first: bool) -> pd.Series:
    if not day_first:
        return _to_naive_utc(values)
    # day first; but year-first values (ISO "2021-01-05", compact "20210105") must not be
    # read year-day-month
    year_first = values.map(lambda v: isinstance(v, str) and bool(_YEAR_FIRST.match(v)))
    # microseconds, as pandas reads dates: 9999-12-31 (an open end) or 1500-01-01 are no
    # nanosecond timestamps, and are read on this path as on the others
    stamps = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    for rows, dayfirst in ((year_first, False), (~year_first, True)):
        if rows.any():
            stamps[rows] = _to_naive_utc(values[rows], dayfirst=dayfirst)
    return stamps


def _to_naive_utc(values: pd.Series, *, dayfirst: bool = False) -> pd.Series:
    kwargs: dict[str, Any] = {"errors": "coerce", "format": "mixed", "dayfirst": dayfirst}
    try:
        stamps = pd.to_datetime(values, **kwargs)
    except ValueError:  # offsets differ between rows: pandas asks for one zone
        stamps = pd.to_datetime(values, utc=True, **kwargs)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert(None)
    return stamps


# day and month as numbers, either way round, then the year: "25/06/2021", "01.02.21"
_YEAR_FIRST = re.compile(r"^\s*(\d{4}[-/.]|\d{8}(?:[\sT]|$))")
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")


def _impossible_in_order(values: pd.Series, day_first: bool) -> pd.Series:
    """Rows holding a day/month date that is no date in the given order (a month over 12,
    a day over 31): the parser would quietly read them the other way round."""
    distinct = pd.unique(values.dropna())
    impossible = []
    for value in distinct:
        match = _NUMERIC_DATE.match(value) if isinstance(value, str) else None
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(3))
        day, month = (first, second) if day_first else (second, first)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            impossible.append(value)
    return values.isin(impossible) if impossible else pd.Series(False, index=values.index)


def recorded_day_first(values: pd.Series) -> bool | None:
    """The day / month order a text date column's values tell (see ``parse_datetimes``), or
    None where they tell none (ISO dates only, no value over 12 and no other clue, or both
    orders mixed); no warning, no error: this is what the schema keeps for scoring."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return None
    try:
        return _told_order(_numeric_dates(values))
    except DataError:
        return None


def _numeric_dates(values: pd.Series) -> list[re.Match[str]]:
    distinct = pd.unique(values.dropna())
    matches = [m for m in (_NUMERIC_DATE.match(v) for v in distinct if isinstance(v, str)) if m]
    # "31/31/2021" is no date either way round: it tells nothing (and reads as missing)
    return [m for m in matches if min(int(m.group(1)), int(m.group(3))) <= 12]


def _day_first(values: pd.Series) -> bool:
    """Whether the column's numeric dates put the day first (see ``parse_datetimes``)."""
    matches = _numeric_dates(values)
    told = _told_order(matches)
    if told is not None:
        return told
    if not matches:
        return False
    warnings.warn(
        f"dates such as {matches[0].group(0).strip()!r} could be day first or month first "
        "and no value tells which; they were read month first. Write them as YYYY-MM-DD to "
        "be sure.", FindeepWarning, stacklevel=3)
    return False


def _told_order(matches: list[re.Match[str]]) -> bool | None:
    """Day first (True) or month first (False) where the dates tell, else None; refuses a
    column holding both orders."""
    if not matches:
        return None
    first_over = [m.group(0) for m in matches if int(m.group(1)) > 12]
    second_over = [m.group(0) for m in matches if int(m.group(3)) > 12]
    if first_over and second_over:
        raise DataError(
            f"the dates mix day-first and month-first orders ({first_over[0].strip()!r} and "
            f"{second_over[0].strip()!r}); write them one way, best as YYYY-MM-DD.")
    if first_over:
        return True
    if second_over:
        return False
    if all(m.group(2) == "." for m in matches):
        return True  # 01.02.2021: dotted dates are day first wherever they are written
    firsts, seconds = {m.group(1).lstrip("0") for m in matches}, {m.group(3).lstrip("0")
                                                                  for m in matches}
    if len(firsts) == 1 and len(seconds) > 1:
        return True  # 01/01/2023, 01/02/2023, …: monthly data dated on a fixed day
    if len(seconds) == 1 and len(firsts) > 1:
        return False
    return None


def _dates_from_numbers(values: pd.Series) -> pd.Series:
    """YYYYMMDD, YYYYMM, or seconds / milliseconds since 1970; anything else missing."""
    numbers = values.astype(float)
    present = numbers.dropna()
    whole = bool(len(present)) and bool(np.all(np.mod(present, 1) == 0))
    text = numbers.map(lambda v: "" if pd.isna(v) else str(int(v)))
    if whole and present.between(1800_01_01, 2200_12_31).all():
        stamps = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
        if stamps[numbers.notna()].notna().all():
            return stamps
    if whole and present.between(1800_01, 2200_12).all():
        stamps = pd.to_datetime(text, format="%Y%m", errors="coerce")
        if stamps[numbers.notna()].notna().all():
            return stamps
    if present.between(1e8, 4.2e9).all():  # 1973 to 2103 in seconds
        return pd.to_datetime(numbers, unit="s", errors="coerce")
    if present.between(1e11, 4.2e12).all():  # the same span in milliseconds
        return pd.to_datetime(numbers, unit="ms", errors="coerce")
    return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")


def _looks_like_dates(name: str, values: pd.Series) -> bool:
    """Every sampled value is a date written one of the usual ways (ISO, 25/06/2021,
    25.06.2021, "Jun 25, 2021", "25 June 2021") and reads as one; a ``DataError`` naming the
    column when its dates mix day-first and month-first orders (read as categories, they
    would train a model on dates it cannot order)."""
    sample = values.dropna().astype(str)
    # a missing word or a spreadsheet error ("-", "#VALUE!") is a missing date, not a reason
    # to read the column as categories
    sample = sample[~sample.str.strip().str.lower().isin(MISSING_WORDS)].head(200)
    if sample.empty or not sample.map(
            lambda v: any(p.match(v) for p in (_DATE_LIKE, _DAY_MONTH_DATE, _NAMED_DATE))).all():
        return False
    try:
        return bool(parse_datetimes(sample).notna().all())
    except DataError as exc:  # day-first and month-first mixed: not a column to guess at
        raise DataError(f"column '{name}': {exc}") from None


def looks_like_text(values: pd.Series) -> bool:
    """Mostly-unique strings of several words each: free text rather than categories."""
    sample = values.dropna().head(2000).astype(object)  # Arrow strings split into Arrow lists
    if len(sample) < 10 or not sample.map(lambda v: isinstance(v, str)).all():
        return False
    words = sample.str.split().str.len()
    return bool(sample.nunique() >= TEXT_MIN_UNIQUE_SHARE * len(sample)
                and sample.str.contains(" ", regex=False).mean() >= TEXT_MIN_SPACED_SHARE
                and words.median() >= TEXT_MIN_MEDIAN_WORDS)


def refuse_durations(name: str, values: pd.Series) -> None:
    """A column of durations (timedelta) is no number, date or category as it stands: one
    sentence with the conversion, rather than a guess at its unit."""
    arrow = getattr(values.dtype, "pyarrow_dtype", None)
    if pd.api.types.is_timedelta64_dtype(values) or (
            arrow is not None and pa_types.is_duration(arrow)):
        raise DataError(f"column '{name}' holds durations ({values.dtype}); findeep reads "
                        f"numbers, dates and categories: convert it to a number first, e.g. "
                        f"df['{name}'] = df['{name}'].dt.total_seconds() / 86400 (days).")


def infer_column_kind(name: str, values: pd.Series) -> ColumnKind:
    """The kind of one column, from its dtype and values."""
    non_null = values.dropna()
    n_unique = non_null.nunique()
    if n_unique <= 1 and len(non_null) == len(values):
        return "constant"
    if pd.api.types.is_bool_dtype(values):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(values) or isinstance(values.dtype, pd.PeriodDtype):
        return "datetime"
    refuse_durations(name, values)
    if pd.api.types.is_numeric_dtype(values):
        is_integer = pd.api.types.is_integer_dtype(values) or bool(
            np.all(np.mod(non_null.to_numpy(dtype=float), 1) == 0)
        )
        if is_integer and n_unique <= MAX_INTEGER_LEVELS:
            return "categorical"
        if is_integer and n_unique == len(values) and len(values) > 20:
            ordered = non_null.to_numpy()
            steps = np.diff(ordered)
            if np.all(steps == 1) or re.search(r"(^|_)(id|rownames|index)$", name.lower()):
                return "id"
        return "numeric"
    # strings, categoricals and mixed objects
    if looks_numeric(values):  # "€62,200.00", "36.5%": read as the numbers they mean
        return infer_column_kind(name, pd.Series(numbers_of(values), index=values.index))
    if stray_non_numbers(values) is not None:  # numbers but a few typos: a numeric column
        return "numeric"
    if _looks_like_dates(name, values):
        return "datetime"
    if looks_like_text(values):
        return "text"
    if n_unique == len(values) and len(values) > 20:
        return "id"
    return "categorical"


# whole-number columns with this many distinct values or more (and at most
# MAX_INTEGER_LEVELS) are named when read as categories: a count such as late payments 0-4
# then scores a later 5 as the unknown level (two values are a yes/no flag: categories are right)
FEW_INTEGERS_NAMED_FROM = 3


def few_integers_message(frame: pd.DataFrame, schema: Schema) -> str | None:
    """One sentence naming the whole-number columns of 3 to ``MAX_INTEGER_LEVELS`` values
    that ``schema`` reads as categories, and how to read them as numbers; None if none."""
    named: dict[str, str] = {}  # column -> its name and values as the sentence shows them
    for name in schema.names_of("categorical"):
        values = frame[name]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        levels = np.sort(values.dropna().unique())
        if len(levels) >= FEW_INTEGERS_NAMED_FROM:
            named[name] = f"'{name}' ({', '.join(f'{v:g}' for v in levels)})"
    if not named:
        return None
    first = next(iter(named))
    return (f"whole-number column(s) with a few values are read as categories: "
            f"{', '.join(named.values())}; a value not seen in training then scores as the unknown "
            f"level. A count or a grade is better read as a number: --numeric-columns "
            f"{first} (numeric_columns=['{first}'] from Python).")


def check_numeric_columns(frame: pd.DataFrame, names: list[str] | None) -> set[str]:
    """``names`` (columns to read as numbers), each checked to be a column of ``frame`` that
    holds numbers (numbers written as text count); a ``DataError`` otherwise."""
    names = list(names or [])
    for name in names:
        if name not in frame.columns:
            raise DataError(f"'{name}', named to read as numbers (--numeric-columns), is not "
                            "in the data."
                            + did_you_mean(name, map(str, frame.columns)))
        values = frame[name]
        if pd.api.types.is_bool_dtype(values):
            raise DataError(f"'{name}', named to read as numbers (--numeric-columns), holds "
                            "true/false values; it is read as a yes/no category.")
        if pd.api.types.is_numeric_dtype(values) or looks_numeric(values):
            continue
        present = values.dropna()
        _, bad, example = to_numbers(present)
        if bad > (1 - NUMBERS_BUT_A_FEW_SHARE) * len(present):  # a few typos are read as missing
            raise DataError(f"'{name}', named to read as numbers (--numeric-columns), does not "
                            f"hold numbers ({bad:,} of its {len(present):,} values are not, "
                            f"e.g. {example!r}); it can only be read as categories or text.")
    return set(names)


# a text column read as categories whose present values are this share numbers or more,
# with at least this many distinct numbers, is most likely a numeric column with a few typos
NUMBERS_BUT_A_FEW_SHARE = 0.99
NUMBERS_BUT_A_FEW_LEVELS = 20


def stray_non_numbers(values: pd.Series) -> tuple[int, int, str] | None:
    """For a text column of numbers in all but a few rows ("forty" among 20,000 ages, one
    "abc" among incomes): (values that are not numbers, present values, the first of them).
    Such a column is numeric, those values missing: read as categories, each distinct number
    would be its own level (or, all distinct, the column an identifier, left out). None for
    any other column, a code column ("01".."09", "X") included: categories are right there."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    present = values.dropna()
    head = present.head(1_000)
    if head.empty or pd.to_numeric(head, errors="coerce").notna().mean() < 0.9:
        return None  # most category columns stop here, cheaply
    numbers, bad, example = to_numbers(present)
    if bad == 0 or bad > (1 - NUMBERS_BUT_A_FEW_SHARE) * len(present):
        return None
    if pd.Series(numbers).nunique() < NUMBERS_BUT_A_FEW_LEVELS:
        return None
    return bad, len(present), str(example)


def stray_non_numbers_message(name: str, values: pd.Series) -> str | None:
    """The warning for a column ``stray_non_numbers`` reads as numbers, or None."""
    found = stray_non_numbers(values)
    if found is None:
        return None
    bad, present, example = found
    verb = "is not a number" if bad == 1 else "are not numbers"
    return (f"column '{name}' is read as numbers, and {bad:,} of its {present:,} values "
            f"{verb} (e.g. {example!r}): {'it is' if bad == 1 else 'they are'} read as "
            "missing, as scoring reads such values; fix or blank them to be sure.")


def infer_schema(frame: pd.DataFrame, *, warn: bool = True,
                 text_columns: list[str] | None = None, text_ok: bool = False,
                 numeric_columns: list[str] | None = None) -> Schema:
    """Infer a ``Schema`` for ``frame`` (target already removed).

    ``text_columns`` are taken as free text whatever their values, ``numeric_columns`` as
    numbers (a count with few values, which would otherwise be categories; each must hold
    numbers). Raises ``DataError`` for a column with no values at all; warns about the
    id-like and constant columns it leaves out, about whole-number columns of a few values
    read as categories, and — unless ``text_ok`` (the text pipeline reads them) — about
    text columns.
    """
    forced = list(text_columns or [])
    numeric = check_numeric_columns(frame, numeric_columns)
    absent = [name for name in forced if name not in frame.columns]
    if absent:
        raise DataError(f"text column(s) {', '.join(repr(c) for c in absent)} are not in the "
                        f"data; its columns are: {', '.join(map(str, frame.columns))}."
                        + did_you_mean(str(absent[0]), map(str, frame.columns)))
    empty = [str(c) for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise DataError(
            f"column(s) {', '.join(repr(c) for c in empty)} have no values at all (every row "
            "is missing); drop them or fill them before training."
        )
    columns = []
    for name in frame.columns:
        kind = ("text" if str(name) in forced else "numeric" if str(name) in numeric
                else infer_column_kind(str(name), frame[name]))
        # the order this table's dates are read in, kept so that scoring reads them the
        # same way; it changes nothing about how this table is read
        day_first = recorded_day_first(frame[name]) if kind == "datetime" else None
        columns.append(ColumnSpec(str(name), kind, str(frame[name].dtype), day_first))
    schema = Schema(columns)
    if warn:
        for kind, why in (("id", "look like identifiers"), ("constant", "hold a single value")):
            names = schema.names_of(kind)  # type: ignore[arg-type]
            if names:
                warnings.warn(
                    f"{len(names)} column(s) {why} and are not used as features: "
                    f"{', '.join(names)}.",
                    FindeepWarning,
                    stacklevel=3,
                )
        for name in schema.names_of("numeric"):
            if message := stray_non_numbers_message(name, frame[name]):
                warnings.warn(message, FindeepWarning, stacklevel=3)
        if message := few_integers_message(frame, schema):
            warnings.warn(message, FindeepWarning, stacklevel=3)
        text = schema.names_of("text")
        if text and not text_ok:
            warnings.warn(
                f"{len(text)} column(s) hold free text, which tabular models do not read: "
                f"{', '.join(text)}. (A text model reads it beside the other columns: "
                "--model text-cnn, with pip install 'findeep[text]'.)", FindeepWarning,
                stacklevel=3)
    if not schema.used and not (text_ok and schema.names_of("text")):
        hint = (f" Column(s) {', '.join(schema.names_of('text'))} hold free text: a text "
                "model reads them (--model text-cnn, with pip install 'findeep[text]')."
                if schema.names_of("text") else "")
        raise DataError("no usable feature columns remain after removing ids and constants."
                        + hint)
    return schema
