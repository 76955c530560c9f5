"""Encode a few records (dicts) for the network without building a DataFrame.

A web request carries one record or a short list of them; for those, pandas' per-call
overhead costs more than the network itself. ``RecordEncoder`` holds a fitted
``TabularPreprocessor``'s state as numpy arrays and lookup dicts built once, and applies
the same formulas as ``TabularPreprocessor.transform`` — a test pins that both give
identical arrays, so a record scored alone scores as it does in a batch.

Records must already hold typed values: numbers (or ``None``) for numeric columns,
``datetime``/``date`` objects (or ``None``) for date columns, and scalars (or ``None``)
for categoricals — what the serving layer's validation produces.

Records are always scored, never trained on, so the encoder follows ``ScoringRules`` as
the batch path does when scoring: empty or spaces-only text in a categorical column is
missing (unless training learned that very text), and ``report(unseen, records)`` counts
missing values apart from unseen levels and names empty and off-scale columns.

A category value becomes the level text batch scoring reads from its row scored alone,
through the batch path's own rules: ``as_level_text`` for numbers (1, 1.0 and "1" are one
level), ``is_unlearned_blank`` for blank text, ``_boolean_aliases`` for a yes/no column's
spellings ("TRUE", "true" and true are its level "True"). Each value is read on its own,
never with its neighbours, so a record scores the same alone, in a list, or in a batch the
server merged from several requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import ndtri

from findeep.features.tabular import (
    _CLIP,
    DATE_PARTS,
    MISSING_LEVEL,
    ScoringRules,
    TabularPreprocessor,
    TransformReport,
    _batch_median,
    _boolean_aliases,
    _level_text,
    as_level_text,
    empty_is_suspicious,
    is_unlearned_blank,
    tie_knots,
)

_SECONDS_PER_DAY = 86400.0
_EPOCH = dt.datetime(1970, 1, 1)
_ONE_MICROSECOND = dt.timedelta(microseconds=1)
_MICROS_PER_DAY = 86_400_000_000
_NAT = np.iinfo(np.int64).min  # numpy's NaT
# below this size a number's level text is the same per value (``_level_text``) and per
# column (``as_level_text``: float64, then whole numbers as integers); from it the column
# rule writes float text (2**60 -> "1.152921504606847e+18")
_EXACT_INTEGERS = 2**53


class _Category(NamedTuple):
    """One categorical column's lookups, built once."""

    name: str
    codes: dict[str, int]  # level -> code; 0 = rare or unseen
    rare: set[str]
    known: set[str]  # levels and rare values: blank text training learned stays a level
    spellings: dict[str, str]  # yes/no column: lower-case spelling -> level (else empty)


