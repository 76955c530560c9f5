"""The COS Heston reference against QuantLib's AnalyticHestonEngine on random points of the box.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_reference_check.py [--points 2000]

Points uniform in Liu et al.'s box (seed 1), maturity rounded to QuantLib's whole days;
points where QuantLib's adaptive integration gives up are counted, not compared. Writes
benchmarks/results/pricing_reference.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import QuantLib as ql

from findeep.pricing.reference import heston_price

HERE = Path(__file__).resolve().parent


def quantlib(m, days, r, kappa, vbar, gamma, rho, v0):
    today = ql.Date(1, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    process = ql.HestonProcess(ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
                               ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc)),
                               ql.QuoteHandle(ql.SimpleQuote(m)), v0, kappa, vbar, gamma, rho)
    option = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 1.0),
                              ql.EuropeanExercise(today + days))
    option.setPricingEngine(ql.AnalyticHestonEngine(ql.HestonModel(process), 1e-12, 1_000_000))
    return option.NPV()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    errors, failed = [], 0
    for _ in range(args.points):
        m, tau, r = rng.uniform(.6, 1.4), rng.uniform(.1, 1.4), rng.uniform(0, .1)
        rho, kappa = rng.uniform(-.95, 0), rng.uniform(0, 2)
        vbar, gamma, v0 = rng.uniform(0, .5), rng.uniform(0, .5), rng.uniform(.05, .5)
        days = round(tau * 365)
        try:
            expected = quantlib(m, days, r, kappa, vbar, gamma, rho, v0)
        except RuntimeError:
            failed += 1
            continue
        got = heston_price(m, days / 365, r, kappa=kappa, vbar=vbar, gamma=gamma, rho=rho, v0=v0)
        errors.append(abs(float(got) - expected))
    result = {"points": args.points, "compared": len(errors), "quantlib_failed": failed,
              "max_abs_error": max(errors), "median_abs_error": float(np.median(errors))}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "pricing_reference.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
