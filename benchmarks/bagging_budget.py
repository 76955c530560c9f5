"""Constants of `bagging="auto"`'s fit-time budget, measured on synthetic tables.

    OMP_WAIT_POLICY=PASSIVE nice -n 5 python benchmarks/bagging_budget.py

The automatic rule adds bagged members only while their projected CPU stays within what
CatBoost (1,000 trees, its defaults) would spend on the same table. It needs two cost models,
both fitted here by least squares on a grid of synthetic tables generated in code (rows x
numeric columns x categorical columns), never on a benchmark table:

- CatBoost's CPU seconds: ``c0 + rows * (c_row + c_num * numeric + c_cat * categorical)``;
- one `default` network's CPU seconds per row-epoch: ``u0 + u1 * d_in`` (``d_in``: the width
  of the embedded input the backbone reads), so a member's cost is projected from the first
  member's epoch count, which is deterministic for a seed.

CPU seconds (``time.process_time``) so a loaded machine does not move them much. Writes
benchmarks/results/bagging_budget.json; the constants are copied into
src/findeep/train/bagging.py.
"""

from __future__ import annotations

import itertools
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from findeep.data.schema import infer_schema
from findeep.evaluate.baselines import make_baseline, prepare_baseline_inputs
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
ROWS = (1_000, 4_000)
NUMERIC = (3, 12, 40)
CATEGORICAL = (0, 3, 8)


def synthetic(n: int, n_num: int, n_cat: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, n_num)), columns=[f"x{j}" for j in range(n_num)])
    logit = frame.iloc[:, : min(3, n_num)].sum(axis=1).to_numpy()
    for j in range(n_cat):
        cardinality = (5, 20, 60)[j % 3]
        codes = rng.integers(0, cardinality, n)
        logit = logit + rng.normal(size=cardinality)[codes] * 0.5
        frame[f"c{j}"] = pd.Series([f"level{c}" for c in codes], dtype=object)
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), name="y")
    return frame, y


def main() -> None:
    warnings.simplefilter("ignore")
    fit_tabular(*synthetic(300, 3, 1), verbose=0)  # untimed start-up
    rows = []
    for n, n_num, n_cat in itertools.product(ROWS, NUMERIC, CATEGORICAL):
        X, y = synthetic(n, n_num, n_cat)
        inputs = prepare_baseline_inputs(X, infer_schema(X, warn=False))
        started = time.process_time()
        make_baseline("catboost", "binary", inputs, 0).fit(inputs.frame, y.to_numpy())
        catboost_cpu = time.process_time() - started
        started = time.process_time()
        pipeline = fit_tabular(X, y, verbose=0)
        network_cpu = time.process_time() - started
        row = {"rows": n, "numeric": n_num, "categorical": n_cat, "catboost_cpu": catboost_cpu,
               "network_cpu": network_cpu, "epochs": pipeline.training["epochs_run"],
               "fit_rows": pipeline.training["fit_rows"],
               "d_in": len(pipeline.network.embedding_slots())}
        rows.append(row)
        print(row, flush=True)
    frame = pd.DataFrame(rows)
    design = np.column_stack([np.ones(len(frame)), frame.rows, frame.rows * frame.numeric,
                              frame.rows * frame.categorical])
    catboost = np.linalg.lstsq(design, frame.catboost_cpu, rcond=None)[0]
    per_row_epoch = frame.network_cpu / (frame.epochs * frame.fit_rows)
    network = np.linalg.lstsq(np.column_stack([np.ones(len(frame)), frame.d_in]),
                              per_row_epoch, rcond=None)[0]
    result = {"rows": rows, "catboost_cpu": dict(zip(("c0", "c_row", "c_num", "c_cat"),
                                                     map(float, catboost), strict=True)),
              "network_cpu_per_row_epoch": dict(zip(("u0", "u1"), map(float, network),
                                                    strict=True))}
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1))
    (HERE / "results" / "bagging_budget.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
