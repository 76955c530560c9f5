"""One development table's 3 stratified folds fitted with the default (``bagging="auto"``), for
A/B fit-time checks between two checkouts of findeep: run it once per checkout with that
checkout's ``src`` first on ``PYTHONPATH`` (and ``FINDEEP_PARALLEL_MEMBERS=0`` for members in
turn), alternating, on a quiet machine. Prints one JSON line: wall and CPU seconds over the
folds (CPU includes the bag's member workers), AUC per fold, members per fold.

    PYTHONPATH=<checkout>/src OMP_WAIT_POLICY=PASSIVE python benchmarks/fit_time_ab.py loanapp
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import pandas as pd
from cpu import cpu_seconds
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from tables import CARAVAN, ISLR_DEFAULT, LOANAPP, SOCIAL_INSURE

from findeep.pipeline import fit_tabular

TABLES = {"loanapp": LOANAPP, "caravan": CARAVAN, "social": SOCIAL_INSURE,
          "default": ISLR_DEFAULT}


def main() -> None:
    warnings.simplefilter("ignore")
    table = TABLES[sys.argv[1]]
    frame = table.load()
    y = frame[table.target]
    X = frame.drop(columns=[table.target])
    codes = pd.factorize(y, sort=True)[0]
    fit_tabular(X.head(300), y.head(300), verbose=0)  # untimed: torch's one-time start-up
    folds = []
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, codes):
        started, cpu_started = time.perf_counter(), cpu_seconds()
        pipeline = fit_tabular(X.iloc[train], y.iloc[train], seed=0, verbose=0)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        prediction, _ = pipeline.predict_raw(X.iloc[test])
        auc = roc_auc_score(pipeline.target.encode(y.iloc[test]), prediction)
        folds.append((wall, cpu, round(float(auc), 6), pipeline.training["bagging"]["members"]))
    print(json.dumps({"wall": sum(f[0] for f in folds), "cpu": sum(f[1] for f in folds),
                      "auc": [f[2] for f in folds], "members": [f[3] for f in folds]}))


if __name__ == "__main__":
    main()
