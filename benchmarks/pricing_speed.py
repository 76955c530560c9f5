"""Pricing speed, side by side in one run: the network vs the vectorised COS reference vs
QuantLib's AnalyticHestonEngine; and the grid network vs the reference on whole surfaces.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_speed.py PRICER [--surface SURFACE]

Times are medians of repeats on the same 100,000 random options from the pricer's box
(QuantLib on a 1,000-option subsample, per option, as its engine prices one option per
call). Writes benchmarks/results/pricing_speed.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from findeep.pricing.box import INPUT_COLUMNS
from findeep.pricing.bundle import load_pricer
from findeep.pricing.reference import heston_price
from findeep.pricing.sampling import sample_box

HERE = Path(__file__).resolve().parent


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def quantlib_prices(x: np.ndarray) -> np.ndarray:
    import QuantLib as ql

    today = ql.Date(1, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    out = np.empty(len(x))
    for i, (m, tau, r, rho, kappa, vbar, gamma, v0) in enumerate(x):
        rates = ql.YieldTermStructureHandle(ql.FlatForward(today, float(r), dc))
        divs = ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc))
        process = ql.HestonProcess(rates, divs, ql.QuoteHandle(ql.SimpleQuote(float(m))),
                                   float(v0), float(kappa), float(vbar), float(gamma),
                                   float(rho))
        option = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 1.0),
                                  ql.EuropeanExercise(today + max(1, round(tau * 365))))
        option.setPricingEngine(ql.AnalyticHestonEngine(ql.HestonModel(process)))
        try:
            out[i] = option.NPV()
        except RuntimeError:
            out[i] = np.nan
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pricer")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--quantlib-n", type=int, default=1000)
    args = parser.parse_args()
    pricer = load_pricer(args.pricer)
    x = sample_box(pricer.box_, args.n, seed=99)[list(INPUT_COLUMNS)].to_numpy()
    x32 = x.astype(np.float32)
    threads = torch.get_num_threads()

    def network() -> np.ndarray:
        return pricer.price_inputs(x32)

    def reference() -> np.ndarray:
        return heston_price(x[:, 0], x[:, 1], x[:, 2], rho=x[:, 3], kappa=x[:, 4],
                            vbar=x[:, 5], gamma=x[:, 6], v0=x[:, 7])

    network()  # warm-up
    t_net = median_seconds(network, 5)
    t_ref = median_seconds(reference, 1)
    sub = x[: args.quantlib_n]
    t_ql = median_seconds(lambda: quantlib_prices(sub), 1) * args.n / args.quantlib_n
    result = {
        "options": args.n, "torch_threads": threads,
        "network_seconds": t_net, "reference_seconds": t_ref,
        "quantlib_seconds_extrapolated": t_ql, "quantlib_options_timed": args.quantlib_n,
        "network_us_per_option": 1e6 * t_net / args.n,
        "reference_us_per_option": 1e6 * t_ref / args.n,
        "quantlib_us_per_option": 1e6 * t_ql / args.n,
        "reference_over_network": t_ref / t_net, "quantlib_over_network": t_ql / t_net,
        "network_params": pricer.network_.config,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "pricing_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
