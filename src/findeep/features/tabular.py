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

Scoring passes ``ScoringRules`` to ``transform``; training passes none, so a training
table is read exactly as it always was. With them, a batch is read the way training read
its table, and what it had to absorb is counted in the ``TransformReport``:

- text dates are read in the day / month order training read (``Schema.day_first``);
- empty or spaces-only text in a categorical column is a missing value, as an empty CSV
  cell or ``None`` is, unless training learned that very text as a level (a DataFrame
  holding ``""`` trains it as a level of its own, and keeps it);
- a column with no value at all in a batch of at least ``EMPTY_MIN_ROWS`` rows is named
  (``empty_columns``: a broken join upstream looks like this), unless training rows were
  so often missing there that such a batch is not surprising (``empty_is_suspicious``);
- a numeric column whose batch median sits ``OFF_SCALE_FACTOR`` times or more outside the
  training rows' 10th-90th percentiles is named (``off_scale``): a thousands separator
  read as a decimal comma ("64,001" as 64.001) or a change of unit.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import ndtri

from findeep.data.number_text import MISSING_WORDS, to_numbers
from findeep.data.schema import FindeepWarning, Schema, parse_datetimes
from findeep.data.sentinels import format_code
from findeep.errors import ConfigError, DataError

Scaling = Literal["quantile", "standard"]
SCALINGS = ("quantile", "standard")
MISSING_LEVEL = "<missing>"
SPECIAL_MARK = "__special="  # name__special=98: the indicator input of one special value

DATE_PARTS = ("days", "year", "month", "dayofweek")
_CLIP = 5.0
# how quantile scaling maps values beside a repeated training value: "continuous" (the
# default since the twenty-seventh session) or "mid" (each tie at its middle rank, the values
# beside it at its edges: a jump an ulp away; bundles written before keep it)
TIE_RULES = ("continuous", "mid")
# a column with no value in a batch: a record or a handful of them with a gap is normal;
# this many rows without one is named, unless training rows had the column missing so
# often that a batch this size would be all missing at least once in 1,000
EMPTY_MIN_ROWS = 20
EMPTY_CHANCE = 1e-3
# a numeric column's batch median this many times below the training 10th percentile or
# above the 90th (training values all of one sign) is named: a misread decimal comma or
# thousands separator is 1000x, a unit change 100x or 1000x; real drift is rarely 100x
OFF_SCALE_FACTOR = 100.0
OFF_SCALE_MIN_VALUES = 20  # present values needed before a batch's median is trusted
_OFF_SCALE_PROBE = 10_000  # leading present values whose median is compared
PARALLEL_MIN_ROWS = 50_000  # below this, thread start-up costs more than it saves
REPEAT_MIN_ROWS = 20_000  # from here, a column of few distinct values is scaled per value
_PROBE = 4_096  # leading values that tell whether a column repeats


def special_input_name(column: str, code: float) -> str:
    """The name of the 0/1 input that marks ``column``'s special value ``code``
    (``late_payments__special=98``): the network's input and the baselines' column alike."""
    return f"{column}{SPECIAL_MARK}{format_code(code)}"


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


