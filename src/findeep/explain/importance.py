"""Global importance: which columns drive the model, two independent ways.

- Permutation importance: how much the bundle's metric (ROC-AUC; log-loss for a
  multiclass model, RMSE for a regression) worsens when one column's values are shuffled,
  repeated to give a confidence interval. Model-agnostic and on the user's own columns.
- Integrated Gradients: the mean absolute attribution per column (see ``attributions``).

Agreement between the two is what a validator looks for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.inspection import permutation_importance
from sklearn.metrics import log_loss, roc_auc_score, root_mean_squared_error

from findeep.errors import ConfigError, DataError
from findeep.explain.attributions import RowsHook, column_attributions
from findeep.explain.frozen import frozen
from findeep.pipeline import TabularPipeline


def _auc(estimator: object, X: pd.DataFrame, y: np.ndarray) -> float:
    return float(roc_auc_score(y, estimator.predict_proba(X)[:, 1]))  # type: ignore[attr-defined]


def _negative_rmse(estimator: object, X: pd.DataFrame, y: np.ndarray) -> float:
    return -float(root_mean_squared_error(y, estimator.predict(X)))  # type: ignore[attr-defined]


def _negative_log_loss(estimator: object, X: pd.DataFrame, y: np.ndarray) -> float:
    proba = estimator.predict_proba(X)  # type: ignore[attr-defined]
    proba = proba / proba.sum(axis=1, keepdims=True)  # float32 rows sum to 1 +- 1e-7 only
    return -float(log_loss(y, proba, labels=np.arange(proba.shape[1])))


# the metric whose worsening measures importance, and its scorer (higher is better)
_METRICS = {"binary": ("roc_auc", _auc), "multiclass": ("log_loss", _negative_log_loss),
            "regression": ("rmse", _negative_rmse)}


def labelled_rows(pipeline: TabularPipeline, frame: pd.DataFrame, y: pd.Series, *,
                  needs_both: str = "importance on ROC-AUC needs both",
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows with a label, and the labels as the model sees them (1 = event for binary);
    a binary model's labels must hold both classes (``needs_both`` says why)."""
    y = pd.Series(np.asarray(y), index=frame.index)
    keep = y.notna().to_numpy()
    codes = pipeline.target.encode(y[keep])
    if pipeline.task == "binary":
        codes = (codes == pipeline.target.event_index).astype(int)
        if len(np.unique(codes)) < 2:
            raise DataError(f"the labels hold a single class; {needs_both}.")
    return frame.loc[keep], codes


MAX_REPEATS = 1_000


def check_repeats(n_repeats: int) -> None:
    """At least two shuffles per column (one gives no interval), at most ``MAX_REPEATS``
    (the interval barely narrows past a few dozen, while the time grows with each)."""
    if not isinstance(n_repeats, int) or not 2 <= n_repeats <= MAX_REPEATS:
        raise ConfigError(f"n_repeats must be an integer from 2 to {MAX_REPEATS:,}, however: "
                          f"{n_repeats=}")


def permutation_importance_table(
    pipeline: TabularPipeline, frame: pd.DataFrame, y: pd.Series, *, n_repeats: int = 5,
    seed: int = 0, confidence: float = 0.95,
) -> pd.DataFrame:
    """Drop in ROC-AUC (binary), rise in log-loss (multiclass) or in RMSE (regression)
    when each column is shuffled.

    One row per input column, most important first: ``importance`` (mean over repeats),
    ``std`` and a Student-t confidence interval ``ci_low``/``ci_high``.
    """
    check_repeats(n_repeats)
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be between 0 and 1, however: {confidence=}")
    pipeline.check_frame(frame)
    rows, labels = labelled_rows(pipeline, frame, y)
    features = rows[pipeline.schema.used_names]
    metric, scorer = _METRICS[pipeline.task]
    result = permutation_importance(frozen(pipeline), features, labels, scoring=scorer,
                                    n_repeats=n_repeats, random_state=seed)
    drops = result.importances  # (n_columns, n_repeats)
    mean = drops.mean(axis=1)
    std = drops.std(axis=1, ddof=1)
    half = stats.t.ppf(0.5 + confidence / 2, df=n_repeats - 1) * std / np.sqrt(n_repeats)
    table = pd.DataFrame({"column": features.columns, "importance": mean, "std": std,
                          "ci_low": mean - half, "ci_high": mean + half})
    table.attrs["metric"] = metric
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def attribution_importance_table(
    pipeline: TabularPipeline, frame: pd.DataFrame, *, reference: pd.DataFrame | None = None,
    n_steps: int | None = None, on_rows: RowsHook | None = None,
) -> pd.DataFrame:
    """Mean absolute (and mean signed) Integrated-Gradients attribution per column."""
    attributions = column_attributions(pipeline, frame, reference=reference, n_steps=n_steps,
                                       on_rows=on_rows)
    table = pd.DataFrame({"column": attributions.columns,
                          "mean_abs_attribution": np.abs(attributions.values).mean(axis=0),
                          "mean_attribution": attributions.values.mean(axis=0)})
    table.attrs["units"] = attributions.units
    return table.sort_values("mean_abs_attribution", ascending=False,
                             kind="stable").reset_index(drop=True)
