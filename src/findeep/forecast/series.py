"""Read a long-format price table and check it before anything is computed from it.

One row per (asset, date); the asset column is optional (one series). The result is
sorted by asset then date, so every per-asset computation downstream is a slice, and
each row remembers its position in the input so predictions can be handed back aligned.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from findeep.data.io import TableLike, read_table
from findeep.data.schema import FindeepWarning, parse_datetimes
from findeep.errors import DataError, did_you_mean

SINGLE_ASSET = "series"


@dataclass
class Series:
    """A checked long table: ``frame`` sorted by (asset, date), one row per pair.

    ``frame`` holds ``date`` (datetime64), ``asset`` (str) and the value columns under
    their own names; ``input_row`` is each row's position in the table as given.
    """

    frame: pd.DataFrame
    date_column: str
    asset_column: str | None
    input_row: np.ndarray

    @property
    def dates(self) -> np.ndarray:
        return self.frame["date"].to_numpy()

    @property
    def assets(self) -> np.ndarray:
        return self.frame["asset"].to_numpy()

    def asset_bounds(self) -> list[tuple[str, int, int]]:
        """(asset, first row, one past the last row) for each asset, in sorted order."""
        assets = self.assets
        if len(assets) == 0:
            return []
        starts = np.flatnonzero(np.r_[True, assets[1:] != assets[:-1]])
        ends = np.r_[starts[1:], len(assets)]
        return [(str(assets[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]

    def column(self, name: str) -> np.ndarray:
        """A value column as float64, with a clear error when it is absent or not numeric."""
        if name not in self.frame.columns or name in ("date", "asset"):
            value_columns = [c for c in self.frame.columns if c not in ("date", "asset")]
            raise DataError(f"column '{name}' is not in the data."
                            + did_you_mean(name, value_columns))
        values = self.frame[name]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise DataError(f"column '{name}' is not numeric (dtype {values.dtype}); "
                            "forecast inputs and targets must be numbers.")
        return values.to_numpy(dtype=float, na_value=np.nan)


def read_series(data: TableLike, *, date_column: str, asset_column: str | None = None) -> Series:
    """Read ``data`` and return it checked and sorted.

    Raises ``DataError`` for a missing date/asset column, unparseable or missing dates,
    and duplicate (asset, date) rows (naming a few). Unsorted input is sorted, with a
    warning, since a sorted copy is what every later step assumes.
    """
    table = read_table(data)
    for role, name in (("date", date_column), ("asset", asset_column)):
        if name is not None and name not in table.columns:
            raise DataError(f"{role} column '{name}' is not in the data."
                            + did_you_mean(name, map(str, table.columns)))
    dates = _parse_dates(table[date_column], date_column)
    if asset_column is None:
        assets = np.full(len(table), SINGLE_ASSET, dtype=object)
    else:
        raw = table[asset_column]
        if raw.isna().any():
            raise DataError(f"asset column '{asset_column}' has {int(raw.isna().sum())} "
                            "missing value(s); every row must name its asset.")
        assets = raw.astype(str).to_numpy(dtype=object)

    values = table.drop(columns=[c for c in (date_column, asset_column) if c is not None])
    reserved = [c for c in values.columns if c in ("date", "asset")]
    if reserved:
        values = values.rename(columns={c: f"{c}_value" for c in reserved})
    keys = pd.DataFrame({"date": dates, "asset": assets})
    frame = pd.concat([keys, values.reset_index(drop=True)], axis=1)
    _check_duplicates(frame, asset_column)
    order = np.lexsort((frame["date"].to_numpy(), frame["asset"].to_numpy()))
    if not np.array_equal(order, np.arange(len(order))):
        what = "asset then date" if asset_column else "date"
        warnings.warn(f"the rows were not sorted by {what}; findeep sorted them (predictions "
                      "are returned in the input's order).", FindeepWarning, stacklevel=2)
    frame = frame.iloc[order].reset_index(drop=True)
    return Series(frame, date_column, asset_column, order)


def _parse_dates(values: pd.Series, name: str) -> np.ndarray:
    """Naive UTC datetimes (``parse_datetimes``: text with changing offsets is fine)."""
    parsed = parse_datetimes(values)
    bad = parsed.isna() & values.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].head(3))
        raise DataError(f"date column '{name}' has {int(bad.sum())} value(s) that are not "
                        f"dates, e.g. {examples}.")
    if parsed.isna().any():
        raise DataError(f"date column '{name}' has {int(parsed.isna().sum())} missing value(s); "
                        "every row needs a date.")
    return parsed.to_numpy(dtype="datetime64[ns]")


def _check_duplicates(frame: pd.DataFrame, asset_column: str | None) -> None:
    duplicated = frame.duplicated(subset=["asset", "date"], keep=False)
    if not duplicated.any():
        return
    pairs = frame.loc[duplicated, ["asset", "date"]].drop_duplicates()
    shown = [f"{pd.Timestamp(d).date()}" if asset_column is None
             else f"({a}, {pd.Timestamp(d).date()})"
             for a, d in pairs.head(3).itertuples(index=False)]
    key = "date" if asset_column is None else "(asset, date) pair"
    raise DataError(f"{len(pairs)} {key}(s) appear on more than one row, e.g. {', '.join(shown)}; "
                    "keep one row per "
                    + ("date" if asset_column is None else "asset and date") + ".")


MAX_GAP_RATIO = 30
MIN_GAP_DAYS = 45


def check_date_gaps(series: Series) -> None:
    """Refuse a series with a hole far longer than its usual spacing.

    A window or an h-step target that spans a months-long hole mixes periods as if
    they were adjacent; weekends and holidays (a few times the usual step) are fine.
    """
    dates = series.dates.astype("datetime64[ns]").astype(np.int64)
    for asset, first, end in series.asset_bounds():
        if end - first < 3:
            continue
        steps = np.diff(dates[first:end])
        usual = float(np.median(steps))
        worst = int(np.argmax(steps))
        days = steps[worst] / 86_400e9
        if usual > 0 and steps[worst] > MAX_GAP_RATIO * usual and days > MIN_GAP_DAYS:
            where = "" if series.asset_column is None else f" of {asset}"
            before = pd.Timestamp(series.dates[first + worst]).date()
            after = pd.Timestamp(series.dates[first + worst + 1]).date()
            raise DataError(
                f"the series{where} has a gap of {days:.0f} days between {before} and {after} "
                f"(its usual step is {usual / 86_400e9:.2g} days); windows and targets would "
                "span it as if the dates were adjacent. Split the series at the gap or fill it.")
