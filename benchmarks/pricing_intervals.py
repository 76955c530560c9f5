"""Loan interest-rate intervals: findeep's split-conformal and CQR 90% intervals vs LightGBM.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_intervals.py [--folds 5] [--level 0.9]

On sample:loans (target interest_rate, 10,000 loans), the same 5 shuffled K folds (seed 0)
for every method; on each held-out fold: empirical coverage of the intervals and their
mean width (rate points). Methods:

* findeep — ``TabularRegressor()`` defaults, ``predict_interval(level)``: split-conformal,
  calibrated on its own validation rows (20% of the training folds).
* findeep CQR — ``TabularRegressor(interval_method="cqr", interval=level)``: a second
  network of the same model learns the two quantiles (pinball loss) on the same 80%,
  conformalised on the same 20% (Romano et al. 2019).
* LightGBM quantiles — two ``LGBMRegressor(objective="quantile")`` at (1-level)/2 and
  (1+level)/2, default settings, on the same training folds (what a practitioner runs;
  not calibrated).
* LightGBM + conformal — a default LightGBM point model fitted on 80% of the training
  folds, split-conformal on the other 20% (the same recipe as findeep's, with trees).
* LightGBM CQR — the two LightGBM quantile models fitted on that 80%, conformalised on
  the 20% (CQR with trees, as in Romano et al.'s experiments with forests).

Besides coverage and mean width: ``width_row_std``, the spread of widths across rows (0 for
split-conformal: one width for all), and ``coverage_by_tercile`` — coverage within the
thirds of the test fold by the point prediction of LightGBM (the same grouping for every
method), a check that adaptive widths buy more even coverage.

Writes benchmarks/results/pricing_intervals.json.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
from sklearn.model_selection import KFold

from findeep import TabularRegressor
from findeep.data.samples import load_sample
from findeep.data.schema import infer_schema
from findeep.evaluate.baselines import prepare_baseline_inputs
from findeep.evaluate.intervals import (
    ConformalIntervals,
    QuantileConformalIntervals,
    interval_metrics,
)

HERE = Path(__file__).resolve().parent


class Clock:
    """Wall and CPU seconds since ``start``."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> dict[str, float]:
        return {"seconds": time.perf_counter() - self.wall,
                "cpu_seconds": time.process_time() - self.cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--methods", default="", help="comma-separated subset of the methods")
    args = parser.parse_args()
    sample = load_sample("loans")
    frame = sample.frame
    y = frame[sample.target].to_numpy(dtype=float)
    X = frame.drop(columns=[sample.target])
    inputs = prepare_baseline_inputs(X, infer_schema(X, warn=False)).frame
    low_q, high_q = (1 - args.level) / 2, (1 + args.level) / 2
    names = ("findeep split-conformal", "findeep CQR", "LightGBM quantiles",
             "LightGBM + conformal", "LightGBM CQR")
    if args.methods:
        names = tuple(n for n in names if n in args.methods.split(","))
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    clock = Clock()
    for fold, (train, test) in enumerate(
            KFold(args.folds, shuffle=True, random_state=0).split(X)):
        order = np.random.default_rng(fold).permutation(train)
        cut = int(0.8 * len(order))
        point = lightgbm.LGBMRegressor(random_state=0, verbose=-1).fit(
            inputs.iloc[order[:cut]], y[order[:cut]])
        terciles = np.digitize(point.predict(inputs.iloc[test]), np.quantile(
            point.predict(inputs.iloc[test]), [1 / 3, 2 / 3]))

        def record(name: str, lower: np.ndarray, upper: np.ndarray,
                   rows: np.ndarray = test, groups: np.ndarray = terciles) -> None:
            inside = (y[rows] >= lower) & (y[rows] <= upper)
            results[name].append({
                **interval_metrics(y[rows], lower, upper),
                "width_row_std": float(np.std(upper - lower)),
                "coverage_by_tercile": [float(inside[groups == t].mean()) for t in range(3)],
                **clock.read()})

        for name, method in (("findeep split-conformal", "split-conformal"),
                             ("findeep CQR", "cqr")):
            if name not in results:
                continue
            clock.start()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = TabularRegressor(random_state=0, interval_method=method,
                                         interval=args.level).fit(X.iloc[train], y[train])
            bounds = model.predict_interval(X.iloc[test], args.level)
            record(name, bounds[:, 0], bounds[:, 1])
        clock.start()
        ends = []
        for alpha in (low_q, high_q):
            q = lightgbm.LGBMRegressor(objective="quantile", alpha=alpha, random_state=0,
                                       verbose=-1).fit(inputs.iloc[train], y[train])
            ends.append(q.predict(inputs.iloc[test]))
        if "LightGBM quantiles" in results:
            record("LightGBM quantiles", ends[0], ends[1])
        if "LightGBM + conformal" in results:
            clock.start()
            conformal = ConformalIntervals.fit(y[order[cut:]],
                                               point.predict(inputs.iloc[order[cut:]]))
            lower, upper = conformal.interval(point.predict(inputs.iloc[test]), args.level)
            record("LightGBM + conformal", lower, upper)
        if "LightGBM CQR" in results:
            clock.start()
            quantile_models = [lightgbm.LGBMRegressor(
                objective="quantile", alpha=alpha, random_state=0, verbose=-1).fit(
                inputs.iloc[order[:cut]], y[order[:cut]]) for alpha in (low_q, high_q)]

            def band(rows: np.ndarray, models: list = quantile_models) -> np.ndarray:
                return np.column_stack([m.predict(inputs.iloc[rows]) for m in models])

            cqr = QuantileConformalIntervals.fit(y[order[cut:]], band(order[cut:]), args.level)
            lower, upper = cqr.interval(np.zeros(len(test)), args.level, band(test))
            record("LightGBM CQR", lower, upper)
        print(fold, {k: {m: np.round(v[-1][m], 4).tolist() for m in v[-1]}
                     for k, v in results.items()}, flush=True)
    summary = {name: {f"{metric}_{stat}": float(getattr(np, stat)([r[metric] for r in rows]))
                      for metric in ("interval_coverage", "interval_width", "width_row_std",
                                     "seconds", "cpu_seconds")
                      for stat in ("mean", "std")} | {"coverage_by_tercile_mean": np.mean(
                          [r["coverage_by_tercile"] for r in rows], axis=0).round(4).tolist()}
               for name, rows in results.items()}
    out = {"level": args.level, "folds": args.folds, "rows": len(y), "summary": summary,
           "per_fold": results}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "pricing_intervals.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
