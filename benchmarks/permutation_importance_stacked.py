"""Permutation importance scored one shuffled copy a call (scikit-learn's
``permutation_importance``, findeep's path until the forty-second session) against the
copies stacked (``findeep.explain.permutation_importance_table`` today): seconds and the
largest difference in importance, same run, same seed.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/permutation_importance_stacked.py

The model is the default network (one member) trained briefly on 3,000 rows of the synthetic
credit table (12 columns); 5 repeats, as `findeep importance` and `findeep report` use.
"""

from __future__ import annotations

import platform

import numpy as np
from cpu import median_seconds
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score

from findeep import TabularClassifier
from findeep.explain import permutation_importance_table
from findeep.explain.frozen import frozen
from findeep.testing import make_credit_frame


def _per_copy(pipeline, rows, labels):
    return permutation_importance(
        frozen(pipeline), rows, labels, n_repeats=5, random_state=0,
        scoring=lambda model, X, y: roc_auc_score(y, model.predict_proba(X)[:, 1]))


def main() -> None:
    frame = make_credit_frame(8_000, seed=42).drop(columns=["applied_on"])
    y = frame.pop("default")
    model = TabularClassifier(max_epochs=4, bagging=1, random_state=0).fit(
        frame.iloc[:3_000], y.iloc[:3_000])
    pipeline = model.pipeline_
    print(f"# Permutation importance, per copy vs stacked ({platform.processor() or 'cpu'}, "
          f"12 columns x 5 repeats)\n")
    print("| rows | per copy (s) | stacked (s) | speed-up | max abs difference |")
    print("|---:|---:|---:|---:|---:|")
    for n in (200, 1_000, 5_000):
        rows = frame.iloc[3_000:3_000 + n][pipeline.schema.used_names]
        labels = y.iloc[3_000:3_000 + n]
        old = _per_copy(pipeline, rows, labels.to_numpy()).importances_mean
        new = permutation_importance_table(pipeline, rows, labels, n_repeats=5, seed=0)
        new = new.set_index("column").loc[rows.columns, "importance"].to_numpy()
        per_copy = median_seconds(lambda r=rows, y=labels: _per_copy(pipeline, r, y.to_numpy()))
        stacked = median_seconds(lambda r=rows, y=labels: permutation_importance_table(
            pipeline, r, y, n_repeats=5, seed=0))
        print(f"| {n:,} | {per_copy:.2f} | {stacked:.2f} | {per_copy / stacked:.1f}x | "
              f"{np.abs(old - new).max():.1e} |")


if __name__ == "__main__":
    main()
