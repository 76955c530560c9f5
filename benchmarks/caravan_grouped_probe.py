"""Thirty-fifth session: is CatBoost's lead on ISLR/Caravan its memory of neighbourhoods?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/caravan_grouped_probe.py   # ~4 min

Caravan's first 43 columns describe the customer's postcode area, not the customer (the
dataset's documentation: socio-demographic data derived from zip codes), so customers of one
area share all 43 values: 1,734 such profiles over 5,822 rows, 3.4 a profile on average. Random
folds put customers of one area on both sides, where a model can learn the area's purchase rate.
That is legitimate for an insurer scoring new customers in areas it already serves; this probe
only asks how much of each model's AUC, and of CatBoost's lead over `default`, comes from it.
The same models on the panel's 3 stratified folds (seed 0), then on 3 folds grouped by the
area profile (`run_benchmark(group_column=...)`, the profile a column of its own that no
model reads).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
from ablations_development import development_tables

from findeep.benchmark import run_benchmark

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "caravan_grouped_probe.json"
MODELS = ("default", "catboost", "logreg")
AREA_COLUMNS = 43  # MOSTYPE ... MKOOPKLA: the postcode area's profile


def main() -> None:
    _, X, y = next(t for t in development_tables() if t[0] == "ISLR/Caravan")
    frame = X.assign(Purchase=y.to_numpy())
    area = X.iloc[:, :AREA_COLUMNS].astype(str).agg("|".join, axis=1)
    rows = []
    for grouped in (False, True):
        data = frame.assign(area_profile=pd.factorize(area)[0]) if grouped else frame
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_benchmark(data, "Purchase", models=MODELS, n_folds=3, seed=0,
                                   verbose=0, group_column="area_profile" if grouped else None)
        folds = pd.DataFrame(result.folds)
        for model, auc in folds.groupby("model")["roc_auc"]:
            rows.append({"folds": result.split, "model": model, "mean": float(auc.mean()),
                         "std": float(auc.std(ddof=1)), "per_fold": auc.tolist()})
    STORE.write_text(json.dumps(rows, indent=1))
    for row in rows:
        print(f"| {row['folds']} | {row['model']} | {row['mean']:.4f} ± {row['std']:.4f} |")


if __name__ == "__main__":
    main()
