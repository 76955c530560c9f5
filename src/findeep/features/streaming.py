"""Fit ``TabularPreprocessor``'s state in one pass over record batches, in bounded memory.

Three summaries are kept while the training rows stream past:

- a *bottom-k row sample*: the ``sample_rows`` training rows with the smallest hash
  priority (``data/stream.row_uniform``). It is a mergeable sketch — the same rows win
  whatever the batch order or the number of processes — and it gives the quantiles and
  medians (200,000 rows: rank error ~0.2%, below the 1/1000 quantile grid's own step),
  the network's numeric bin edges and the bundle's drift profile;
- exact category counts, capped at ``max_levels`` distinct values per column (beyond the
  cap only the commonest are kept, so a rare level can lose a handful of counts);
- exact missing counts (the missing indicators) and exact sums for standard scaling;
- exact counts of each special value (``TabularPreprocessor.special_values``: codes such as
  96/98 kept off a column's scale), which the sums and quantiles leave out, as in memory.

The result is a ``TabularPreprocessor`` whose JSON state has the same fields as one
fitted in memory, so bundles, scoring and serving cannot tell them apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from findeep.data.schema import Schema
from findeep.errors import DataError
from findeep.features.tabular import (
    TabularPreprocessor,
    as_level_text,
    refuse_date_part_names,
)

SAMPLE_ROWS = 200_000
MAX_LEVELS = 100_000  # distinct values counted per categorical column


@dataclass
class StreamedFit:
    """Accumulates the training rows' summaries; ``finish`` returns the fitted state."""

    schema: Schema
    preprocessor: TabularPreprocessor
    sample_rows: int = SAMPLE_ROWS
    max_levels: int = MAX_LEVELS
    rows: int = 0
    _sample: pd.DataFrame | None = None
    _priority: np.ndarray = field(default_factory=lambda: np.empty(0))
    _counts: dict[str, Counter] = field(default_factory=dict)
    _missing: dict[str, int] = field(default_factory=dict)
    _sums: dict[str, list[float]] = field(default_factory=dict)  # n, sum, sum of squares
    special_counts: dict[str, dict[float, int]] = field(default_factory=dict)  # rows per code

    def __post_init__(self) -> None:
        self.preprocessor.numeric_columns = self.schema.names_of("numeric")
        self.preprocessor.datetime_columns = self.schema.names_of("datetime")
        refuse_date_part_names(pd.Index(self.schema.used_names),
                                self.preprocessor.datetime_columns)  # before the pass
        self._categorical = self.schema.names_of("categorical")
        self._counts = {name: Counter() for name in self._categorical}
        self.special_counts = {name: dict.fromkeys(codes, 0)
                               for name, codes in self.preprocessor.special_values.items()}

    def update(self, frame: pd.DataFrame, priority: np.ndarray) -> None:
        """Add training rows ``frame`` (features only) with their sample priorities."""
        if len(frame) == 0:
            return
        self.rows += len(frame)
        numbers = self.preprocessor._numeric_frame(frame)
        for name in numbers.columns:
            values = numbers[name].to_numpy(dtype=np.float64)
            finite = np.isfinite(values)
            self._missing[name] = self._missing.get(name, 0) + int((~finite).sum())
            codes = self.special_counts.get(name)
            if codes:  # counted, and kept out of the sums as out of the quantiles
                for code in codes:
                    codes[code] += int((values == code).sum())
                finite &= ~np.isin(values, list(codes))
            present = values[finite]
            n, total, squares = self._sums.get(name, [0.0, 0.0, 0.0])
            self._sums[name] = [n + present.size, total + float(present.sum()),
                                squares + float(np.square(present).sum())]
        for name in self._categorical:
            counts = self._counts[name]
            counts.update(as_level_text(frame[name]).value_counts().to_dict())
            if len(counts) > self.max_levels:
                self._counts[name] = Counter(dict(counts.most_common(self.max_levels)))
        self._add_to_sample(frame, priority)

    def _add_to_sample(self, frame: pd.DataFrame, priority: np.ndarray) -> None:
        if len(self._priority) >= self.sample_rows:
            cut = self._priority.max()
            keep = priority < cut
            if not keep.any():
                return
            frame, priority = frame.loc[keep], priority[keep]
        merged = frame.reset_index(drop=True) if self._sample is None else pd.concat(
            [self._sample, frame], ignore_index=True)
        priorities = np.concatenate([self._priority, priority])
        if len(priorities) > self.sample_rows:
            best = np.argpartition(priorities, self.sample_rows - 1)[:self.sample_rows]
            best.sort()
            merged, priorities = merged.iloc[best].reset_index(drop=True), priorities[best]
        self._sample, self._priority = merged, priorities

    @property
    def sample(self) -> pd.DataFrame:
        """The bottom-k rows, in priority order (the same order whatever the batches were)."""
        if self._sample is None:
            raise DataError("no training rows were read; the data has no rows to train on.")
        return self._sample.iloc[np.argsort(self._priority, kind="stable")].reset_index(drop=True)

    def finish(self) -> TabularPreprocessor:
        """The fitted preprocessor: sample quantiles, exact counts, exact missing rates."""
        pre = self.preprocessor
        pre.fit(self.sample, self.schema)
        for state in pre.numeric:
            n, total, squares = self._sums[state.name]
            if n == 0:
                raise DataError(f"numeric column '{state.name}' has no values in the training "
                                "rows.")
            state.indicator = self._missing[state.name] > 0
            if pre.scaling == "standard":
                state.mean = total / n
                state.std = float(np.sqrt(max(squares / n - state.mean**2, 0.0))) or 1.0
        for state in pre.categorical:
            counts = self._counts[state.name]
            state.levels = sorted(k for k, c in counts.items() if c >= pre.min_category_count)
            state.rare = sorted(k for k, c in counts.items() if c < pre.min_category_count)
        return pre
