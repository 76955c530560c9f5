"""Explanations of a multiclass blend: Shapley values of the blend itself, sampled over
column orders.

A binary or regression blend averages its parts' log-odds (values), so the network's
Integrated Gradients and CatBoost's own SHAP values, weighted by their shares, add up to the
blend's output (``attributions._with_partner``). A multiclass blend averages probabilities,
whose log-odds do not split that way. So here the blend is explained as one function of the
row's columns: the explained class's log-odds against the rest, from a baseline row (the
reference population's typical row: each numeric or date column's median, each other
column's most frequent value) to the row, with each column's Shapley value estimated by
walking ``PERMUTATIONS`` column orders (antithetic pairs: an order and its reverse). Each
walk's steps add up exactly to the output less the baseline's, so their average does too;
the draws are seeded, so the same row gets the same values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from findeep.data.number_text import numbers_of
from findeep.pipeline import TabularPipeline

PERMUTATIONS = 8  # column orders walked per call (four and their reverses)
LOG_FLOOR = 1e-12  # probabilities are clipped here before their logs


def baseline_row(pipeline: TabularPipeline, population: pd.DataFrame) -> pd.DataFrame:
    """One row: each numeric or date column's median in ``population`` (the value of the
    row at the middle, so the column keeps its type), each other column's most frequent
    value."""
    values: dict[str, object] = {}
    for spec in pipeline.schema.columns:
        if spec.name not in pipeline.schema.used_names:
            continue
        column = population[spec.name].reset_index(drop=True)
        if spec.kind in ("numeric", "datetime"):
            order = (numbers_of(column) if spec.kind == "numeric"
                     else pd.to_datetime(column, errors="coerce").astype("int64").astype(float)
                     .where(column.notna()))
            present = np.flatnonzero(np.isfinite(np.asarray(order, dtype=float)))
            if present.size:
                middle = present[np.argsort(np.asarray(order, dtype=float)[present],
                                            kind="stable")[present.size // 2]]
                values[spec.name] = column.iloc[middle]
                continue
        counts = column.value_counts(dropna=False)
        values[spec.name] = counts.index[0] if len(counts) else None
    return pd.DataFrame([values])


def class_log_odds(pipeline: TabularPipeline) -> Callable[[pd.DataFrame], np.ndarray]:
    """``frame -> (n, classes)``: the blend's log p_c - log(1 - p_c) for every class."""
    def log_odds(frame: pd.DataFrame) -> np.ndarray:
        probabilities, _ = pipeline.predict_raw(frame)
        p = np.clip(np.asarray(probabilities, dtype=np.float64), LOG_FLOOR, 1.0 - LOG_FLOOR)
        return np.log(p) - np.log1p(-p)
    return log_odds


def sampled_shapley(function: Callable[[pd.DataFrame], np.ndarray], rows: pd.DataFrame,
                    baseline: pd.DataFrame, classes: np.ndarray, *,
                    permutations: int = PERMUTATIONS, seed: int = 0,
                    on_walk: Callable[[int, int], None] | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row and column of ``rows``, the Shapley value of ``function``'s output for that
    row's class in ``classes``, from ``baseline`` (one row) to the row; also each row's
    output and the baseline's. ``on_walk(done, total)`` is called after each column order."""
    columns = list(rows.columns)
    n, m = len(rows), len(columns)
    pick = np.arange(n)
    start = baseline.loc[baseline.index.repeat(n)].reset_index(drop=True)[columns]
    rows = rows.reset_index(drop=True)
    at_start = function(start)[pick, classes]
    values = np.zeros((n, m))
    rng = np.random.default_rng(seed)
    orders: list[np.ndarray] = []
    while len(orders) < permutations:
        order = rng.permutation(m)
        orders += [order, order[::-1]]
    orders = orders[:permutations]
    for walked, order in enumerate(orders, start=1):
        current, before = start.copy(), at_start
        for j in order:
            current[columns[j]] = rows[columns[j]].to_numpy()
            after = function(current)[pick, classes]
            values[:, j] += after - before
            before = after
        if on_walk is not None:
            on_walk(walked, len(orders))
    values /= len(orders)
    return values, before, at_start
