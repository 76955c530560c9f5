"""Heston calibration to 100-option surfaces with known parameters: network vs reference.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_calibration.py PRICER [--surfaces 10]
        [--reference-surfaces N]

Each surface is 10 moneyness (S/K 0.8-1.2) x 10 maturities (0.2-1.3 y) priced by the COS
reference at parameters drawn from the inner half of the default box (rate 3%). Both
calibrations start from the box centre with the same tolerances (trust-region reflective,
bounded). Reports per surface: time, fit RMSE (strike units, repriced by the reference),
and the absolute error of each recovered parameter; then medians and maxima. Times are
wall seconds and this process's CPU seconds, on one thread (torch pinned to 1; the CPU
figure is what a busy machine cannot inflate). ``--reference-surfaces`` runs the
reference calibration on the first N surfaces only (it is ~100x slower). Writes
benchmarks/results/pricing_calibration.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import torch

from findeep.pricing.box import HESTON_COLUMNS
from findeep.pricing.bundle import load_pricer
from findeep.pricing.calibration import calibrate, read_surface, synthetic_surface

HERE = Path(__file__).resolve().parent
INNER = {"rho": (-0.8, -0.2), "kappa": (0.5, 1.5), "vbar": (0.05, 0.3), "gamma": (0.1, 0.4),
         "v0": (0.08, 0.35)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pricer")
    parser.add_argument("--surfaces", type=int, default=10)
    parser.add_argument("--reference-surfaces", type=int, default=None)
    parser.add_argument("--out", default=str(HERE / "results" / "pricing_calibration.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    n_reference = args.surfaces if args.reference_surfaces is None else args.reference_surfaces
    pricer = load_pricer(args.pricer)
    rng = np.random.default_rng(2024)
    rows = []
    for i in range(args.surfaces):
        true = {k: float(rng.uniform(*INNER[k])) for k in HESTON_COLUMNS}
        surface = read_surface(synthetic_surface(true), pricer.box_)
        row = {"true": true}
        runs = [("network", lambda s=surface: calibrate(s, pricer=pricer))]
        if i < n_reference:
            runs.append(("reference", lambda s=surface: calibrate(s, box=pricer.box_)))
        for name, run in runs:
            fitted = run()
            row[name] = {"seconds": fitted.seconds, "cpu_seconds": fitted.cpu_seconds,
                         "rmse": fitted.reference_rmse,
                         "evaluations": fitted.evaluations,
                         "abs_error": {k: abs(fitted.parameters[k] - true[k])
                                       for k in HESTON_COLUMNS}}
        rows.append(row)
        print(i, {n: round(row[n]["cpu_seconds"], 3) for n in ("network", "reference")
                  if n in row},
              {k: round(row["network"]["abs_error"][k], 4) for k in HESTON_COLUMNS}, flush=True)
    summary = {}
    for name in ("network", "reference"):
        done = [r[name] for r in rows if name in r]
        if not done:
            continue
        summary[name] = {
            "surfaces": len(done),
            "median_seconds": statistics.median(r["seconds"] for r in done),
            "max_seconds": max(r["seconds"] for r in done),
            "median_cpu_seconds": statistics.median(r["cpu_seconds"] for r in done),
            "max_cpu_seconds": max(r["cpu_seconds"] for r in done),
            "median_rmse": statistics.median(r["rmse"] for r in done),
            "median_abs_error": {k: statistics.median(r["abs_error"][k] for r in done)
                                 for k in HESTON_COLUMNS},
            "max_abs_error": {k: max(r["abs_error"][k] for r in done) for k in HESTON_COLUMNS}}
    both = [r for r in rows if "reference" in r]
    if both:
        summary["speed_ratio_median_cpu"] = statistics.median(
            r["reference"]["cpu_seconds"] / r["network"]["cpu_seconds"] for r in both)
        summary["speed_ratio_median_wall"] = statistics.median(
            r["reference"]["seconds"] / r["network"]["seconds"] for r in both)
    result = {"surfaces": args.surfaces, "options_per_surface": 100, "summary": summary,
              "rows": rows}
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
