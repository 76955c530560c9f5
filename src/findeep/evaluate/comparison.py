"""How models are compared over the same folds: which metrics per task, which way is better,
and plain words for a paired difference.

Pure definitions, below the pipeline, so anything that reads fold results (``benchmark.py``,
the CLI's tables, verdict lines) takes them from here rather than from the benchmark runner.
"""

from __future__ import annotations

import numpy as np

FOLD_METRICS = {"binary": ("roc_auc", "pr_auc", "log_loss", "brier", "ks"),
                "multiclass": ("accuracy", "log_loss", "roc_auc"),
                "regression": ("r2", "rmse", "mae")}
HIGHER_IS_BETTER = {"roc_auc", "pr_auc", "ks", "accuracy", "r2"}


def verdict(diff_mean: float, diff_std: float) -> str:
    """Plain words for a paired difference over folds: a win must clear one standard
    deviation of the per-fold differences. A rule of thumb that keeps noise from being
    called a win, not a significance test: clearing one std is a paired t of sqrt(folds)
    or more, two-sided p up to 0.23 over 3 folds, 0.09 over 5, 0.01 over 10; the words
    say which rule they apply."""
    if np.isnan(diff_std):
        return "a single split: no estimate of the noise"
    if diff_mean > diff_std:
        return "better by more than one std of the per-fold differences"
    if diff_mean < -diff_std:
        return "worse by more than one std of the per-fold differences"
    return "no clear difference: within one std of the per-fold differences"
