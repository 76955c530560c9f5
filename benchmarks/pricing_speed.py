"""Pricing speed per option, in one run on one thread: the network (PyTorch and ONNX Runtime)
vs the vectorised COS reference vs QuantLib's AnalyticHestonEngine.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/pricing_speed.py PRICER [--onnx PRICER.onnx]

Every pricer runs on ONE thread (torch, ONNX Runtime and the BLAS libraries pinned before
numpy loads), and times are CPU seconds (``time.process_time``, best of the repeats), so
the ratios hold on a shared machine too; wall seconds are recorded beside them.

* network — ``pricer.price_inputs`` on 100,000 random options of the pricer's box, float32,
  batched forwards of 4,096 rows (cache-sized) under ``inference_mode``; split into the
  perceptron (``body``) and the closed-form mixture price (the strike side), a floor that
  no smaller perceptron can go below;
* ONNX Runtime — the exported graph of the same network (``--onnx``, else exported here);
* reference — ``heston_price`` as shipped (COS with its terms chosen per option, doubled
  from 128 until the series' tail is below 1e-10: 5e-14 of QuantLib over the box, since the
  twenty-first session) on the same options (``--reference-n`` of them); beside it COS with a
  fixed 32-512 terms (512 was the reference before), with their max error against it: the
  reference at the network's own accuracy;
* QuantLib — one ``VanillaOption`` per option (it prices one per call), timed with and
  without building the Python objects, on ``--quantlib-n`` options.

Writes benchmarks/results/pricing_speed.json.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from findeep.pricing.box import INPUT_COLUMNS  # noqa: E402
from findeep.pricing.bundle import load_pricer  # noqa: E402
from findeep.pricing.networks import normal_cdf  # noqa: E402
from findeep.pricing.reference import heston_price  # noqa: E402
from findeep.pricing.sampling import sample_box  # noqa: E402

HERE = Path(__file__).resolve().parent


def best_seconds(fn: Callable[[], Any], repeats: int) -> dict[str, float]:
    """Best CPU and best wall seconds over ``repeats`` calls."""
    cpu, wall = [], []
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {"cpu": min(cpu), "wall": min(wall)}


def reference(x: np.ndarray, n_terms: int | None = None) -> np.ndarray:
    """``heston_price`` on rows of INPUT_COLUMNS; ``n_terms=None``: its per-option terms."""
    return heston_price(x[:, 0], x[:, 1], x[:, 2], rho=x[:, 3], kappa=x[:, 4], vbar=x[:, 5],
                        gamma=x[:, 6], v0=x[:, 7], n_terms=n_terms)


def quantlib_options(x: np.ndarray) -> list[Any]:
    import QuantLib as ql

    today = ql.Date(1, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    options = []
    for m, tau, r, rho, kappa, vbar, gamma, v0 in x:
        rates = ql.YieldTermStructureHandle(ql.FlatForward(today, float(r), dc))
        divs = ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc))
        process = ql.HestonProcess(rates, divs, ql.QuoteHandle(ql.SimpleQuote(float(m))),
                                   float(v0), float(kappa), float(vbar), float(gamma),
                                   float(rho))
        option = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 1.0),
                                  ql.EuropeanExercise(today + max(1, round(tau * 365))))
        option.setPricingEngine(ql.AnalyticHestonEngine(ql.HestonModel(process)))
        options.append(option)
    return options


def quantlib_npv(options: list[Any]) -> np.ndarray:
    out = np.empty(len(options))
    for i, option in enumerate(options):
        try:
            out[i] = option.NPV()
        except RuntimeError:
            out[i] = np.nan
    return out


def network_flops(network: torch.nn.Module) -> int:
    """Multiply-adds x 2 of the perceptron per option (activations and the closed form
    not counted)."""
    return sum(2 * m.in_features * m.out_features for m in network.body
               if isinstance(m, torch.nn.Linear))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pricer")
    parser.add_argument("--onnx", default=None, help="the pricer's .onnx export")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reference-n", type=int, default=100_000)
    parser.add_argument("--quantlib-n", type=int, default=1000)
    parser.add_argument("--out", default=str(HERE / "results" / "pricing_speed.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    pricer = load_pricer(args.pricer)
    x = sample_box(pricer.box_, args.n, seed=99)[list(INPUT_COLUMNS)].to_numpy()
    x32 = x.astype(np.float32)
    per = {}  # seconds per option: {"cpu", "wall"}

    def per_option(times: dict[str, float], n: int) -> dict[str, float]:
        return {k: 1e6 * v / n for k, v in times.items()}  # microseconds

    pricer.price_inputs(x32[:1000])  # warm-up
    per["network"] = per_option(best_seconds(lambda: pricer.price_inputs(x32), 5), args.n)
    network = pricer.network_
    chunks = torch.from_numpy(x32).split(4096)
    with torch.inference_mode():  # the two parts of the forward, on the same batches
        calendar = getattr(network, "calendar", False)
        body_in = [network.scale(c[:, 1:])[:, 1 if calendar else 0:] for c in chunks]
        per["network_body"] = per_option(best_seconds(
            lambda: [network.body(b) for b in body_in], 5), args.n)
        parts = [(c, *network.mixture(c)) for c in chunks]

        def closed_form() -> list[torch.Tensor]:  # the body of MixturePriceNet.price
            out = []
            for c, log_w, log_m, total in parts:
                m, tau, r = c[:, 0:1], c[:, 1:2], c[:, 2:3]
                d1 = (log_m + torch.log(m) + r * tau) / total + 0.5 * total
                out.append((torch.exp(log_w) * (m * torch.exp(log_m) * normal_cdf(d1) - torch.exp(
                    -r * tau) * normal_cdf(d1 - total))).sum(dim=1))
            return out

        per["network_closed_form"] = per_option(best_seconds(closed_form, 5), args.n)
    onnx_path = args.onnx
    if onnx_path is None:  # export the pricer to a scratch file (needs the onnx extra)
        try:
            import tempfile

            from findeep.pricing.onnx import export_pricer

            onnx_path = str(Path(tempfile.mkdtemp()) / "pricer.onnx")
            export_pricer(pricer, onnx_path)
        except Exception as exc:  # the ONNX timing is optional
            print(f"no ONNX timing: {exc}")
            onnx_path = None
    if onnx_path:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        session.run(None, {"options": x32[:1000]})

        def onnx_prices() -> np.ndarray:  # the same cache-sized batches as price_inputs
            return np.concatenate([session.run(None, {"options": x32[i:i + 4096]})[0]
                                   for i in range(0, len(x32), 4096)])

        per["onnx"] = per_option(best_seconds(onnx_prices, 5), args.n)
    sub = x[:args.reference_n]
    truth = reference(sub)  # also the first timing run's warm-up
    per["reference"] = per_option(best_seconds(lambda: reference(sub), 1), len(sub))
    cos = {}
    small = x[:2000]
    small_truth = truth[:2000] if len(truth) >= 2000 else reference(small)
    for n_terms in (32, 64, 128, 256, 512):
        times = per_option(best_seconds(lambda n=n_terms: reference(small, n), 2), len(small))
        cos[n_terms] = {"us_per_option": times, "max_error_vs_reference": float(
            np.max(np.abs(reference(small, n_terms) - small_truth)))}
    ql_x = x[:args.quantlib_n]
    started = best_seconds(lambda: quantlib_options(ql_x), 1)
    options = quantlib_options(ql_x)
    npv = best_seconds(lambda: quantlib_npv(options), 1)  # first NPV call computes
    per["quantlib_npv_only"] = per_option(npv, len(ql_x))
    per["quantlib_with_setup"] = per_option({k: started[k] + npv[k] for k in npv}, len(ql_x))
    net_error = np.abs(pricer.price_inputs(x32[:len(sub)]) - truth)
    cpu = {k: v["cpu"] for k, v in per.items()}
    result = {
        "options": args.n, "reference_options": len(sub), "quantlib_options": len(ql_x),
        "threads": 1, "us_per_option_cpu": cpu,
        "us_per_option_wall": {k: v["wall"] for k, v in per.items()},
        "reference_over_network": cpu["reference"] / cpu["network"],
        "reference_over_onnx": cpu["reference"] / cpu["onnx"] if "onnx" in cpu else None,
        "quantlib_with_setup_over_network": cpu["quantlib_with_setup"] / cpu["network"],
        "quantlib_npv_only_over_network": cpu["quantlib_npv_only"] / cpu["network"],
        # everything but the perceptron (mixture head + closed form): what a free one leaves
        "network_outside_body": cpu["network"] - cpu["network_body"],
        "ceiling_if_the_perceptron_were_free": cpu["reference"] / (cpu["network"]
                                                                    - cpu["network_body"]),
        "cos_terms": {str(k): {"us_per_option_cpu": v["us_per_option"]["cpu"],
                               "max_error_vs_reference": v["max_error_vs_reference"],
                               "cos_over_network": v["us_per_option"]["cpu"] / cpu["network"]}
                      for k, v in cos.items()},
        "network_max_error_vs_reference": float(net_error.max()),
        "network_mae_vs_reference": float(net_error.mean()),
        "network_flops_per_option": network_flops(pricer.network_),
        "network_params": pricer.network_.config,
        "cpu": os.uname().machine, "torch": torch.__version__,
    }
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