@dataclass(frozen=True)
class ScoringRules:
    """How ``transform`` reads a batch to score, beyond what training did (module doc).

    ``day_first``: each text date column's order as training read it; ``missing_shares``:
    each column's share of missing values in the training rows (0 where unknown);
    ``scale``: each numeric column's training 10th and 90th percentiles.
    """

    day_first: dict[str, bool] = field(default_factory=dict)
    missing_shares: dict[str, float] = field(default_factory=dict)
    scale: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class TransformReport:
    """What scoring had to absorb, per column: category values never seen in training
    (``unseen_categories``); missing values in a categorical column whose training rows had
    none (``missing_categories``); both are scored as the shared unknown level, code 0.
    Values of numeric (date) columns that are not numbers (dates), scored as missing, with
    the first of each column's. With ``ScoringRules``: the columns with no value at all in
    the batch (``empty_columns``) and those far off their training scale (``off_scale``:
    the batch median), of ``rows`` rows."""

    unseen_categories: dict[str, int] = field(default_factory=dict)
    unreadable_numbers: dict[str, int] = field(default_factory=dict)
    unreadable_examples: dict[str, str] = field(default_factory=dict)
    unreadable_dates: set[str] = field(default_factory=set)  # which of them are date columns
    missing_categories: dict[str, int] = field(default_factory=dict)
    empty_columns: list[str] = field(default_factory=list)
    off_scale: dict[str, float] = field(default_factory=dict)
    rows: int = 0

    def add(self, other: TransformReport) -> None:
        """Fold in the report of another batch of the same table (a streamed chunk): counts
        summed, the first example and median of each column kept, columns named once."""
        for mine, theirs in ((self.unseen_categories, other.unseen_categories),
                             (self.missing_categories, other.missing_categories),
                             (self.unreadable_numbers, other.unreadable_numbers)):
            for name, count in theirs.items():
                mine[name] = mine.get(name, 0) + count
        for name, example in other.unreadable_examples.items():
            self.unreadable_examples.setdefault(name, example)
        self.unreadable_dates |= other.unreadable_dates
        for name, median in other.off_scale.items():
            self.off_scale.setdefault(name, median)
        self.empty_columns += [n for n in other.empty_columns if n not in self.empty_columns]
        self.rows += other.rows

    def unreadable_message(self) -> str | None:
        """One sentence naming the numeric columns whose values were not numbers, or None."""
        if not self.unreadable_numbers:
            return None
        parts = {False: [], True: []}
        for name, count in self.unreadable_numbers.items():
            parts[name in self.unreadable_dates].append(
                f"'{name}' {count:,} (e.g. {self.unreadable_examples[name]!r})")
        what = " and ".join(f"{kind} in column(s): {', '.join(parts[dates])}" for dates, kind in
                            ((False, "values that are not numbers"),
                             (True, "values that are not dates")) if parts[dates])
        return (f"{what} were scored as missing (the training median); fix them to score "
                "those rows as meant.")

    def empty_message(self) -> str | None:
        """One sentence naming the columns that had no value in any row, or None."""
        if not self.empty_columns:
            return None
        names = ", ".join(repr(name) for name in self.empty_columns)
        return (f"column(s) {names} have no value in any of the {self.rows:,} rows scored, so "
                "every row was scored as if it were missing there (the training median or "
                "missing level), although the model was trained with values; a broken join "
                "or export upstream looks like this. Check the data before using the scores.")

    def off_scale_message(self, scale: dict[str, tuple[float, float]]) -> str | None:
        """One sentence naming the numeric columns far off their training scale, or None;
        ``scale`` is ``ScoringRules.scale``."""
        if not self.off_scale:
            return None
        parts = []
        for name, median in self.off_scale.items():
            low, high = scale[name]
            middle = float(np.sqrt(abs(low * high)))
            power = round(np.log10(max(middle / abs(median), abs(median) / middle)))
            # a power of ten past a million is said as one (10^300x, not 301 digits)
            factor = f"{10 ** power:,}x" if power <= 6 else f"10^{power}x"
            way = "smaller" if abs(median) < middle else "larger"
            parts.append(f"'{name}' about {factor} {way} (median {median:,.6g} here; "
                         f"{low:,.6g} to {high:,.6g} for the middle 80% in training)")
        return (f"column(s) far off the scale the model was trained on: {'; '.join(parts)}. "
                "A thousands separator read as a decimal comma ('64,001' as 64.001, as in a "
                "semicolon-separated file), or a change of unit, does this; check the data "
                "before using the scores.")

    def reading_messages(self, scale: dict[str, tuple[float, float]]) -> list[str]:
        """The sentences every scoring path warns with, in order: values that are not
        numbers or dates, columns with no value, columns far off ``scale``
        (``ScoringRules.scale``). Empty when the rows held none of them."""
        found = (self.unreadable_message(), self.empty_message(), self.off_scale_message(scale))
        return [message for message in found if message]

    def category_message(self) -> str | None:
        """One sentence on the category values scored as the shared unknown level: unseen
        levels and missing values counted apart, or None."""
        parts = []
        for what, counts in (("never seen in training", self.unseen_categories),
                             ("missing, in column(s) with no missing values in training",
                              self.missing_categories)):
            if counts:
                parts.append(f"{what}: " + ", ".join(f"'{name}' {count:,}"
                                                      for name, count in counts.items()))
        if not parts:
            return None
        rows = f"{self.rows:,} row{'' if self.rows == 1 else 's'}"
        return (f"category values scored as the shared unknown level (as rare ones are), of "
                f"{rows}: {'; '.join(parts)}.")

    def warn_categories(self, stacklevel: int = 2) -> None:
        """``category_message`` as a ``FindeepWarning`` (``stacklevel`` counted from the
        caller), when there is one: what every command that scores rows says about them."""
        if message := self.category_message():
            warnings.warn(message, FindeepWarning, stacklevel=stacklevel + 1)


