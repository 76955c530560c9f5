"""Heston surrogate accuracy and static arbitrage: what `findeep pricing check` prints, as JSON.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_accuracy.py PRICER [--n 20000] [--sets 1000]

Accuracy on a fresh Latin-hypercube sample of the pricer's box (seed 12345, never used for
training data) priced by the COS reference; arbitrage counts on a 50 x 50 strike x maturity
grid for ``--sets`` random parameter sets (seed 54321), beyond 1e-7 per unit of spot.
Writes benchmarks/results/pricing_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from findeep.pricing.jobs import check_job

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pricer")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--sets", type=int, default=1000)
    parser.add_argument("--out", default=str(HERE / "results" / "pricing_accuracy.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    report = check_job(args.pricer, n=args.n, n_sets=args.sets)
    report["seconds"] = time.perf_counter() - started
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("accuracy", "arbitrage")}, indent=2))


if __name__ == "__main__":
    main()
