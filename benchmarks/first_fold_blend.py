"""The forty-first session's blend checks start alike: a panel table's first benchmark fold
(seed 0, as ``blend_bundle.py`` draws them) and `default+catboost` fitted on its training rows
as `findeep train --model default+catboost` fits it."""

from __future__ import annotations

import warnings

import pandas as pd

import findeep.benchmark as benchmark_module
from findeep.pipeline import TabularPipeline, fit_tabular


def first_fold_blend(frame: pd.DataFrame, target: str, n_folds: int
                     ) -> tuple[TabularPipeline, pd.DataFrame, int]:
    """(the fitted blend, the test fold's rows, the table's column count)."""
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    train, test = folds[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline = fit_tabular(table.X.iloc[train], table.y.iloc[train], task="binary",
                               model="default+catboost", seed=0, verbose=0)
    return pipeline, table.X.iloc[test], table.X.shape[1]
