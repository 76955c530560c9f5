"""Turn a DataFrame into the two tensors a tabular network reads, fitted on training rows only.

Numerics (and datetime parts) are imputed with the training median, get a missing-value
indicator when the training rows had gaps, and are scaled (quantile-normal by default,
or standard). A numeric column's *special values* (codes such as 98 = "refused to answer"
in a count column, or -999) leave the numeric scale: their rows are imputed like missing
ones, the scaler's median and quantiles are fitted without them, and each code gets a 0/1
indicator input of its own (``name__special=98``) that the network learns as a token,
separate from the value and from the missing indicator. Categoricals become integer
codes; code 0 is the shared bucket for rare and unseen values, so scoring never fails
on a new category. All state is plain numbers and strings so it can be saved as JSON —
no pickle.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import ndtri

from findeep.data.number_text import to_numbers
from findeep.data.schema import Schema, parse_datetimes
from findeep.errors import ConfigError, DataError

Scaling = Literal["quantile", "standard"]
SCALINGS = ("quantile", "standard")
MISSING_LEVEL = "<missing>"
SPECIAL_MARK = "__special="  # name__special=98: the indicator input of one special value
_DATE_PARTS = ("days", "year", "month", "dayofweek")
_CLIP = 5.0
PARALLEL_MIN_ROWS = 50_000  # below this, thread start-up costs more than it saves
REPEAT_MIN_ROWS = 20_000  # from here, a column of few distinct values is scaled per value
_PROBE = 4_096  # leading values that tell whether a column repeats


@dataclass
class NumericState:
    """How one numeric input is imputed and scaled."""

    name: str
    median: float
    quantiles: list[float] = field(default_factory=list)  # quantile scaling
    mean: float = 0.0  # standard scaling
    std: float = 1.0
    indicator: bool = False
    special: list[float] = field(default_factory=list)  # codes kept off the scale


@dataclass
class CategoricalState:
    name: str
    levels: list[str]  # code i+1 for levels[i]; 0 = rare / unseen
    rare: list[str] = field(default_factory=list)  # seen in training, too rare for a code


@dataclass
class TransformReport:
    """What scoring had to absorb: unseen category values per column, and values of numeric
    (date) columns that are not numbers (dates), scored as missing, with the first of each
    column's."""

    unseen_categories: dict[str, int] = field(default_factory=dict)
    unreadable_numbers: dict[str, int] = field(default_factory=dict)
    unreadable_examples: dict[str, str] = field(default_factory=dict)

    def unreadable_message(self) -> str | None:
        """One sentence naming the numeric columns whose values were not numbers, or None."""
        if not self.unreadable_numbers:
            return None
        parts = [f"'{name}' {count:,} (e.g. {self.unreadable_examples[name]!r})"
                 for name, count in self.unreadable_numbers.items()]
        return ("values that are not numbers (in a date column: not dates) were scored as "
                f"missing (the training median) in column(s): {', '.join(parts)}; fix them to "
                "score those rows as meant.")


