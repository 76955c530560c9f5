"""The additive path's logistic regression: L-BFGS against Newton-Cholesky, time and distance
from the optimum (issue 12, fourteenth session).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/additive_solver.py RandHIE wa_churn Caravan

For each named table (``tables.py``; over 10,000 rows a stratified 10,000-row sample, seed 0,
as the unseen protocol), `default` with ``model_options={"additive": True}`` is fitted on its
first two thirds and every basis the path is fitted on is captured (whole); on the last one, each
solver is timed (wall and CPU, median of 3, on two BLAS threads and on one) and its logits
are compared with a fit run to tolerance 1e-12 (the optimum both solvers aim at). It also
counts the basis columns that are zero on every row (the path's fit leaves them out: their
optimal weight is 0) and times Newton-Cholesky without them, as the path now fits.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import sklearn.linear_model as linear_model
import torch
from tables import DEVELOPMENT_TABLES, UNSEEN_TABLES, UNSEEN_TABLES_2, UNSEEN_TABLES_3
from threadpoolctl import threadpool_limits

from findeep.models.additive import AdditivePath
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
    fit = AdditivePath.fit

    def capture(self, x_num, x_cat, y, sample_weight=None):
        with torch.no_grad():  # the whole basis, before the fit leaves any column out
            basis = self.basis(torch.as_tensor(x_num), torch.as_tensor(x_cat)).double().numpy()
        bases.append((basis, np.asarray(y).astype(int).copy()))
        return fit(self, x_num, x_cat, y, sample_weight)

    AdditivePath.fit = capture
    try:
        fit_tabular(frame.drop(columns=[table.target]), frame[table.target],
                    model_options={"additive": True}, verbose=0)
    finally:
        AdditivePath.fit = fit
    return bases


def _timed(solver: str, X: np.ndarray, y: np.ndarray, threads: int
           ) -> tuple[linear_model.LogisticRegression, float, float]:
    """The fitted model and its median wall and CPU seconds over 3 fits."""
    times = []
    for _ in range(3):
        model = linear_model.LogisticRegression(C=1.0, max_iter=2000, solver=solver)
        with threadpool_limits(threads, user_api="blas"):
            cpu, wall = time.process_time(), time.perf_counter()
            model.fit(X, y)
            times.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall, cpu = np.median(times, axis=0)
    return model, float(wall), float(cpu)


def main() -> None:
    for item in sys.argv[1:] or ["RandHIE"]:
        X, y = captured_bases(item)[-1]
        optimum = linear_model.LogisticRegression(C=1.0, tol=1e-12, max_iter=100_000).fit(X, y)
        used = np.flatnonzero(np.abs(X).sum(axis=0) > 0)
        print(f"{item}: basis {X.shape[0]:,} x {X.shape[1]:,}, {X.shape[1] - len(used)} columns "
              "zero on every row")
        for solver, threads, columns in (("lbfgs", 2, None), ("newton-cholesky", 2, None),
                                         ("newton-cholesky", 1, None),
                                         ("newton-cholesky", 1, used)):
            basis = X if columns is None else X[:, columns]
            model, wall, cpu = _timed(solver, basis, y, threads)
            logits = model.decision_function(basis)
            gap = np.abs(logits - optimum.decision_function(X)).max()
            label = f"{solver}, {threads} thread{'s' if threads > 1 else ''}" + (
                ", zero columns left out" if columns is not None else "")
            print(f"  {label:48s} wall {wall:.3f} s, CPU {cpu:.3f} s, "
                  f"{int(model.n_iter_[0])} iterations, max |logit − optimum| {gap:.4f}")


if __name__ == "__main__":
    main()
