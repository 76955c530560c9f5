"""Heston calibration to 100-option surfaces with known parameters: network vs reference.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_calibration.py PRICER [--surfaces 10]

Each surface is 10 moneyness (S/K 0.8-1.2) x 10 maturities (0.2-1.3 y) priced by the COS
reference at parameters drawn from the inner half of the default box (rate 3%). Both
calibrations start from the box centre with the same tolerances (trust-region reflective,
bounded). Reports per surface: time, fit RMSE (strike units, repriced by the reference),
and the absolute error of each recovered parameter; then medians. Writes
benchmarks/results/pricing_calibration.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

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
    args = parser.parse_args()
    pricer = load_pricer(args.pricer)
    rng = np.random.default_rng(2024)
    rows = []
    for i in range(args.surfaces):
        true = {k: float(rng.uniform(*INNER[k])) for k in HESTON_COLUMNS}
        surface = read_surface(synthetic_surface(true), pricer.box_)
        row = {"true": true}
        for name, fitted in (("network", calibrate(surface, pricer=pricer)),
                             ("reference", calibrate(surface, box=pricer.box_))):
            row[name] = {"seconds": fitted.seconds, "rmse": fitted.reference_rmse,
                         "evaluations": fitted.evaluations,
                         "abs_error": {k: abs(fitted.parameters[k] - true[k])
                                       for k in HESTON_COLUMNS}}
        rows.append(row)
        print(i, {n: round(row[n]["seconds"], 3) for n in ("network", "reference")},
              {k: round(row["network"]["abs_error"][k], 4) for k in HESTON_COLUMNS}, flush=True)
    summary = {}
    for name in ("network", "reference"):
        summary[name] = {
            "median_seconds": statistics.median(r[name]["seconds"] for r in rows),
            "max_seconds": max(r[name]["seconds"] for r in rows),
            "median_rmse": statistics.median(r[name]["rmse"] for r in rows),
            "median_abs_error": {k: statistics.median(r[name]["abs_error"][k] for r in rows)
                                 for k in HESTON_COLUMNS},
            "max_abs_error": {k: max(r[name]["abs_error"][k] for r in rows)
                              for k in HESTON_COLUMNS}}
    summary["speed_ratio_median"] = statistics.median(
        r["reference"]["seconds"] / r["network"]["seconds"] for r in rows)
    result = {"surfaces": args.surfaces, "options_per_surface": 100, "summary": summary,
              "rows": rows}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "pricing_calibration.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
