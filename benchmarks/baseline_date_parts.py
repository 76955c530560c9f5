"""Twenty-seventh session: the baselines with a date column's four parts (as the networks get
them) on the two panel tables that have a date, beside the panel's stored baseline figures.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/baseline_date_parts.py   # ~10 min on 2 cores
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from findeep.benchmark import run_benchmark
from findeep.data.samples import load_sample
from findeep.testing import make_credit_frame

BASELINES = ("logreg", "lightgbm", "xgboost", "catboost")
OUT = Path(__file__).parent / "results" / "baseline_date_parts.json"


def main() -> None:
    warnings.simplefilter("ignore")
    loans = load_sample("loans")
    tables = {"sample:loans": (loans.frame, loans.target, "r2"),
              "synthetic": (make_credit_frame(10_000, seed=0), "default", "roc_auc")}
    out = {}
    for name, (frame, target, metric) in tables.items():
        summary = run_benchmark(frame, target, models=BASELINES, n_folds=5,
                                verbose=0).summary()
        out[name] = {m: (v[f"{metric}_mean"], v[f"{metric}_std"]) for m, v in summary.items()}
        print(name, out[name], flush=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
