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
from pathlib import Path

import pandas as pd
from ablations_development import development_tables
from grouped_folds_probe import random_and_grouped

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "caravan_grouped_probe.json"
MODELS = ("default", "catboost", "logreg")
AREA_COLUMNS = 43  # MOSTYPE ... MKOOPKLA: the postcode area's profile


def main() -> None:
    _, X, y = next(t for t in development_tables() if t[0] == "ISLR/Caravan")
    area = X.iloc[:, :AREA_COLUMNS].astype(str).agg("|".join, axis=1)
    rows = random_and_grouped(X.assign(Purchase=y.to_numpy()), "Purchase",
                              group_column="area_profile", groups=pd.factorize(area)[0],
                              models=MODELS, n_folds=3)
    STORE.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