class TabularPreprocessor:
    """Fit on training rows, then map any frame with the same columns to (numeric, categorical)."""

    def __init__(self, *, scaling: Scaling = "quantile", n_quantiles: int = 1000,
                 min_category_count: int = 5,
                 special_values: dict[str, list[float]] | None = None) -> None:
        if scaling not in SCALINGS:
            raise ConfigError(f"scaling must be one of {', '.join(SCALINGS)}, however: {scaling=}")
        self.scaling = scaling
        self.n_quantiles = n_quantiles
        self.min_category_count = min_category_count
        self.special_values = {k: [float(v) for v in codes]
                               for k, codes in (special_values or {}).items()}
        self.numeric: list[NumericState] = []
        self.categorical: list[CategoricalState] = []
        self.datetime_columns: list[str] = []
        self.numeric_columns: list[str] = []

    # ---- names -------------------------------------------------------------------------------
    @property
    def numeric_feature_names(self) -> list[str]:
        """Names of the numeric matrix's columns: scaled values, missing indicators, then
        special-value indicators (``name__special=98``)."""
        names = [s.name for s in self.numeric]
        names += [f"{s.name}__missing" for s in self.numeric if s.indicator]
        return names + [f"{self.numeric[j].name}{SPECIAL_MARK}{_level_text(code)}"
                        for j, code in self.special_inputs]

    @property
    def special_inputs(self) -> list[tuple[int, float]]:
        """(scaled column position, code) behind each special-value indicator, in order."""
        return [(j, code) for j, s in enumerate(self.numeric) for code in s.special]

    @property
    def categorical_feature_names(self) -> list[str]:
        return [s.name for s in self.categorical]

    @property
    def source_of_numeric(self) -> list[str]:
        """The original column behind each numeric feature (datetime parts map to their date)."""
        def source(name: str) -> str:
            base = name.removesuffix("__missing").split(SPECIAL_MARK)[0]
            for column in self.datetime_columns:
                if base.startswith(f"{column}__") and base.split("__")[-1] in _DATE_PARTS:
                    return column
            return base
        return [source(n) for n in self.numeric_feature_names]

    @property
    def cardinalities(self) -> list[int]:
        """Number of codes per categorical column, including the rare/unseen code 0."""
        return [len(s.levels) + 1 for s in self.categorical]

    # ---- fit / transform ---------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, schema: Schema) -> TabularPreprocessor:
        self.numeric_columns = schema.names_of("numeric")
        self.datetime_columns = schema.names_of("datetime")
        # one float64 column at a time, never a float64 copy of the whole table
        values_of = self._numeric_values(frame)
        self.numeric = [self._fit_numeric(name, values_of(name)) for name in self._numeric_names()]
        self.categorical = []
        for name in schema.names_of("categorical"):
            text = as_level_text(frame[name])
            counts = text.value_counts()
            frequent = counts >= self.min_category_count
            self.categorical.append(CategoricalState(
                name, sorted(counts[frequent].index.tolist()),
                sorted(counts[~frequent].index.tolist()),
            ))
        return self

    def _fit_numeric(self, name: str, values: np.ndarray) -> NumericState:
        finite = np.isfinite(values)
        special = [float(c) for c in self.special_values.get(name, [])]
        present = values[finite & ~np.isin(values, special)]
        if present.size == 0:
            raise DataError(f"numeric column '{name}' has no values in the training rows"
                            + (" other than its special values." if special else "."))
        median = float(np.median(present))
        state = NumericState(name, median, indicator=bool(finite.sum() < values.size),
                             special=special)
        if self.scaling == "quantile":
            n = min(self.n_quantiles, present.size)
            state.quantiles = np.quantile(present, np.linspace(0, 1, n)).tolist()
        else:
            state.mean = float(present.mean())
            state.std = float(present.std()) or 1.0
        return state

    def transform(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, TransformReport]:
        """(numeric float32 [n, d_num], categorical int64 [n, n_cat], report)."""
        report = TransformReport()
        values_of = self._numeric_values(frame, report)
        n = len(frame)
        d_scaled = len(self.numeric)
        indicator_of = {}
        for j, state in enumerate(self.numeric):
            if state.indicator:
                indicator_of[j] = d_scaled + len(indicator_of)
        first_special = d_scaled + len(indicator_of)
        # the final matrix, filled in place: no float64 copy of the table, no second copy
        # of the float32 one (measured in benchmarks/scale_memory.py, BENCHMARKS.md)
        x_num = np.empty((n, first_special + len(self.special_inputs)), dtype=np.float32)
        special_at: dict[int, list[tuple[int, float]]] = {}  # column -> (position, code)
        for i, (j, code) in enumerate(self.special_inputs):
            special_at.setdefault(j, []).append((first_special + i, code))

        def scale_column(j: int) -> None:
            """Fill column j of ``x_num`` (and its missing indicator)."""
            state = self.numeric[j]
            values = values_of(state.name)
            missing = ~np.isfinite(values)
            if j in indicator_of:
                x_num[:, indicator_of[j]] = missing
            for position, code in special_at.get(j, []):
                is_code = values == code
                x_num[:, position] = is_code
                missing |= is_code  # off the scale: imputed like a missing value
            x_num[:, j] = self._scale_repeated(state, np.where(missing, state.median, values))

        columns = range(len(self.numeric))
        workers = min(os.cpu_count() or 1, len(self.numeric))
        if n >= PARALLEL_MIN_ROWS and workers > 1:
            # numpy's interp and ndtri release the GIL: 1.75x on 2 cores for 1M rows
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(scale_column, columns))
        else:
            for j in columns:
                scale_column(j)
        x_cat = np.zeros((n, len(self.categorical)), dtype=np.int64)
        for j, state in enumerate(self.categorical):
            codes, n_unseen = _category_codes(frame[state.name], state)
            if n_unseen:
                report.unseen_categories[state.name] = n_unseen
            x_cat[:, j] = codes
        return np.ascontiguousarray(x_num, dtype=np.float32), x_cat, report

    def _scale_repeated(self, state: NumericState, values: np.ndarray) -> np.ndarray:
        """``_scale``, worked out once per distinct value when a big column repeats few
        values (ages, counts, date parts): every step is elementwise, so the numbers are
        the same; the quantile lookup and the normal quantile cost ~200 ns a value, the
        hash lookup ~20 (2-5x less work per such column, measured in
        benchmarks/scale_score_profile.py)."""
        if values.size >= REPEAT_MIN_ROWS and np.unique(values[:_PROBE]).size <= _PROBE // 4:
            codes, distinct = pd.factorize(values)
            if distinct.size <= values.size // 8:
                return self._scale(state, np.asarray(distinct, dtype=np.float64))[codes]
        return self._scale(state, values)

    def _scale(self, state: NumericState, values: np.ndarray) -> np.ndarray:
        if self.scaling == "standard":
            return np.clip((values - state.mean) / state.std, -_CLIP * 2, _CLIP * 2)
        q = np.asarray(state.quantiles)
        if q.size < 2 or q[0] == q[-1]:
            return np.zeros_like(values)
        ranks = np.linspace(0.0, 1.0, q.size)
        left = np.interp(values, q, ranks)
        if np.any(q[1:] == q[:-1]):
            # tied quantiles (a repeated value): average the left- and right-most matching
            # ranks so the tie maps to its middle; without ties both are the same
            right = 1.0 - np.interp(-values, -q[::-1], ranks)
            left = 0.5 * (left + right)
        uniform = np.clip(left, 1e-7, 1 - 1e-7)
        return np.clip(ndtri(uniform), -_CLIP, _CLIP)

    def _numeric_names(self) -> list[str]:
        """Numeric inputs in matrix order: numeric columns, then each date's parts."""
        return [*self.numeric_columns, *(f"{name}__{part}" for name in self.datetime_columns
                                         for part in _DATE_PARTS)]

    def _numeric_values(self, frame: pd.DataFrame, report: TransformReport | None = None,
                        ) -> Callable[[str], np.ndarray]:
        """``values_of(name)``: one numeric input as float64, made when asked for (date
        parts are computed once per date column, up front: dates are few); numbers written
        as text are read (``data/number_text.py``), and ``report`` counts the values of a
        column that are not numbers."""
        dates: dict[str, pd.Series] = {}
        for name in self.datetime_columns:
            stamps = parse_datetimes(frame[name])
            unreadable = stamps.isna().to_numpy() & frame[name].notna().to_numpy()
            if unreadable.any() and report is not None:  # "garbage", "2021-02-30"
                report.unreadable_numbers[name] = int(unreadable.sum())
                report.unreadable_examples[name] = str(frame[name][unreadable].iloc[0])
            dates[f"{name}__days"] = (
                stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
            dates[f"{name}__year"] = stamps.dt.year.astype(float)
            dates[f"{name}__month"] = stamps.dt.month.astype(float)
            dates[f"{name}__dayofweek"] = stamps.dt.day_of_week.astype(float)

        def values_of(name: str) -> np.ndarray:
            if name in dates:
                return dates[name].to_numpy(dtype=float, na_value=np.nan)
            numbers, unreadable, example = to_numbers(frame[name])
            if unreadable and report is not None:
                report.unreadable_numbers[name] = unreadable
                report.unreadable_examples[name] = str(example)
            return numbers
        return values_of

    def _numeric_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Every numeric input as a float64 frame (for small batches and summaries)."""
        values_of = self._numeric_values(frame)
        return pd.DataFrame({name: values_of(name) for name in self._numeric_names()},
                            index=frame.index)

    # ---- persistence -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "scaling": self.scaling,
            "n_quantiles": self.n_quantiles,
            "min_category_count": self.min_category_count,
            "numeric_columns": self.numeric_columns,
            "datetime_columns": self.datetime_columns,
            "numeric": [vars(s) for s in self.numeric],
            "special_values": self.special_values,
            "categorical": [vars(s) for s in self.categorical],
        }

    @classmethod
    def from_dict(cls, data: dict) -> TabularPreprocessor:
        pre = cls(scaling=data["scaling"], n_quantiles=data["n_quantiles"],
                  min_category_count=data["min_category_count"],
                  special_values=data.get("special_values"))  # older bundles: none
        pre.numeric_columns = list(data["numeric_columns"])
        pre.datetime_columns = list(data["datetime_columns"])
        pre.numeric = [NumericState(**s) for s in data["numeric"]]
        pre.categorical = [CategoricalState(**s) for s in data["categorical"]]
        return pre


def _category_codes(values: pd.Series, state: CategoricalState) -> tuple[np.ndarray, int]:
    """Codes (0 = rare or unseen) and how many values were never seen in training.

    Rare training values also map to 0, but only never-seen ones are counted. A yes/no
    column's spellings are one level: "TRUE", "true" and the boolean True all find the level
    training saw (a CSV reader makes booleans of what a Parquet file keeps as text).
    """
    aliases = _boolean_aliases(state)
    if aliases:
        text = as_level_text(values)
        text = text.where(~text.str.lower().isin(aliases.keys()),
                          text.str.lower().map(aliases))
        codes = pd.Index(state.levels, dtype=object).get_indexer(text) + 1
        unknown = codes == 0
        return codes, int((unknown & ~text.isin(state.rare).to_numpy()).sum())
    if _is_arrow_text(values):
        # look the strings up in Arrow: no Python string objects (10x faster for 1M rows)
        text = pa.array(values).fill_null(MISSING_LEVEL)
        index = pc.index_in(text, value_set=pa.array(state.levels, type=text.type))
        codes = index.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
        unknown = codes == 0
        if not unknown.any():
            return codes, 0
        rare = pc.is_in(text, value_set=pa.array(state.rare, type=text.type))
        return codes, int((unknown & ~rare.to_numpy(zero_copy_only=False)).sum())
    text = as_level_text(values)
    codes = pd.Index(state.levels, dtype=object).get_indexer(text) + 1  # -1 -> 0
    unknown = codes == 0
    if not unknown.any():
        return codes, 0
    return codes, int((unknown & ~text.isin(state.rare).to_numpy()).sum())


def _boolean_aliases(state: CategoricalState) -> dict[str, str]:
    """``{"true": level, "false": level}`` for the levels of a yes/no column spelt as
    booleans (any case), else empty."""
    if len(state.levels) + len(state.rare) > 3:  # a yes/no column: two levels and missing
        return {}
    return {level.lower(): level for level in [*state.levels, *state.rare]
            if level.lower() in ("true", "false")}


def _is_arrow_text(values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype))


def as_level_text(values: pd.Series) -> pd.Series:
    """Category values as strings (as ``_level_text`` writes them), missing as their own level.

    Vectorised per dtype: a million-row scoring call must not run Python per value.
    """
    missing = values.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(numbers) & (np.mod(numbers, 1) == 0) & (np.abs(numbers) < 2**53)
        text = np.where(whole, np.where(whole, numbers, 0).astype(np.int64).astype(str),
                        numbers.astype(str)).astype(object)
    elif pd.api.types.is_string_dtype(values) or pd.api.types.is_bool_dtype(values):
        text = values.astype(str).to_numpy(dtype=object)
    else:  # mixed objects: the exact per-value rule
        return values.astype("object").where(~missing, MISSING_LEVEL).map(_level_text)
    text[missing] = MISSING_LEVEL
    return pd.Series(text, index=values.index, dtype=object)


def _level_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return _level_text(value.item())
    return str(value)
