"""Thirty-sixth session: where `default` loses Caravan — its area columns, its product columns,
or their combination?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/caravan_columns_probe.py   # ~6 min

ISLR/Caravan's 85 columns are two blocks: 43 describing the customer's postcode area (coded
socio-demographic shares) and 42 the customer's own insurance products (coded contribution
levels and policy counts). `default`, CatBoost and logistic regression on the panel's 3
stratified folds (seed 0, the same folds for every block: they depend only on the labels), on
all 85 columns, on each block alone; then the same with the models' and folds' seed 1. Printed:
each model's mean AUC per block and the paired per-fold differences that say where `default`
falls behind.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
from ablations_development import development_tables
from caravan_grouped_probe import AREA_COLUMNS

from findeep.benchmark import run_benchmark

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "caravan_columns_probe.json"
MODELS = ("default", "catboost", "logreg")


def main() -> None:
    _, X, y = next(t for t in development_tables() if t[0] == "ISLR/Caravan")
    blocks = {"all 85": list(X.columns), "area 43": list(X.columns[:AREA_COLUMNS]),
              "products 42": list(X.columns[AREA_COLUMNS:])}
    rows = []
    for seed in (0, 1):
        for block, columns in blocks.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = run_benchmark(X[columns].assign(Purchase=y.to_numpy()), "Purchase",
                                       models=MODELS, n_folds=3, seed=seed, verbose=0)
            folds = pd.DataFrame(result.folds)
            for model, auc in folds.groupby("model")["roc_auc"]:
                rows.append({"seed": seed, "block": block, "model": model,
                             "per_fold": auc.tolist()})
            print(f"seed {seed}, {block}: " + ", ".join(
                f"{r['model']} {sum(r['per_fold']) / 3:.4f}" for r in rows[-3:]), flush=True)
    STORE.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
