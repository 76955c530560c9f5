"""The additive path's logistic regression: L-BFGS against Newton-Cholesky, time and distance
from the optimum (issue 12, fourteenth session).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/additive_solver.py RandHIE wa_churn Caravan

For each named table (``tables.py``; over 10,000 rows a stratified 10,000-row sample, seed 0,
as the unseen protocol), `default` with ``model_options={"additive": True}`` is fitted on its
first two thirds and every basis the path is fitted on is captured; on the last one, each
solver is timed (wall and CPU, both cores) and its logits are compared with a fit run to
tolerance 1e-12 (the optimum both solvers aim at).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import sklearn.linear_model as linear_model
from tables import DEVELOPMENT_TABLES, UNSEEN_TABLES, UNSEEN_TABLES_2, UNSEEN_TABLES_3

from findeep.pipeline import fit_tabular

TABLES = {t.item: t for t in (*DEVELOPMENT_TABLES, *UNSEEN_TABLES, *UNSEEN_TABLES_2,
                              *UNSEEN_TABLES_3)}


def captured_bases(item: str) -> list[tuple[np.ndarray, np.ndarray]]:
    table = TABLES[item]
    frame = table.load()
    if len(frame) > 10_000:
        frame = frame.groupby(table.target, group_keys=False).sample(
            frac=10_000 / len(frame), random_state=0).reset_index(drop=True)
    frame = frame.iloc[: len(frame) * 2 // 3]
    bases = []
    fit = linear_model.LogisticRegression.fit

    def capture(self, X, y, sample_weight=None):
        bases.append((X.copy(), np.asarray(y).copy()))
        return fit(self, X, y, sample_weight=sample_weight)

    linear_model.LogisticRegression.fit = capture
    try:
        fit_tabular(frame.drop(columns=[table.target]), frame[table.target],
                    model_options={"additive": True}, verbose=0)
    finally:
        linear_model.LogisticRegression.fit = fit
    return bases


def main() -> None:
    for item in sys.argv[1:] or ["RandHIE"]:
        X, y = captured_bases(item)[-1]
        optimum = linear_model.LogisticRegression(C=1.0, tol=1e-12, max_iter=100_000).fit(X, y)
        print(f"{item}: basis {X.shape[0]:,} x {X.shape[1]:,}")
        for solver in ("lbfgs", "newton-cholesky"):
            model = linear_model.LogisticRegression(C=1.0, max_iter=2000, solver=solver)
            cpu, wall = time.process_time(), time.perf_counter()
            model.fit(X, y)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            gap = np.abs(model.decision_function(X) - optimum.decision_function(X)).max()
            print(f"  {solver:16s} wall {wall:.2f} s, CPU {cpu:.2f} s, {int(model.n_iter_[0])} "
                  f"iterations, max |logit − optimum| {gap:.4f}")


if __name__ == "__main__":
    main()
