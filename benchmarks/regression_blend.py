"""A regression blend to deploy (`findeep train --model default+catboost` on a loan's rate):
its accuracy beside the network alone and CatBoost, and whether its intervals keep their
coverage.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/regression_blend.py        # sample:loans, 5 folds
    python benchmarks/regression_blend.py --report-only                  # from the stored json

On each of 5 random folds (seed 0) of `sample:loans` (10,000 Lending Club loans, the
interest rate), the rows and columns ``run_benchmark`` gives its models:
- the bundle: ``fit_tabular(model="default+catboost")`` — the network on 80% of the training
  fold (early-stopping on the rest), CatBoost on the same 80%, 90% split-conformal intervals
  from the blend's residuals on the 20% neither saw;
- its two halves alone, from the same fit (the network's own intervals calibrated on the same
  20%, as `findeep train` without the blend calibrates them);
- CatBoost as `findeep benchmark` fits it, on the whole training fold.
Held-out R², RMSE, and the 90% intervals' coverage and mean width on the test fold. Paired
differences (mean ± std over folds) use BENCHMARKS.md's rule: a difference counts only beyond
one standard deviation of the per-fold differences.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import r2_score, root_mean_squared_error

import findeep.benchmark as benchmark_module
from findeep.data.samples import load_sample
from findeep.evaluate.baselines import make_baseline
from findeep.evaluate.intervals import ConformalIntervals
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "regression_blend.json"
REPORT = HERE / "results" / "regression_blend.md"
LEVEL = 0.9


def interval_scores(y: np.ndarray, prediction: np.ndarray,
                    intervals: ConformalIntervals) -> dict[str, float]:
    lower, upper = intervals.interval(prediction, LEVEL)
    return {"coverage": float(np.mean((y >= lower) & (y <= upper))),
            "width": float(np.mean(upper - lower))}


def measure(n_folds: int) -> list[dict]:
    sample = load_sample("loans")
    table = benchmark_module._BenchmarkTable.from_frame(sample.frame, sample.target,
                                                        task="auto", time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, "regression", n_folds, 0, None, False)
    records = []
    for k, (train, test) in enumerate(folds):
        y_test = table.y.iloc[test].to_numpy(dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            pipeline = fit_tabular(table.X.iloc[train], table.y.iloc[train], task="regression",
                                   model="default+catboost", seed=0, verbose=0,
                                   interval=LEVEL)
            blend_seconds = time.perf_counter() - started
            test_rows = table.X.iloc[test]
            blend, _ = pipeline.predict_raw(test_rows)
            partner, pipeline.partner = pipeline.partner, None
            network, _ = pipeline.predict_raw(test_rows)
            # the network's own intervals, on the same held-out 20% of the training fold
            y_train = table.y_codes[train]
            held_out = pipeline.validation_positions  # the network early-stopped on these
            calibration = table.X.iloc[train].iloc[held_out]
            network_calibration, _ = pipeline.predict_raw(calibration)
            pipeline.partner = partner
            network_intervals = ConformalIntervals.fit(y_train[held_out], network_calibration,
                                                       LEVEL)
            blend_calibration, _ = pipeline.predict_raw(calibration)
            np.testing.assert_allclose(  # the rows the bundle calibrated on, exactly
                np.sort(np.abs(y_train[held_out] - blend_calibration)),
                pipeline.intervals.residuals, atol=1e-4)
            half = partner.raw_prediction(test_rows, pipeline.schema)
            inputs = table.baseline_inputs
            started = time.perf_counter()
            catboost = make_baseline("catboost", "regression", inputs, seed=0)
            catboost.fit(inputs.frame.iloc[train], table.y_codes[train])
            catboost_seconds = time.perf_counter() - started
            full = np.asarray(catboost.predict(inputs.frame.iloc[test]), dtype=float)
        record = {"fold": k, "blend_fit_seconds": blend_seconds,
                  "catboost_fit_seconds": catboost_seconds,
                  "partner_fit_seconds": pipeline.training["blend"]["partner_fit_seconds"]}
        for name, prediction in (("blend", blend), ("network", network),
                                 ("catboost_half", half), ("catboost", full)):
            record[name] = {"r2": float(r2_score(y_test, prediction)),
                            "rmse": float(root_mean_squared_error(y_test, prediction))}
        record["blend"] |= interval_scores(y_test, blend, pipeline.intervals)
        record["network"] |= interval_scores(y_test, network, network_intervals)
        records.append(record)
        print(f"fold {k}: " + ", ".join(f"{m} R² {record[m]['r2']:.4f}" for m in
                                        ("blend", "network", "catboost_half", "catboost")),
              flush=True)
    return records


def paired(records: list[dict], a: str, b: str, metric: str) -> tuple[float, float]:
    diffs = np.array([r[a][metric] - r[b][metric] for r in records])
    return float(diffs.mean()), float(diffs.std(ddof=1))


def report(records: list[dict]) -> str:
    lines = ["| model | R² | RMSE | 90% interval coverage | mean width |", "|---|---|---|---|---|"]
    for name, label in (("blend", "the bundle (`default+catboost`)"),
                        ("network", "its network alone"),
                        ("catboost_half", "its CatBoost half alone (80% of the fold)"),
                        ("catboost", "CatBoost as the benchmark fits it (the whole fold)")):
        r2 = np.array([r[name]["r2"] for r in records])
        rmse = np.array([r[name]["rmse"] for r in records])
        row = f"| {label} | {r2.mean():.4f} ± {r2.std(ddof=1):.4f} | {rmse.mean():.4f} |"
        if "coverage" in records[0][name]:
            coverage = np.array([r[name]["coverage"] for r in records])
            width = np.array([r[name]["width"] for r in records])
            row += (f" {coverage.mean():.3f} (folds {coverage.min():.3f}–{coverage.max():.3f})"
                    f" | {width.mean():.2f} |")
        else:
            row += " — | — |"
        lines.append(row)
    lines.append("")
    for a, b in (("blend", "network"), ("blend", "catboost"), ("blend", "catboost_half")):
        mean, std = paired(records, a, b, "r2")
        verdict = ("ahead" if mean > std else "behind" if -mean > std else "level")
        lines.append(f"- {a} − {b}: R² {mean:+.4f} ± {std:.4f} ({verdict})")
    mean, std = paired(records, "blend", "network", "width")
    lines.append(f"- interval width, blend − network: {mean:+.3f} ± {std:.3f}")
    fit = np.array([r["blend_fit_seconds"] / r["catboost_fit_seconds"] for r in records])
    lines.append(f"- fit: the bundle {np.median(fit):.2f}x CatBoost's (median over folds, "
                 f"{fit.min():.2f}–{fit.max():.2f}x)")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if args.report_only:
        records = json.loads(STORE.read_text())
    else:
        records = measure(args.folds)
        STORE.write_text(json.dumps(records, indent=1) + "\n")
    text = report(records)
    REPORT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