class RecordEncoder:
    """``transform`` for lists of dicts, with every per-column constant precomputed."""

    def __init__(self, preprocessor: TabularPreprocessor,
                 rules: ScoringRules | None = None) -> None:
        """``rules``: the pipeline's ``scoring_rules`` (training's missing shares and scale,
        for ``report``); without them a column is taken as never missing in training and
        no scale is checked."""
        self.preprocessor = preprocessor
        self.rules = rules or ScoringRules()
        self.scaling = preprocessor.scaling
        self.numeric_columns = list(preprocessor.numeric_columns)
        self.datetime_columns = list(preprocessor.datetime_columns)
        states = preprocessor.numeric
        self._medians = np.array([s.median for s in states], dtype=np.float64)
        self._means = np.array([s.mean for s in states], dtype=np.float64)
        self._stds = np.array([s.std for s in states], dtype=np.float64)
        self._indicator_columns = [j for j, s in enumerate(states) if s.indicator]
        self._special_inputs = preprocessor.special_inputs  # (column, code) per indicator
        # quantile scaling: (knots, reversed negated knots or None without ties, ranks), or
        # None for a constant column
        self._grids: list[tuple[np.ndarray, np.ndarray | None, np.ndarray] | None] = []
        for state in states:
            q = np.asarray(state.quantiles)
            if self.scaling != "quantile" or q.size < 2 or q[0] == q[-1]:
                self._grids.append(None)
            else:
                ties = bool(np.any(q[1:] == q[:-1]))
                ranks = np.linspace(0.0, 1.0, q.size)
                if ties and preprocessor.tie_rule == "continuous":  # distinct knots, middles
                    distinct, middles = tie_knots(q)
                    self._grids.append((distinct, None, middles))
                else:
                    self._grids.append((q, -q[::-1] if ties else None, ranks))
        self._categorical = [
            _Category(state.name, {level: i + 1 for i, level in enumerate(state.levels)},
                      set(state.rare), {*state.levels, *state.rare}, _boolean_aliases(state))
            for state in preprocessor.categorical
        ]

    @property
    def raw_names(self) -> list[str]:
        """The columns of ``raw_numbers``: each numeric column, then each date's parts
        named as the baselines name them (``applied_on__year``)."""
        return [*self.numeric_columns, *(f"{name}__{part}" for name in self.datetime_columns
                                         for part in DATE_PARTS)]

    @property
    def n_numeric_features(self) -> int:
        return len(self._medians) + len(self._indicator_columns) + len(self._special_inputs)

    def encode(self, records: Sequence[Mapping[str, Any]],
               ) -> tuple[np.ndarray, np.ndarray, TransformReport]:
        """(numeric float32 [n, d_num], categorical int64 [n, n_cat], report), as ``transform``."""
        x_num, x_cat, unseen = self.encode_rows(records)
        return x_num, x_cat, self.report(unseen, records)

    def encode_rows(self, records: Sequence[Mapping[str, Any]], raw: np.ndarray | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Like ``encode``, but with a per-row ``unseen`` mask [n, n_cat] instead of a report.

        Lets a caller that merged several requests into one batch report each one's own;
        ``raw``: ``raw_numbers(records)`` where the caller has read them already.
        """
        if raw is None:
            raw = self.raw_numbers(records)  # (n, n_numeric) float64, NaN = missing
        missing = np.isnan(raw)
        parts = [missing[:, self._indicator_columns].astype(np.float32)]
        off_scale = missing.copy()
        if self._special_inputs:  # as TabularPreprocessor.transform: imputed, own indicator
            special = np.stack([raw[:, j] == code for j, code in self._special_inputs], axis=1)
            for i, (j, _) in enumerate(self._special_inputs):
                off_scale[:, j] |= special[:, i]
            parts.append(special.astype(np.float32))
        filled = np.where(off_scale, self._medians, raw)
        x_num = np.concatenate([self._scale(filled).astype(np.float32), *parts], axis=1)
        n = len(records)
        x_cat = np.zeros((n, len(self._categorical)), dtype=np.int64)
        unseen = np.zeros((n, len(self._categorical)), dtype=bool)
        for j, column in enumerate(self._categorical):
            texts = _category_texts(records, column)
            codes = [column.codes.get(text, 0) for text in texts]
            x_cat[:, j] = codes
            # rare training values also map to 0, but only never-seen ones are reported;
            # missing values are counted apart (``report``)
            unseen[:, j] = [code == 0 and text not in column.rare and text != MISSING_LEVEL
                            for text, code in zip(texts, codes, strict=True)]
        return np.ascontiguousarray(x_num, dtype=np.float32), x_cat, unseen

    def report(self, unseen: np.ndarray,
               records: Sequence[Mapping[str, Any]] | None = None) -> TransformReport:
        """The ``TransformReport`` for rows whose unseen mask is ``unseen``; with the
        ``records`` themselves, also the missing values of categorical columns that had
        none in training, and the empty and off-scale columns (as the batch path's
        ``transform`` with ``ScoringRules``)."""
        counts = unseen.sum(axis=0).tolist()
        report = TransformReport({column.name: int(count) for column, count
                                  in zip(self._categorical, counts, strict=True) if count},
                                 rows=len(unseen))
        if records is None:
            return report
        present: dict[str, int] = {}
        for name in [*self.numeric_columns, *self.datetime_columns]:
            values = [r[name] for r in records]
            present[name] = sum(v is not None and v == v for v in values)  # NaN != NaN
            if name in self.rules.scale:
                numbers = np.array([v for v in values if v is not None], dtype=np.float64)
                median = _batch_median(numbers[np.isfinite(numbers)], self.rules.scale[name])
                if median is not None:
                    report.off_scale[name] = median
        for column in self._categorical:
            texts = _category_texts(records, column)
            present[column.name] = sum(text != MISSING_LEVEL for text in texts)
            if MISSING_LEVEL not in column.known:
                missing = len(texts) - present[column.name]
                if missing:
                    report.missing_categories[column.name] = missing
        report.empty_columns = [
            name for name in self.preprocessor.input_columns if present.get(name, 1) == 0
            and empty_is_suspicious(len(records), self.rules.missing_shares.get(name, 0.0))]
        return report

    def raw_numbers(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Numeric columns then four parts per date column (``raw_names``), unscaled,
        NaN where missing."""
        columns = [np.array([r[name] for r in records], dtype=np.float64)
                   for name in self.numeric_columns]
        for name in self.datetime_columns:
            columns += _date_parts([r[name] for r in records])
        if not columns:
            return np.empty((len(records), 0), dtype=np.float64)
        return np.column_stack(columns)

    def _scale(self, values: np.ndarray) -> np.ndarray:
        """Elementwise the same arithmetic as ``TabularPreprocessor._scale``."""
        if self.scaling == "standard":
            return np.clip((values - self._means) / self._stds, -_CLIP * 2, _CLIP * 2)
        uniform = np.empty_like(values)
        constant = np.zeros(values.shape[1], dtype=bool)
        for j, grid in enumerate(self._grids):
            if grid is None:
                constant[j] = True
                uniform[:, j] = 0.5
                continue
            q, negated_reversed, ranks = grid
            left = np.interp(values[:, j], q, ranks)
            if negated_reversed is not None:  # "mid" ties (older bundles): the tie's middle
                right = 1.0 - np.interp(-values[:, j], negated_reversed, ranks)
                left = 0.5 * (left + right)
            uniform[:, j] = left
        scaled = np.clip(ndtri(np.clip(uniform, 1e-7, 1 - 1e-7)), -_CLIP, _CLIP)
        scaled[:, constant] = 0.0
        return scaled


def _text(value: Any) -> str:
    """``as_level_text`` of ``value`` alone in a column: the text batch scoring reads from
    it in a row scored alone. Text (the common case) is returned as is; None, booleans and
    finite numbers under 2**53 take the per-value rule ``_level_text``, which writes them
    as the column rule does, at a hundredth of the cost (<1 vs ~100 us); anything else
    (NaN, infinities, 2**60, numpy scalars) goes through ``as_level_text`` itself."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return MISSING_LEVEL
    if kind in (int, float, bool) and -_EXACT_INTEGERS < value < _EXACT_INTEGERS:  # NaN: False
        return _level_text(value)
    return str(as_level_text(pd.Series([value])).iloc[0])


def _category_texts(records: Sequence[Mapping[str, Any]], column: _Category) -> list[str]:
    """One categorical column's values as the level text batch scoring reads (module doc):
    ``_text`` per value, then, in the batch path's order, empty or spaces-only text
    training did not learn as missing, and a yes/no column's spellings as its levels."""
    texts = [_text(r[column.name]) for r in records]
    texts = [MISSING_LEVEL if is_unlearned_blank(text, column.known) else text
             for text in texts]
    if column.spellings:  # as _category_codes: text.str.lower() looked up in the aliases
        texts = [column.spellings.get(text.lower(), text) for text in texts]
    return texts


def _micros(value: Any) -> int:
    """Microseconds since 1970-01-01 of a datetime (aware ones in UTC) or date; NaT for None."""
    if value is None:
        return _NAT
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return (value - _EPOCH) // _ONE_MICROSECOND
    return (value - _EPOCH.date()).days * _MICROS_PER_DAY


def _date_parts(values: list[Any]) -> list[np.ndarray]:
    """Days since 1970, year, month and day of week (Monday = 0); NaN where missing.

    Aware times are converted to UTC first, as ``tz_convert(None)`` does in the batch path.
    """
    # integer microseconds per value, then one array: numpy's own conversion of datetime
    # objects is ~7x slower (3.1 vs 0.5 ms for 1,000 values)
    micros = np.array([_micros(value) for value in values], dtype=np.int64)
    missing = micros == _NAT
    stamps = micros.view("datetime64[us]")
    days = micros / 1e6 / _SECONDS_PER_DAY
    year = stamps.astype("datetime64[Y]").view(np.int64) + 1970.0
    month = stamps.astype("datetime64[M]").view(np.int64) % 12 + 1.0
    weekday = (micros // 86_400_000_000 + 3) % 7.0  # 1970-01-01 was a Thursday (3)
    parts = [days, year, month, weekday]
    for part in parts:
        part[missing] = np.nan
    return parts
