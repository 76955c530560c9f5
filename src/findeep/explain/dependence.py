"""Partial dependence: the model's average score as one column sweeps its range.

Data to plot, one long table (column, value, average score; one average per class for a
multiclass model). Numeric columns sweep quantiles of their non-missing values between
``percentiles``; categorical columns their observed values, missing included. The score
is the event probability (binary), each class's probability, or the prediction.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from findeep.data.profile import as_numbers
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.pipeline import TabularPipeline

MAX_GRID = 1_000  # grid points per column


def partial_dependence_table(
    pipeline: TabularPipeline, frame: pd.DataFrame, columns: Sequence[str], *,
    grid_resolution: int = 20, percentiles: tuple[float, float] = (0.05, 0.95),
) -> pd.DataFrame:
    """Columns ``column``, ``value``, ``average`` (mean score over ``frame``'s rows); a
    multiclass model has ``average_<class>``, the mean probability of each class, instead."""
    if not isinstance(grid_resolution, int) or not 2 <= grid_resolution <= MAX_GRID:
        raise ConfigError(f"grid_resolution must be an integer of at least 2 and at most "
                          f"{MAX_GRID} (each point scores every row once), however: "
                          f"{grid_resolution=}")
    low, high = percentiles
    if not 0.0 <= low < high <= 1.0:
        raise ConfigError(f"percentiles must satisfy 0 <= low < high <= 1, however: "
                          f"{percentiles=}")
    pipeline.check_frame(frame)
    kinds = {c.name: c.kind for c in pipeline.schema.used}
    features = frame[pipeline.schema.used_names]
    for column in columns:  # every column checked before the first sweep
        if column not in kinds:
            raise ConfigError(_not_an_input(pipeline, column, kinds))
        if kinds[column] == "datetime":
            raise ConfigError(f"partial dependence covers numeric and categorical columns; "
                              f"'{column}' is a date.")
    # what the rows hold that the model cannot score as meant, said once for the rows as
    # given (the sweeps score each row once per grid value, which would multiply the counts)
    pipeline.transform(features)[2].warn_categories()
    names = _average_names(pipeline)
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        for column in columns:
            parts.append(_column_table(pipeline, features, column, kinds[column], names,
                                       grid_resolution, low, high))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["column", "value", *names])


def _column_table(pipeline: TabularPipeline, features: pd.DataFrame, column: str, kind: str,
                  names: list[str], grid_resolution: int, low: float, high: float
                  ) -> pd.DataFrame:
    """One column's rows of ``partial_dependence_table``."""
    grid = (_levels(features[column]) if kind == "categorical"
            else _numeric_grid(features[column], column, grid_resolution, low, high))
    averages = _sweep(pipeline, features, column, grid).reshape(len(grid), -1)  # (G, 1|C)
    return pd.DataFrame({"column": column, "value": grid,
                         **dict(zip(names, averages.T, strict=True))})


def _average_names(pipeline: TabularPipeline) -> list[str]:
    """``average``, or one ``average_<class>`` per class of a multiclass model."""
    if pipeline.task != "multiclass":
        return ["average"]
    return [f"average_{label}" for label in pipeline.target.classes]


def _not_an_input(pipeline: TabularPipeline, column: str, kinds: dict[str, str]) -> str:
    """Why ``column`` cannot be swept: left out at training (and as what), or unknown."""
    known = {c.name: c.kind for c in pipeline.schema.columns}
    if column == pipeline.target.name:
        return (f"'{column}' is the model's target, which it predicts: sweep one of its "
                f"inputs ({', '.join(list(kinds)[:6])}{', …' if len(kinds) > 6 else ''}).")
    if column in known:
        return (f"'{column}' is not an input of the model: training left it out as "
                f"{'an identifier' if known[column] == 'id' else 'a constant'}.")
    suggestion = did_you_mean(column, kinds)
    return f"'{column}' is not an input of the model." + (suggestion or (
        " (A time column used to split the training data is not an input either.)"))


def _sweep(pipeline: TabularPipeline, features: pd.DataFrame, column: str,
           grid: np.ndarray) -> np.ndarray:
    """Mean score over ``features``' rows with ``column`` set to each grid value in turn.

    scikit-learn's ``partial_dependence`` does this too, but sorts categories and so fails
    on a categorical column with missing values (a level of its own here); one batched
    prediction over all grid values is also cheaper than its call per value.
    """
    swept = pd.concat([features] * len(grid), ignore_index=True)
    dtype = features[column].dtype
    if dtype.kind in "iu" and grid.dtype.kind == "f" and not np.all(grid == np.round(grid)):
        dtype = np.dtype("float64")  # quantiles of an integer column (amounts) fall between
    swept[column] = pd.Series(np.repeat(grid, len(features)), dtype=dtype)
    prediction, _ = pipeline.predict_raw(swept)
    score = (pipeline.event_probability(prediction) if pipeline.task == "binary"
             else np.asarray(prediction, dtype=float))  # (G*N,) or (G*N, C) for multiclass
    return score.reshape(len(grid), len(features), *score.shape[1:]).mean(axis=1)


def _levels(values: pd.Series) -> np.ndarray:
    """Observed values in text order, missing (if any) last."""
    present = values.dropna().unique()
    ordered = sorted(present, key=str)
    return np.array([*ordered, *([None] if values.isna().any() else [])], dtype=object)


def _numeric_grid(values: pd.Series, column: str, grid_resolution: int, low: float,
                  high: float) -> np.ndarray:
    numbers = as_numbers(values, "numeric")
    present = numbers[np.isfinite(numbers)]
    if present.size == 0:
        raise DataError(f"column '{column}' has no values to sweep.")
    grid = np.unique(np.quantile(present, np.linspace(low, high, grid_resolution)))
    return grid
