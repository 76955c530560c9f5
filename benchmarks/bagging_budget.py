"""Constants of `bagging="auto"`'s fit-time budget (train/bagging.py).

    OMP_WAIT_POLICY=PASSIVE nice -n 5 python benchmarks/bagging_budget.py

The automatic rule adds bagged members while their projected fit time stays within what
CatBoost (1,000 trees, its defaults) is expected to take on the same table, on a quiet
2-core machine. It needs two cost models:

- CatBoost's seconds per fit, ``c0 + rows * (c_num * numeric + c_cat * categorical)``
  (columns as findeep's schema reads them), fitted by non-negative least squares to CatBoost's CPU
  seconds on the four development tables where the sixth session measured them
  (results/s6_dev_d_cpu.json, 3 folds each), times 0.78: CatBoost's quiet wall seconds per
  loaded-machine CPU second, measured on creditcard (2.84 / 3.69) and ISLR Default
  (4.60 / 5.78) — findeep's own network trains on one thread, so its CPU is its wall time;
- one `default` network's CPU seconds per (fit row x epoch), ``u0 + u1 * d_in`` (``d_in``: the
  width of the embedded input), fitted here on 8 synthetic tables of 1,000 rows generated in
  code (3-40 numeric, 0-8 categorical columns), overheads included. Measured under shared
  load, so it overstates a quiet machine's cost: the rule errs towards fewer members.

Never fitted on the unseen tables. Writes benchmarks/results/bagging_budget.json.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from ablations_development import development_tables
from scipy.optimize import nnls

from findeep.data.schema import infer_schema
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
QUIET_WALL_PER_LOADED_CPU = 0.78
GRID = [(3, 0), (3, 3), (3, 8), (12, 0), (12, 3), (12, 8), (40, 0), (40, 3)]


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


def catboost_model() -> dict[str, float]:
    cpu = json.loads((HERE / "results" / "s6_dev_d_cpu.json").read_text())["catboost"]
    rows = []
    for name, X, _ in development_tables():
        if name in cpu:
            schema = infer_schema(X, warn=False)
            rows.append({"table": name, "fit_rows": len(X) * 2 / 3,
                         "numeric": len(schema.names_of("numeric")),
                         "categorical": len(schema.names_of("categorical")),
                         "seconds": cpu[name] / 3 * QUIET_WALL_PER_LOADED_CPU})
    frame = pd.DataFrame(rows)
    design = np.column_stack([np.ones(len(frame)), frame.fit_rows * frame.numeric,
                              frame.fit_rows * frame.categorical])
    # non-negative: 4 tables cannot pin 3 free signs (plain least squares gives a negative
    # per-numeric-column cost); a zero underestimates CatBoost, so the rule errs to fewer members
    fitted = nnls(design, frame.seconds.to_numpy())[0]
    frame["projected"] = design @ fitted
    print(frame.to_string(index=False))
    return {"c0": float(fitted[0]), "c_num": float(fitted[1]), "c_cat": float(fitted[2]),
            "tables": frame.to_dict(orient="records")}


def network_model() -> dict[str, float]:
    fit_tabular(*synthetic(300, 3, 1), verbose=0)  # untimed start-up
    rows = []
    for n_num, n_cat in GRID:
        X, y = synthetic(1_000, n_num, n_cat)
        started = time.process_time()
        pipeline = fit_tabular(X, y, verbose=0, bagging=1)  # one network's cost
        seconds = time.process_time() - started
        rows.append({"numeric": n_num, "categorical": n_cat, "cpu": seconds,
                     "epochs": pipeline.training["epochs_run"],
                     "fit_rows": pipeline.training["fit_rows"],
                     "d_in": len(pipeline.network.embedding_slots())})
        print(rows[-1], flush=True)
    frame = pd.DataFrame(rows)
    per_row_epoch = frame.cpu / (frame.epochs * frame.fit_rows)
    fitted = np.linalg.lstsq(np.column_stack([np.ones(len(frame)), frame.d_in]),
                             per_row_epoch, rcond=None)[0]
    return {"u0": float(fitted[0]), "u1": float(fitted[1]), "grid": rows}


def main() -> None:
    warnings.simplefilter("ignore")
    import sys

    result = {"catboost_seconds": catboost_model()}
    if "--catboost-only" in sys.argv:
        print(json.dumps(result, indent=1, default=float))
        return
    result["network_cpu_per_row_epoch"] = network_model()
    print(json.dumps({k: {n: v for n, v in d.items() if n not in ("tables", "grid")}
                      for k, d in result.items()}, indent=1))
    (HERE / "results" / "bagging_budget.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
