"""Tall, narrow tables: batch size and width vs fit cost and AUC on ISLR Default (development only).

    OMP_WAIT_POLICY=PASSIVE nice -n 5 python benchmarks/tall_narrow.py

ISLR/Default (10,000 rows, 3 columns) has the shape of the unseen credit_cards table, whose
fit time was 1.26x CatBoost's; any rule for tall, narrow tables is chosen here, never on
credit_cards. Same 3 stratified folds (seed 0) as ablations.py --panel development. CPU
seconds (``time.process_time``, fit + scoring) at one training thread, so the figures do not
depend on how loaded the machine is. Writes benchmarks/results/tall_narrow.json.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from tables import ISLR_DEFAULT

from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
VARIANTS = {"default": {}, "batch 512": {"batch_size": 512},
            "batch 1024": {"batch_size": 1024}, "batch 2048": {"batch_size": 2048},
            "d_block 64": {"model_options": {"d_block": 64}},
            "d_block 32": {"model_options": {"d_block": 32}},
            "1 block of 128": {"model_options": {"n_blocks": 1}},
            "batch 512, learning rate 4e-3": {"batch_size": 512, "learning_rate": 4e-3},
            "patience 3": {"patience": 3},
            "k=2": {"model_options": {"k": 2}},
            "k=1": {"model_options": {"k": 1}}}


def main() -> None:
    warnings.simplefilter("ignore")
    chosen = sys.argv[1:] or list(VARIANTS)
    frame = ISLR_DEFAULT.load()
    X, y = frame.drop(columns=[ISLR_DEFAULT.target]), frame[ISLR_DEFAULT.target]
    codes = pd.factorize(y, sort=True)[0]
    fit_tabular(X.head(300), y.head(300), verbose=0)  # untimed start-up
    store = HERE / "results" / "tall_narrow.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    for variant in chosen:
        aucs, cpu, epochs = [], 0.0, []
        for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, codes):
            started = time.process_time()
            pipeline = fit_tabular(X.iloc[train], y.iloc[train], verbose=0,
                                   **{"bagging": 1, **VARIANTS[variant]})  # one network
            prediction, _ = pipeline.predict_raw(X.iloc[test])
            cpu += time.process_time() - started
            aucs.append(roc_auc_score(codes[test], prediction))
            epochs.append(pipeline.training["epochs_run"])
        results[variant] = {"auc": aucs, "cpu_s": cpu, "epochs": epochs}
        print(variant, f"{np.mean(aucs):.4f} ± {np.std(aucs, ddof=1):.4f}", f"cpu {cpu:.1f}",
              epochs, flush=True)
        store.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
