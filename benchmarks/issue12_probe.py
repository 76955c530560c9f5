"""Quick probes of one development table: variants (fit_tabular options, baselines, dropped
columns) on the same 3 stratified folds (seed 0) as ``ablations.py --panel development``.

    python benchmarks/issue12_probe.py "causaldata/social_insure" \\
        '{"default": {}, "catboost without address/village":
          {"baseline": "catboost", "drop": ["address", "village"]}}'

With ``ISSUE12_ONE_THREAD=1`` training runs on one thread whatever the batch size, so CPU
seconds of different batch sizes compare. Prints one line per variant: mean ± std ROC-AUC,
the 3 fold AUCs, CPU and wall seconds.
Used for issue 12's diagnosis of the two tables where `default` trails CatBoost; the
outputs are kept in benchmarks/results/issue12_probes.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

import ablations_development as ad
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold


def main() -> None:
    warnings.simplefilter("ignore")
    if os.environ.get("ISSUE12_ONE_THREAD") == "1":
        import findeep.train.trainer as trainer

        trainer.training_threads = lambda config, batch_size, members, device: 1
    tables = {name: (X, y) for name, X, y in ad.development_tables()}
    variants = json.loads(sys.argv[2])
    for name in sys.argv[1].split(";"):
        X, y = tables[name]
        codes = pd.factorize(y, sort=True)[0]
        for label, options in variants.items():
            options = {"model": "default", **options}
            frame = X.drop(columns=options.pop("drop", []))
            if "baseline" in options:
                options.pop("model")
            aucs = []
            cpu, wall = time.process_time(), time.perf_counter()
            folds = StratifiedKFold(ad.N_FOLDS, shuffle=True, random_state=0)
            for train, test in folds.split(frame, codes):
                aucs.append(ad.fit_and_score(dict(options), frame, y, train, test)[0])
            print(f"{name} | {label} | {np.mean(aucs):.4f} ± {np.std(aucs, ddof=1):.4f} | "
                  f"{' '.join(f'{a:.4f}' for a in aucs)} | cpu "
                  f"{time.process_time() - cpu:.1f}s wall {time.perf_counter() - wall:.1f}s",
                  flush=True)


if __name__ == "__main__":
    main()
