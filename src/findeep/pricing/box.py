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
leave it, and the pricing commands flag those rows instead of pricing them.

``option_types`` reads the optional ``type`` column (call or put) the same way for every
command that takes options: pricing and calibration alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from findeep.errors import ConfigError, DataError

OPTION_COLUMNS = ("moneyness", "maturity", "rate")
HESTON_COLUMNS = ("rho", "kappa", "vbar", "gamma", "v0")
INPUT_COLUMNS = OPTION_COLUMNS + HESTON_COLUMNS
CALL_NAMES = ("call", "c")  # read after stripping spaces and lower-casing: ' Put' is a put
PUT_NAMES = ("put", "p")

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

    def outside(self, frame: pd.DataFrame) -> pd.Series:
        """Per row: '' inside the box, else the columns outside it (``'kappa,v0'``)."""
        flags = np.zeros((len(frame), len(INPUT_COLUMNS)), dtype=bool)
        for j, column in enumerate(INPUT_COLUMNS):
            lo, hi = self.ranges[column]
            values = frame[column].to_numpy(dtype=float)
            flags[:, j] = ~((values >= lo) & (values <= hi))  # NaN counts as outside
        names = np.array(INPUT_COLUMNS)
        return pd.Series([",".join(names[row]) for row in flags], index=frame.index,
                         dtype=object)


def option_inputs(frame: pd.DataFrame, *, what: str = "the options table") -> pd.DataFrame:
    """The input columns as floats, with every missing column named in one error."""
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{what} lacks the column(s) {', '.join(missing)}; a Heston option needs "
                        f"{', '.join(INPUT_COLUMNS)} (moneyness = S/K).")
    try:
        inputs = frame[list(INPUT_COLUMNS)].astype(float)
    except (TypeError, ValueError):
        bad = [c for c in INPUT_COLUMNS if not pd.api.types.is_numeric_dtype(frame[c])]
        raise DataError(f"{what} has non-numeric values in: {', '.join(bad)}.") from None
    negative = [c for c in ("moneyness", "maturity") if (inputs[c] <= 0).any()]
    if negative:
        first = inputs.index[(inputs[negative[0]] <= 0).to_numpy()][0]
        raise DataError(f"{what} has non-positive {' and '.join(negative)} (first at row "
                        f"{first}); maturities and moneyness S/K must be > 0.")
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
                        f"at row {column.index[empty.to_numpy()][0]}); write call or put in "
                        "each, or drop the column if every option is a call.")
    kind = column.astype(str).str.strip().str.lower()
    unknown = kind[~kind.isin(CALL_NAMES + PUT_NAMES)]
    if len(unknown):
        values = sorted(set(column[unknown.index].astype(str)))
        raise DataError(f"column 'type' of {what} must hold call or put (or c/p), however "
                        f"{len(unknown)} row(s) hold {', '.join(map(repr, values[:3]))}"
                        f"{' …' if len(values) > 3 else ''} (first at row {unknown.index[0]}); "
                        "fix those rows or leave them out.")
    return kind.isin(PUT_NAMES).to_numpy()
