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
        value_columns = [c for c in self.frame.columns if c not in ("date", "asset")]
        for role, key in (("date", self.date_column), ("asset", self.asset_column)):
            if name == key:
                raise DataError(f"column '{name}' is the {role} column (--{role}-column), "
                                "not a value to forecast from; name a price or value column: "
                                f"{', '.join(map(str, value_columns[:8]))}.")
        if name not in self.frame.columns or name in ("date", "asset"):
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
    _check_duplicates(frame, asset_column, {f"{c}_value": c for c in reserved})
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


def _check_duplicates(frame: pd.DataFrame, asset_column: str | None,
                      renamed: dict[str, str]) -> None:
    """Refuse repeated (asset, date) rows; ``renamed``: the user's name of each column
    renamed off the reserved 'date'/'asset' keys, so a hint names the column they have."""
    duplicated = frame.duplicated(subset=["asset", "date"], keep=False)
    if not duplicated.any():
        return
    pairs = frame.loc[duplicated, ["asset", "date"]].drop_duplicates()
    shown = [f"{pd.Timestamp(d).date()}" if asset_column is None
             else f"({a}, {pd.Timestamp(d).date()})"
             for a, d in pairs.head(3).itertuples(index=False)]
    key = "date" if asset_column is None else "(asset, date) pair"
    message = (f"{len(pairs)} {key}(s) appear on more than one row, e.g. {', '.join(shown)}; "
               "keep one row per " + ("date" if asset_column is None else "asset and date"))
    splitting = _splitting_text_columns(frame.loc[duplicated]) if asset_column is None else []
    if splitting:
        message += (f", or, if the table holds several series, name the column that tells them "
                    f"apart: --asset-column {renamed.get(splitting[0], splitting[0])}")
    raise DataError(message + ".")


def _splitting_text_columns(rows: pd.DataFrame) -> list[str]:
    """Text columns under which no two of ``rows`` (rows sharing a date) share a value on
    the same date: an asset column the caller did not name."""
    found = []
    for name in rows.columns:
        if name in ("date", "asset"):
            continue
        values = rows[name]
        if not (pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values)
                or isinstance(values.dtype, pd.CategoricalDtype)):
            continue
        if values.notna().all() and not rows.duplicated(subset=["date", name]).any():
            found.append(str(name))
    return found


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


CHECKPOINTS_PER_ASSET = 16  # enough to tell two series apart, small enough for a panel's JSON


def checkpoints(series: Series, values: np.ndarray,
                per_asset: int = CHECKPOINTS_PER_ASSET) -> dict[str, dict[str, list]]:
    """A few (date, value) pairs per asset, evenly spread over its finite values: a cheap
    fingerprint that later data can be checked against on whichever of the dates it holds
    (``checkpoint_differences``)."""
    found: dict[str, dict[str, list]] = {}
    for asset, first, end in series.asset_bounds():
        finite = first + np.flatnonzero(np.isfinite(values[first:end]))
        if len(finite) == 0:
            continue
        picked = finite[np.unique(np.linspace(0, len(finite) - 1,
                                              min(per_asset, len(finite))).round().astype(int))]
        found[asset] = {"dates": [pd.Timestamp(d).isoformat() for d in series.dates[picked]],
                        "values": [float(v) for v in values[picked]]}
    return found


def checkpoint_differences(stored: dict[str, dict[str, list]], series: Series,
                           values: np.ndarray) -> tuple[int, int, str | None]:
    """How many of ``stored``'s checkpoints ``series`` holds (same asset and date, a finite
    value), how many of those differ from ``values`` beyond float rounding, and the first
    difference in words."""
    keys = pd.MultiIndex.from_arrays([series.assets, series.dates])
    checked, differing, example = 0, 0, None
    for asset, points in stored.items():
        dates = np.array([np.datetime64(pd.Timestamp(d), "ns") for d in points["dates"]])
        position = keys.get_indexer(pd.MultiIndex.from_arrays([np.full(len(dates), asset,
                                                                      dtype=object), dates]))
        held = position >= 0
        here = np.full(len(dates), np.nan)
        here[held] = values[position[held]]
        usable = np.isfinite(here)
        expected = np.asarray(points["values"], dtype=float)
        wrong = usable & ~np.isclose(here, expected, rtol=1e-6, atol=1e-9)
        checked += int(usable.sum())
        differing += int(wrong.sum())
        if example is None and wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            where = "" if series.asset_column is None else f"{asset} on "
            example = (f"{where}{pd.Timestamp(dates[i]).date()}: {expected[i]:.6g} in training, "
                       f"{here[i]:.6g} here")
    return checked, differing, example
