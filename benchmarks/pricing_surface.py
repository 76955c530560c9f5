"""The grid variant (Horvath et al.): whole implied-vol surfaces, network vs reference.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_surface.py SURFACE_BUNDLE [--sets 500]

Fresh parameter sets (seed 777) from the default box; the reference prices the 9 x 6 grid by
COS and inverts each price to an implied vol (what the training data holds); the network
outputs the 54 vols in one pass. Reports the vol error in vol points and the time per
surface, in one run, on one thread (torch pinned to 1; the reference prices with n_jobs=1):
wall seconds and this process's CPU seconds. Writes benchmarks/results/pricing_surface.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from findeep.pricing.bundle import load_pricer
from findeep.pricing.sampling import generate_heston_grid

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle")
    parser.add_argument("--sets", type=int, default=500)
    parser.add_argument("--out", default=str(HERE / "results" / "pricing_surface.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = load_pricer(args.bundle)
    started, cpu_started = time.perf_counter(), time.process_time()
    fresh = generate_heston_grid(args.sets, seed=777, n_jobs=1)
    t_reference = time.perf_counter() - started
    cpu_reference = time.process_time() - cpu_started
    cells = [c for c in fresh.columns if c.startswith("iv_")]
    model.predict_surface(fresh.iloc[:8])  # warm-up
    started, cpu_started = time.perf_counter(), time.process_time()
    predicted = model.predict_surface(fresh)
    t_network = time.perf_counter() - started
    cpu_network = time.process_time() - cpu_started
    error = np.abs(predicted - fresh[cells].to_numpy()) * 100
    result = {
        "surfaces": len(fresh), "cells_per_surface": len(cells),
        "iv_mae_vol_points": float(error.mean()), "iv_p99_vol_points": float(
            np.quantile(error, 0.99)), "iv_max_vol_points": float(error.max()),
        "network_us_per_surface": 1e6 * t_network / len(fresh),
        "reference_us_per_surface": 1e6 * t_reference / len(fresh),
        "reference_over_network": t_reference / t_network,
        "network_cpu_us_per_surface": 1e6 * cpu_network / len(fresh),
        "reference_cpu_us_per_surface": 1e6 * cpu_reference / len(fresh),
        "reference_over_network_cpu": cpu_reference / cpu_network,
        "training": {k: v for k, v in model.training_.items() if k != "history"},
        "network": model.network_.config}
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
