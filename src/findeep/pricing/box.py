"""The parameter box a surrogate is trained on, and the per-row check that an input is inside.

The default is Liu, Oosterlee & Bohte (2019)'s Heston box, the one their 4x400 network
reached a test R² of 0.9999993 on:

========== ============ ===============================================
column      range        meaning
========== ============ ===============================================
moneyness   (0.6, 1.4)   S/K
maturity    (0.1, 1.4)   years
rate        (0, 0.10)    continuously compounded risk-free rate
rho         (-0.95, 0)   correlation of spot and variance
kappa       (0, 2)       speed of mean reversion of the variance
vbar        (0, 0.5)     long-run variance
gamma       (0, 0.5)     volatility of the variance
v0          (0.05, 0.5)  initial variance
========== ============ ===============================================

A network is not trusted outside its box: ``outside_box`` names, per row, the columns that
leave it, and the pricing commands flag those rows instead of pricing them. A surrogate's
box is what its training rows cover (``ParameterBox.covering``), not only what the data's
metadata declares: a table filtered to short maturities trains a short-maturity pricer.
An empty input cell is not "outside": ``missing`` names those columns apart.

``option_types`` reads the optional ``type`` column (call or put) the same way for every
command that takes options: pricing and calibration alike.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError
from findeep.pricing.reference import no_arbitrage_bounds

OPTION_COLUMNS = ("moneyness", "maturity", "rate")
HESTON_COLUMNS = ("rho", "kappa", "vbar", "gamma", "v0")
INPUT_COLUMNS = OPTION_COLUMNS + HESTON_COLUMNS
CALL_NAMES = ("call", "c")  # read after stripping spaces and lower-casing: ' Put' is a put
PUT_NAMES = ("put", "p")
# a training row this close to a declared edge (as a share of the declared range) reaches it:
# a Latin hypercube of n rows stops within 1/n of each edge, and a network interpolates
# smoothly over such a sliver; a table filtered to part of the range stops far short of it
EDGE_SLACK = 0.01
# strike units: a quote rounded to a cent on a 100 strike, or a tick stale, can sit this far
# past a bound; prices in the wrong units (currency, percent of strike) miss by far more
BOUND_TOLERANCE = 1e-4

LIU_HESTON_BOX: dict[str, tuple[float, float]] = {
    "moneyness": (0.6, 1.4), "maturity": (0.1, 1.4), "rate": (0.0, 0.10),
    "rho": (-0.95, 0.0), "kappa": (0.0, 2.0), "vbar": (0.0, 0.5), "gamma": (0.0, 0.5),
    "v0": (0.05, 0.5),
}


@dataclass(frozen=True)
class ParameterBox:
    """Closed ranges per input column, in ``INPUT_COLUMNS`` order."""

    ranges: dict[str, tuple[float, float]]

    @classmethod
    def default(cls) -> ParameterBox:
        return cls(dict(LIU_HESTON_BOX))

    @classmethod
    def from_dict(cls, ranges: dict[str, list[float] | tuple[float, float]]) -> ParameterBox:
        missing = [c for c in INPUT_COLUMNS if c not in ranges]
        if missing:
            raise ConfigError(f"the parameter box lacks ranges for: {', '.join(missing)}.")
        box = {c: (float(ranges[c][0]), float(ranges[c][1])) for c in INPUT_COLUMNS}
        bad = [c for c, (lo, hi) in box.items() if not lo < hi]
        if bad:
            raise ConfigError(f"each range must have low < high, however: "
                              f"{', '.join(f'{c}={box[c]}' for c in bad)}.")
        return cls(box)

    def to_dict(self) -> dict[str, list[float]]:
        return {c: [lo, hi] for c, (lo, hi) in self.ranges.items()}

    @property
    def low(self) -> np.ndarray:
        return np.array([self.ranges[c][0] for c in INPUT_COLUMNS])

    @property
    def high(self) -> np.ndarray:
        return np.array([self.ranges[c][1] for c in INPUT_COLUMNS])

    def covering(self, rows: pd.DataFrame, columns: tuple[str, ...] = INPUT_COLUMNS, *,
                 what: str = "the training table") -> ParameterBox:
        """The part of this (declared) box that ``rows`` cover: per column in ``columns``,
        the intersection of the declared range and the rows' [min, max]; a row extreme
        within ``EDGE_SLACK`` of the declared range from its edge reaches that edge.

        Rows outside the declared range are warned about (the metadata does not describe
        the table); a column the rows do not spread over is refused.
        """
        ranges = dict(self.ranges)
        beyond: list[str] = []
        for column in columns:
            declared_lo, declared_hi = self.ranges[column]
            values = rows[column].to_numpy(dtype=float)
            lo, hi = float(values.min()), float(values.max())
            outside = int(((values < declared_lo) | (values > declared_hi)).sum())
            if outside:
                beyond.append(f"{column} {outside} row(s) (range {lo:.4g} to {hi:.4g})")
            slack = EDGE_SLACK * (declared_hi - declared_lo)
            lo = declared_lo if lo <= declared_lo + slack else lo
            hi = declared_hi if hi >= declared_hi - slack else hi
            if not lo < hi:
                raise DataError(
                    f"column '{column}' of {what} does not spread over a range inside the "
                    f"declared box [{declared_lo:g}, {declared_hi:g}] (its rows run from "
                    f"{values.min():.6g} to {values.max():.6g}); a surrogate needs every input "
                    "to vary over the rows it learns from.")
            ranges[column] = (lo, hi)
        if beyond:
            warnings.warn(
                f"{what} has rows outside the box its metadata declares ({'; '.join(beyond)})"
                ": they are trained on, but the pricer's box stops at the declared edges and "
                "flags rows beyond them.", FindeepWarning, stacklevel=3)
        return ParameterBox(ranges)

    def outside(self, frame: pd.DataFrame,
                columns: tuple[str, ...] = INPUT_COLUMNS) -> pd.Series:
        """Per row: '' inside the box, else the columns outside it (``'kappa,v0'``).

        An empty (NaN) cell is not outside: ``missing`` names it.
        """
        flags = np.zeros((len(frame), len(columns)), dtype=bool)
        for j, column in enumerate(columns):
            lo, hi = self.ranges[column]
            values = frame[column].to_numpy(dtype=float)
            flags[:, j] = (values < lo) | (values > hi) | np.isinf(values)
        return _names_per_row(flags, columns, frame.index)


def missing(frame: pd.DataFrame, columns: tuple[str, ...] = INPUT_COLUMNS) -> pd.Series:
    """Per row: '' when every cell of ``columns`` holds a number, else the empty ones."""
    flags = frame[list(columns)].isna().to_numpy()
    return _names_per_row(flags, columns, frame.index)


def _names_per_row(flags: np.ndarray, columns: tuple[str, ...], index: pd.Index) -> pd.Series:
    names = np.array(columns)
    return pd.Series([",".join(names[row]) for row in flags], index=index, dtype=object)


def numeric_columns(frame: pd.DataFrame, columns: list[str] | tuple[str, ...], *,
                    what: str) -> pd.DataFrame:
    """``columns`` of ``frame`` as floats; empty cells (NaN, blank text) stay NaN.

    A cell holding text that is not a number ('abc', '12%') is refused in one error naming
    each such column, how many cells and the first one: read as NaN it would be a silently
    missing value, and numpy's own error names neither column nor row.
    """
    values: dict[str, pd.Series] = {}
    problems = []
    for column in columns:
        cells = frame[column]
        if pd.api.types.is_numeric_dtype(cells):
            values[column] = cells.astype(float)
            continue
        number = pd.to_numeric(cells, errors="coerce")
        blank = cells.isna() | (cells.astype(str).str.strip() == "")
        text = (number.isna() & ~blank).to_numpy()
        if text.any():
            first = int(np.flatnonzero(text)[0])
            problems.append(f"'{column}' {int(text.sum())} (e.g. {cells.iloc[first]!r} at "
                            f"{data_row(frame.index[first])})")
        values[column] = number.astype(float)
    if problems:
        raise DataError(f"{what} has cells that are not numbers in column(s) "
                        f"{', '.join(problems)}; give plain numbers (0.25, not '25%').")
    return pd.DataFrame(values, index=frame.index)


def data_row(label: Any) -> str:
    """How a message names a row: by position, 1-based over the data rows as findeep's file
    reader counts them (the header is no row: row 1 is a CSV's second line), from the label a
    table read from a file carries (0, 1, …); a label of a DataFrame's own index that is no
    number (an option id) as itself.

    >>> data_row(0), data_row(1234), data_row("opt-7")
    ('row 1', 'row 1,235', "row 'opt-7'")
    """
    if isinstance(label, int | np.integer) and not isinstance(label, bool):
        return f"row {int(label) + 1:,}"
    return f"row {label!r}"


def refuse_missing(values: pd.DataFrame, *, what: str, hint: str) -> None:
    """Refuse empty (NaN) or infinite cells in one error: per column how many rows, and the
    first row; ``hint`` says what to do instead."""
    bad = ~np.isfinite(values.to_numpy(dtype=float))
    if not bad.any():
        return
    columns = [f"'{c}' {int(bad[:, j].sum())} row(s), first at "
               f"{data_row(values.index[np.flatnonzero(bad[:, j])[0]])}"
               for j, c in enumerate(values.columns) if bad[:, j].any()]
    raise DataError(f"{what} has {int(bad.any(axis=1).sum())} row(s) with an empty, NaN or "
                    f"infinite cell (column {'; column '.join(columns)}); {hint}")


def option_inputs(frame: pd.DataFrame, *, what: str = "the options table") -> pd.DataFrame:
    """The input columns as floats, with every missing column named in one error."""
    absent = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if absent:
        raise DataError(f"{what} lacks the column(s) {', '.join(absent)}; a Heston option needs "
                        f"{', '.join(INPUT_COLUMNS)} (moneyness = S/K).")
    inputs = numeric_columns(frame, INPUT_COLUMNS, what=what)
    negative = [c for c in ("moneyness", "maturity") if (inputs[c] <= 0).any()]
    if negative:
        first = inputs.index[(inputs[negative[0]] <= 0).to_numpy()][0]
        raise DataError(f"{what} has non-positive {' and '.join(negative)} (first at "
                        f"{data_row(first)}); maturities and moneyness S/K must be > 0.")
    return inputs


def option_types(frame: pd.DataFrame, *, what: str = "the options table") -> np.ndarray:
    """Per row, True for a put: the optional ``type`` column holds call/put or c/p in any
    case, spaces around ignored; without the column every row is a call.

    Any other value (an empty cell too) is refused, naming it: a silent call in its place
    would price, or fit, the wrong option.
    """
    if "type" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    column = frame["type"]
    empty = column.isna() | (column.astype(str).str.strip() == "")
    if empty.any():
        raise DataError(f"column 'type' of {what} has {int(empty.sum())} empty cell(s) (first "
                        f"at {data_row(column.index[empty.to_numpy()][0])}); write call or put in "
                        "each, or drop the column if every option is a call.")
    kind = column.astype(str).str.strip().str.lower()
    unknown = kind[~kind.isin(CALL_NAMES + PUT_NAMES)]
    if len(unknown):
        values = sorted(set(column[unknown.index].astype(str)))
        raise DataError(f"column 'type' of {what} must hold call or put (or c/p), however "
                        f"{len(unknown)} row(s) hold {', '.join(map(repr, values[:3]))}"
                        f"{' …' if len(values) > 3 else ''} (first at "
                        f"{data_row(unknown.index[0])}); "
                        "fix those rows or leave them out.")
    return kind.isin(PUT_NAMES).to_numpy()


def check_price_bounds(price: np.ndarray, m: np.ndarray, tau: np.ndarray, r: np.ndarray,
                       is_put: np.ndarray, rows: pd.Index, *, what: str = "",
                       typed: bool = True) -> None:
    """Refuse prices outside their option's no-arbitrage bounds (beyond BOUND_TOLERANCE):
    no model fits them, and they are most often in the wrong units. The same rule for
    quotes to calibrate to and for prices to train on; ``what`` (" in column 'call' of the
    training table") says which prices, ``typed`` whether a 'type' column marks puts."""
    lower, upper = no_arbitrage_bounds(m, tau, r, call=~is_put)
    below, above = price < lower - BOUND_TOLERANCE, price > upper + BOUND_TOLERANCE
    outside = below | above
    if not outside.any():
        return
    i = int(np.flatnonzero(outside)[0])
    kind = "put" if is_put[i] else "call"
    if above[i]:
        bound = (f"above its upper bound {upper[i]:.4g} "
                 f"({'the discounted strike' if is_put[i] else 'the underlying, S/K'})")
    else:
        bound = f"below its lower bound {lower[i]:.4g} (its discounted intrinsic value)"
    puts = ", with puts marked in a 'type' column" if typed else ""
    raise DataError(
        f"{int(outside.sum())} of {price.size} prices{what} lie outside their option's "
        f"no-arbitrage bounds, e.g. {data_row(rows[i])} ({kind}, moneyness {m[i]:.4g}, maturity "
        f"{tau[i]:.4g}): price {price[i]:.4g} is {bound}; prices must be in strike units "
        "(price / K: a 7.50 quote on a 100 strike is 0.075)"
        f"{puts}.")
