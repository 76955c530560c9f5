"""Planted special codes: does treating 96/98 as tokens beat treating them as numbers?

A synthetic credit table (generated here, nothing downloaded) with a count column
``late_90`` (times 90+ days late, 0-12) whose risk rises with the count, and two planted
codes that mean something else: 96 = "no credit file" (risk *below* a clean record) and
98 = "refused to disclose" (risk between 1 and 2 late payments). findeep's ``default``
network is fitted with the codes as numbers and as tokens (``special_values``), with and
without the natural constraint ``late_90:+``, on the same stratified folds (same seed);
LightGBM and logistic regression on the raw numbers are the practitioner's baselines.

    nice -n 10 python benchmarks/special_values.py --out benchmarks/results/special_values.json

Prints one line per model (mean ± std ROC-AUC over the folds) and the paired
token-minus-number differences, and checks that ``data.sentinels`` suggests the codes.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from findeep.benchmark import run_benchmark
from findeep.data.schema import infer_schema
from findeep.data.sentinels import suggest_special_values

CODES = {"late_90": [96.0, 98.0]}


def planted_table(n_rows: int, seed: int) -> pd.DataFrame:
    """Applicants whose default odds rise with late payments; 96 and 98 are not counts."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10.8, 0.5, n_rows)
    debt_to_income = rng.beta(2, 5, n_rows)
    utilization = rng.beta(2, 3, n_rows)
    age = rng.integers(21, 75, n_rows).astype(float)
    frailty = rng.normal(size=n_rows)  # unobserved: drives both late payments and default
    late = np.minimum(rng.poisson(np.exp(-0.6 + 0.7 * frailty)), 12).astype(float)
    code = rng.random(n_rows)
    no_file, refused = code < 0.06, (code >= 0.06) & (code < 0.10)
    logit = (-2.2 + 0.55 * np.minimum(late, 6) + 2.2 * debt_to_income + 1.2 * utilization
             - 0.5 * (np.log(income) - 10.8) - 0.01 * (age - 45) + 0.4 * frailty)
    logit = np.where(no_file, -2.6 + 1.2 * utilization, logit)  # thin file: low risk here
    logit = np.where(refused, logit - 0.55 * np.minimum(late, 6) + 0.8, logit)
    late[no_file], late[refused] = 96.0, 98.0
    default = rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))
    return pd.DataFrame({"income": income.round(-2), "debt_to_income": debt_to_income,
                         "utilization": utilization, "age": age, "late_90": late,
                         "default": default.astype(int)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    frame = planted_table(args.rows, args.seed)
    features = frame.drop(columns=["default"])
    suggested = [s.option for s in suggest_special_values(features, infer_schema(features))]
    runs = {
        "numbers": dict(models=["default", "lightgbm", "logreg"]),
        "tokens": dict(models=["default"], special_values=CODES),
        "numbers, late_90:+": dict(models=["default", "lightgbm"], monotone={"late_90": 1}),
        "tokens, late_90:+": dict(models=["default"], monotone={"late_90": 1},
                                  special_values=CODES),
    }
    results, folds = {}, {}
    started = time.process_time()
    for name, options in runs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_benchmark(frame, "default", n_folds=args.folds, seed=args.seed,
                                   verbose=0, **options).to_dict()
        for model, summary in result["summary"].items():
            label = f"{model} ({name})"
            results[label] = {"roc_auc_mean": summary["roc_auc_mean"],
                              "roc_auc_std": summary["roc_auc_std"],
                              "log_loss_mean": summary["log_loss_mean"]}
            folds[label] = [f["roc_auc"] for f in result["folds"] if f["model"] == model]
            print(f"{label:36s} AUC {summary['roc_auc_mean']:.4f} ± {summary['roc_auc_std']:.4f}"
                  f"  log loss {summary['log_loss_mean']:.4f}", flush=True)
    paired = {}
    for plain, coded in (("default (numbers)", "default (tokens)"),
                         ("default (numbers, late_90:+)", "default (tokens, late_90:+)")):
        diff = np.subtract(folds[coded], folds[plain])
        paired[f"{coded} - {plain}"] = {"mean": float(diff.mean()), "std": float(diff.std()),
                                        "per_fold": diff.tolist()}
        print(f"{coded} - {plain}: {diff.mean():+.4f} ± {diff.std():.4f} (per fold "
              f"{', '.join(f'{d:+.4f}' for d in diff)})")
    print(f"suggested by findeep profile: {suggested}")
    report = {"rows": args.rows, "folds": args.folds, "seed": args.seed, "codes": CODES,
              "suggested": suggested, "results": results, "per_fold_auc": folds,
              "paired_differences": paired,
              "cpu_seconds": round(time.process_time() - started, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
