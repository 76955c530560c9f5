"""Walk-forward (expanding-window out-of-time) comparison on a dated synthetic credit table.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/walk_forward.py

The same as ``findeep benchmark dated.csv --target default --time-column applied_on
--walk-forward --folds 4`` on ``make_credit_frame(10000, seed=0)``: each of 4 folds trains on every
application dated before its test block. Writes benchmarks/results/walk_forward.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from run_panel import render  # a sibling script: the same table layout as the panel

from findeep.benchmark import run_benchmark
from findeep.testing import make_credit_frame

HERE = Path(__file__).resolve().parent
MODELS = ("default", "seed-mlp", "logreg", "lightgbm", "xgboost", "catboost")
PROTOCOL = (
    "4 expanding-window out-of-time folds on `applied_on` (`findeep benchmark --time-column "
    "applied_on --walk-forward --folds 4`), the same for every model: fold i trains on every "
    "row dated before test block i; blocks hold ~1/5 of the rows each. Mean ± std over the "
    "4 folds; `Δ vs best GBDT` is the paired per-fold difference. Fit seconds: total over "
    "the 4 folds, wall-clock.")


def main() -> None:
    warnings.simplefilter("ignore")
    frame = make_credit_frame(10_000, seed=0)
    result = run_benchmark(frame, "default", models=MODELS, time_column="applied_on",
                           walk_forward=True, n_folds=4)
    record = {"name": "make_credit_frame(10000, seed=0), by applied_on", "target": "default",
              **result.to_dict()}
    text = render([record], None, "OMP_WAIT_POLICY=PASSIVE python benchmarks/walk_forward.py",
                  title="Walk-forward: out-of-time folds on a dated table",
                  protocol=PROTOCOL,
                  fit_label="fit s (4 folds)", summary_heading="Walk-forward summary")
    out = HERE / "results" / "walk_forward.md"
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