def date_part_names(dates: Collection[str]) -> list[str]:
    """The numeric inputs date columns ``dates`` become, in matrix order:
    ``{date}__days``, ``__year``, ``__month``, ``__dayofweek`` for each."""
    return [f"{name}__{part}" for name in dates for part in DATE_PARTS]


def tie_knots(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantile knots ``q`` (ties common) as (distinct values, each one's middle rank): the
    points the "continuous" tie rule draws its straight lines between."""
    ranks = np.linspace(0.0, 1.0, q.size)
    distinct, first = np.unique(q, return_index=True)
    last = np.r_[first[1:], q.size] - 1
    return distinct, (ranks[first] + ranks[last]) / 2


def date_parts(name: str, stamps: pd.Series) -> dict[str, pd.Series]:
    """The numbers a date column becomes — days since 1970, year, month, day of week —
    named ``{name}__{part}``; the baselines of ``findeep benchmark`` get the same."""
    return {
        f"{name}__days": (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0,
        f"{name}__year": stamps.dt.year.astype(float),
        f"{name}__month": stamps.dt.month.astype(float),
        f"{name}__dayofweek": stamps.dt.day_of_week.astype(float),
    }


def refuse_date_part_names(columns: pd.Index, datetime_columns: list[str]) -> None:
    """A column named as a date column's derived part ('applied_on__year') would be read
    as that part, and the column itself never used: one sentence, before training."""
    parts = {f"{name}__{part}": (name, part) for name in datetime_columns
             for part in DATE_PARTS}
    clashes = [str(c) for c in columns if str(c) in parts]
    if clashes:
        date, part = parts[clashes[0]]
        more = f" ({len(clashes) - 1} more column(s) like it)" if len(clashes) > 1 else ""
        raise DataError(f"column '{clashes[0]}' has the name findeep gives the {part} of date "
                        f"column '{date}', so the date part would replace it{more}; rename it.")


class TabularPreprocessor:
    """Fit on training rows, then map any frame with the same columns to (numeric, categorical)."""

    def __init__(self, *, scaling: Scaling = "quantile", n_quantiles: int = 1000,
                 min_category_count: int = 5,
                 special_values: dict[str, list[float]] | None = None,
                 tie_rule: str = "continuous") -> None:
        if scaling not in SCALINGS:
            raise ConfigError(f"scaling must be one of {', '.join(SCALINGS)}, however: {scaling=}")
        if tie_rule not in TIE_RULES:
            raise ConfigError(f"tie_rule must be one of {', '.join(TIE_RULES)}, however: "
                              f"{tie_rule=}")
        self.scaling = scaling
        self.tie_rule = tie_rule
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
        return names + [special_input_name(self.numeric[j].name, code)
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
                if base.startswith(f"{column}__") and base.split("__")[-1] in DATE_PARTS:
                    return column
            return base
        return [source(n) for n in self.numeric_feature_names]

    def training_scale(self) -> dict[str, tuple[float, float]]:
        """Each numeric column's 10th and 90th training percentiles, read off its fitted
        quantile scaler (``ScoringRules.scale``); standard-scaled columns have none. Date
        parts are left out: a date's scale is its order, checked when it is read."""
        scale: dict[str, tuple[float, float]] = {}
        for state in self.numeric:
            if state.name in self.numeric_columns and len(state.quantiles) >= 2:
                low, high = np.interp([0.1, 0.9], np.linspace(0, 1, len(state.quantiles)),
                                      state.quantiles)
                scale[state.name] = (float(low), float(high))
        return scale

    @property
    def cardinalities(self) -> list[int]:
        """Number of codes per categorical column, including the rare/unseen code 0."""
        return [len(s.levels) + 1 for s in self.categorical]

    # ---- fit / transform ---------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, schema: Schema) -> TabularPreprocessor:
        self.numeric_columns = schema.names_of("numeric")
        self.datetime_columns = schema.names_of("datetime")
        refuse_date_part_names(frame.columns, self.datetime_columns)
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

    def transform(self, frame: pd.DataFrame, rules: ScoringRules | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, TransformReport]:
        """(numeric float32 [n, d_num], categorical int64 [n, n_cat], report).

        ``rules`` (scoring only) read the batch as training read its table and name empty
        and off-scale columns (module doc); without them the frame is read as training
        reads it."""
        n = len(frame)
        report = TransformReport(rows=n)
        present: dict[str, int] = {}  # values per column (rules only), for empty columns
        values_of = self._numeric_values(frame, report, rules, present)
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
            if rules is not None and state.name in self.numeric_columns:
                present[state.name] = int(values.size - missing.sum())  # codes are values
            if j in indicator_of:
                x_num[:, indicator_of[j]] = missing
            for position, code in special_at.get(j, []):
                is_code = values == code
                x_num[:, position] = is_code
                missing |= is_code  # off the scale: imputed like a missing value
            x_num[:, j] = self._scale_repeated(state, np.where(missing, state.median, values))
            if rules is not None and state.name in self.numeric_columns:
                median = _batch_median(values[~missing], rules.scale.get(state.name))
                if median is not None:
                    report.off_scale[state.name] = median

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
            coded = _category_codes(frame[state.name], state, blank_is_missing=rules is not None)
            if coded.unseen:
                report.unseen_categories[state.name] = coded.unseen
            if coded.missing_unknown:
                report.missing_categories[state.name] = coded.missing_unknown
            present[state.name] = n - coded.missing
            x_cat[:, j] = coded.codes
        if rules is not None:
            # in column order (threads fill it in any order); unreadable ones are named already
            report.off_scale = {name: report.off_scale[name] for name in self.numeric_columns
                                if name in report.off_scale
                                and name not in report.unreadable_numbers}
            report.empty_columns = [
                name for name in self.input_columns
                if present.get(name, 1) == 0 and name not in report.unreadable_numbers
                and empty_is_suspicious(n, rules.missing_shares.get(name, 0.0))]
        return np.ascontiguousarray(x_num, dtype=np.float32), x_cat, report

    def unscaled(self, frame: pd.DataFrame, x_num: np.ndarray) -> np.ndarray:
        """``x_num`` (``transform(frame)``'s numeric matrix) before scaling, as float64: each
        scaled column's values with gaps and special codes imputed by the training median,
        as ``transform`` imputes them before it scales; indicator columns as they are. The
        additive path reads a column on its own scale from it (``models/additive.py``)."""
        out = np.array(x_num, dtype=np.float64)  # a copy
        values_of = self._numeric_values(frame)
        for j, state in enumerate(self.numeric):
            values = values_of(state.name)
            off = ~np.isfinite(values)
            if state.special:
                off |= np.isin(values, state.special)
            out[:, j] = np.where(off, state.median, values)
        return out

    @property
    def input_columns(self) -> list[str]:
        """The table's columns this preprocessor reads, in the schema's kind order."""
        return [*self.numeric_columns, *self.datetime_columns,
                *(s.name for s in self.categorical)]

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
        tied = np.any(q[1:] == q[:-1])
        if tied and self.tie_rule == "continuous":
            # a repeated value maps to the middle of its ranks, and values between two
            # distinct training values to the straight line between their middles: no jump
            # an ulp away from a tie (30 and 30.000000001, 0.123 and 12.3%) or below the least
            # value when it repeats (debt -0.01 beside 73% zeros)
            left = np.interp(values, *tie_knots(q))
            return np.clip(ndtri(np.clip(left, 1e-7, 1 - 1e-7)), -_CLIP, _CLIP)
        left = np.interp(values, q, ranks)
        if tied:  # bundles written before the continuous rule ("mid")
            # tied quantiles (a repeated value): average the left- and right-most matching
            # ranks so the tie maps to its middle; without ties both are the same
            right = 1.0 - np.interp(-values, -q[::-1], ranks)
            left = 0.5 * (left + right)
        uniform = np.clip(left, 1e-7, 1 - 1e-7)
        return np.clip(ndtri(uniform), -_CLIP, _CLIP)

    def _numeric_names(self) -> list[str]:
        """Numeric inputs in matrix order: numeric columns, then each date's parts."""
        return [*self.numeric_columns, *date_part_names(self.datetime_columns)]

    def _numeric_values(self, frame: pd.DataFrame, report: TransformReport | None = None,
                        rules: ScoringRules | None = None,
                        present: dict[str, int] | None = None,
                        ) -> Callable[[str], np.ndarray]:
        """``values_of(name)``: one numeric input as float64, made when asked for (date
        parts are computed once per date column, up front: dates are few); numbers written
        as text are read (``data/number_text.py``), and ``report`` counts the values of a
        column that are not numbers. ``rules`` give each text date column its training
        order; ``present`` collects each date column's count of dates."""
        dates: dict[str, pd.Series] = {}
        day_first = {} if rules is None else rules.day_first
        for name in self.datetime_columns:
            stamps = parse_datetimes(frame[name], day_first=day_first.get(name))
            # empty or spaces-only text is a missing date, as an empty CSV cell is
            unreadable = (stamps.isna().to_numpy() & frame[name].notna().to_numpy()
                          & ~_blank_text(frame[name]))
            if unreadable.any() and report is not None:  # "garbage", "2021-02-30"
                report.unreadable_numbers[name] = int(unreadable.sum())
                report.unreadable_examples[name] = str(frame[name][unreadable].iloc[0])
                report.unreadable_dates.add(name)
            if present is not None:
                present[name] = int(stamps.notna().sum())
            dates |= date_parts(name, stamps)

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
            "tie_rule": self.tie_rule,
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
                  special_values=data.get("special_values"),  # older bundles: none
                  # bundles written before the continuous rule jump at a tie, as they did
                  tie_rule=data.get("tie_rule", "mid"))
        pre.numeric_columns = list(data["numeric_columns"])
        pre.datetime_columns = list(data["datetime_columns"])
        pre.numeric = [NumericState(**s) for s in data["numeric"]]
        pre.categorical = [CategoricalState(**s) for s in data["categorical"]]
        return pre


@dataclass(frozen=True)
class _CategoryCodes:
    codes: np.ndarray  # 0 = rare, unseen, or missing where training had no missing level
    unseen: int  # values never seen in training (rare ones were seen)
    missing_unknown: int  # missing values scored as code 0: training had none
    missing: int  # missing values in all


def _category_codes(values: pd.Series, state: CategoricalState, *,
                    blank_is_missing: bool = False) -> _CategoryCodes:
    """Codes (0 = rare or unseen) and counts of unseen and missing values.

    Rare training values also map to 0, but are not counted as unseen; missing values are
    counted apart. A yes/no column's spellings are one level: "TRUE", "true" and the
    boolean True all find the level training saw (a CSV reader makes booleans of what a
    Parquet file keeps as text). ``blank_is_missing`` (scoring) reads empty or spaces-only
    text as missing unless training learned that very text.
    """
    known = [*state.levels, *state.rare]
    if _is_arrow_text(values) and not _boolean_aliases(state):
        # look the strings up in Arrow: no Python string objects (10x faster for 1M rows)
        text = pa.array(values).fill_null(MISSING_LEVEL)
        if blank_is_missing:
            blank = pc.and_(pc.equal(pc.utf8_trim_whitespace(text), ""),
                            pc.invert(pc.is_in(text, value_set=pa.array(known, type=text.type))))
            text = pc.if_else(blank, pa.scalar(MISSING_LEVEL, type=text.type), text)
        index = pc.index_in(text, value_set=pa.array(state.levels, type=text.type))
        codes = index.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
        is_missing = pc.equal(text, MISSING_LEVEL).to_numpy(zero_copy_only=False)
        unknown = codes == 0
        if not unknown.any():
            return _CategoryCodes(codes, 0, 0, int(is_missing.sum()))
        rare = pc.is_in(text, value_set=pa.array(state.rare, type=text.type))
        counted = unknown & ~rare.to_numpy(zero_copy_only=False)
        return _CategoryCodes(codes, int((counted & ~is_missing).sum()),
                              int((counted & is_missing).sum()), int(is_missing.sum()))
    text = scored_level_text(values, state, blank_is_missing=blank_is_missing)
    codes = pd.Index(state.levels, dtype=object).get_indexer(text) + 1  # -1 -> 0
    is_missing = (text == MISSING_LEVEL).to_numpy()
    unknown = codes == 0
    if not unknown.any():
        return _CategoryCodes(codes, 0, 0, int(is_missing.sum()))
    counted = unknown & ~text.isin(state.rare).to_numpy()
    return _CategoryCodes(codes, int((counted & ~is_missing).sum()),
                          int((counted & is_missing).sum()), int(is_missing.sum()))


def scored_level_text(values: pd.Series, state: CategoricalState, *,
                      blank_is_missing: bool = True) -> pd.Series:
    """A categorical column's values as the level texts scoring looks up (``<missing>`` for
    missing): a yes/no column's spellings are its levels, and with ``blank_is_missing``
    empty or spaces-only text training did not learn reads as missing. Drift bins this, so
    that it counts as never seen exactly what scoring scores as unseen."""
    text = as_level_text(values)
    if blank_is_missing:
        text = _blank_as_missing(text, [*state.levels, *state.rare])
    aliases = _boolean_aliases(state)
    if aliases:
        text = text.where(~text.str.lower().isin(aliases.keys()),
                          text.str.lower().map(aliases))
    return text


def _blank_as_missing(text: pd.Series, known: list[str]) -> pd.Series:
    """``text`` with empty or spaces-only values that training did not learn as levels
    read as missing; checked once per distinct value, not per row."""
    blanks = [v for v in pd.unique(text) if is_unlearned_blank(v, known)]
    return text.where(~text.isin(blanks), MISSING_LEVEL) if blanks else text


def is_unlearned_blank(value: object, known: Collection[str]) -> bool:
    """Whether scoring reads ``value`` as missing: empty or spaces-only text that training
    did not learn as a level (``known``: the levels and rare values). The one rule behind
    ``_blank_as_missing`` and the records encoder; the Arrow path states it in Arrow."""
    return isinstance(value, str) and not value.strip() and value not in known


def _blank_text(values: pd.Series) -> np.ndarray:
    """Rows holding empty or spaces-only text, or a missing word or spreadsheet error ("-",
    "#VALUE!"), in any dtype (checked per distinct value): a missing date, not an unreadable
    one."""
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return np.zeros(len(values), dtype=bool)
    blanks = [v for v in pd.unique(values.dropna())
              if isinstance(v, str) and v.strip().lower() in MISSING_WORDS]
    return values.isin(blanks).to_numpy() if blanks else np.zeros(len(values), dtype=bool)


def empty_is_suspicious(n_rows: int, training_missing_share: float) -> bool:
    """Whether a column with no value in ``n_rows`` rows is worth naming: the batch has at
    least ``EMPTY_MIN_ROWS`` rows, and ``n_rows`` training rows would all be missing there
    less than once in 1 / ``EMPTY_CHANCE`` draws (the training share missing, to the
    power of the batch size). A column 0% missing in training is named from 20 rows; 90%
    missing, from 66."""
    return n_rows >= EMPTY_MIN_ROWS and training_missing_share ** n_rows < EMPTY_CHANCE


def _batch_median(values: np.ndarray, scale: tuple[float, float] | None) -> float | None:
    """The batch median of a numeric column's present values where it lies
    ``OFF_SCALE_FACTOR`` times or more outside ``scale`` (the training 10th and 90th
    percentiles, both of one sign), else None."""
    if scale is None or values.size < OFF_SCALE_MIN_VALUES:
        return None
    low, high = scale
    if not (low > 0 or high < 0):  # training values straddle 0: no scale to compare
        return None
    median = float(np.median(values[:_OFF_SCALE_PROBE]))
    if median == 0 or (median > 0) != (low > 0):
        return None
    near, far = sorted((abs(low), abs(high)))
    if abs(median) * OFF_SCALE_FACTOR <= near or abs(median) >= far * OFF_SCALE_FACTOR:
        return median
    return None


def _boolean_aliases(state: CategoricalState) -> dict[str, str]:
    """``{"true": level, "false": level, "1": level, "0": level}`` for the levels of a
    yes/no column spelt as booleans (any case), else empty: a flag trained as ``bool`` and
    scored as 1/0 (an integer column, a database export) means the same."""
    if len(state.levels) + len(state.rare) > 3:  # a yes/no column: two levels and missing
        return {}
    known = [*state.levels, *state.rare]
    aliases = {level.lower(): level for level in known if level.lower() in ("true", "false")}
    return aliases | {number: aliases[word] for number, word in (("1", "true"), ("0", "false"))
                      if word in aliases and number not in known}  # a level stays itself


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
    if pd.api.types.is_integer_dtype(values):  # exact: as floats, codes past 2**53 would merge
        text = values.astype(str).to_numpy(dtype=object)
    elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
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
    # whole floats under 2**53 as integers (1.0 is '1'); past it a float is no exact code, and
    # is written as a float column writes it ('1e+16')
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, np.generic):
        return _level_text(value.item())
    return str(value)
