"""Loan interest-rate intervals: findeep's split-conformal 90% intervals vs LightGBM.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_intervals.py [--folds 5] [--level 0.9]

On sample:loans (target interest_rate, 10,000 loans), the same 5 shuffled K folds (seed 0)
for every method; on each held-out fold: empirical coverage of the intervals and their
mean width (rate points). Methods:

* findeep — ``TabularRegressor()`` defaults, ``predict_interval(level)``: split-conformal,
  calibrated on its own validation rows (20% of the training folds).
* LightGBM quantiles — two ``LGBMRegressor(objective="quantile")`` at (1-level)/2 and
  (1+level)/2, default settings, on the same training folds (what a practitioner runs;
  not calibrated).
* LightGBM + conformal — a default LightGBM point model fitted on the same 80% of the
  training folds findeep fits on, split-conformal on the other 20% (the same recipe as
  findeep's, with trees instead of a network).

Writes benchmarks/results/pricing_intervals.json.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import lightgbm
import numpy as np
from sklearn.model_selection import KFold

from findeep import TabularRegressor
from findeep.data.samples import load_sample
from findeep.data.schema import infer_schema
from findeep.evaluate.baselines import prepare_baseline_inputs
from findeep.evaluate.intervals import ConformalIntervals, interval_metrics

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--level", type=float, default=0.9)
    args = parser.parse_args()
    sample = load_sample("loans")
    frame = sample.frame
    y = frame[sample.target].to_numpy(dtype=float)
    X = frame.drop(columns=[sample.target])
    inputs = prepare_baseline_inputs(X, infer_schema(X, warn=False)).frame
    low_q, high_q = (1 - args.level) / 2, (1 + args.level) / 2
    results: dict[str, list[dict[str, float]]] = {
        "findeep split-conformal": [], "LightGBM quantiles": [], "LightGBM + conformal": []}
    for fold, (train, test) in enumerate(
            KFold(args.folds, shuffle=True, random_state=0).split(X)):
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = TabularRegressor(random_state=0).fit(X.iloc[train], y[train])
        bounds = model.predict_interval(X.iloc[test], args.level)
        results["findeep split-conformal"].append(
            {**interval_metrics(y[test], bounds[:, 0], bounds[:, 1]),
             "seconds": time.perf_counter() - started})
        started = time.perf_counter()
        ends = []
        for alpha in (low_q, high_q):
            q = lightgbm.LGBMRegressor(objective="quantile", alpha=alpha, random_state=0,
                                       verbose=-1).fit(inputs.iloc[train], y[train])
            ends.append(q.predict(inputs.iloc[test]))
        results["LightGBM quantiles"].append(
            {**interval_metrics(y[test], ends[0], ends[1]),
             "seconds": time.perf_counter() - started})
        started = time.perf_counter()
        order = np.random.default_rng(fold).permutation(train)
        cut = int(0.8 * len(order))
        point = lightgbm.LGBMRegressor(random_state=0, verbose=-1).fit(
            inputs.iloc[order[:cut]], y[order[:cut]])
        conformal = ConformalIntervals.fit(y[order[cut:]], point.predict(inputs.iloc[order[cut:]]))
        lower, upper = conformal.interval(point.predict(inputs.iloc[test]), args.level)
        results["LightGBM + conformal"].append(
            {**interval_metrics(y[test], lower, upper), "seconds": time.perf_counter() - started})
        print(fold, {k: {m: round(v[-1][m], 4) for m in v[-1]} for k, v in results.items()},
              flush=True)
    summary = {name: {f"{metric}_{stat}": float(getattr(np, stat)([r[metric] for r in rows]))
                      for metric in ("interval_coverage", "interval_width", "seconds")
                      for stat in ("mean", "std")} for name, rows in results.items()}
    out = {"level": args.level, "folds": args.folds, "rows": len(y), "summary": summary,
           "per_fold": results}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "pricing_intervals.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
