"""Forecasting, round 3 (issue 13): conformal intervals, volume, 1-day volatility, linear path.

Same panels, windows, losses and Diebold-Mariano tests as ``forecast_round2.py`` (imported
from it), but every network trains with the frozen recipe itself (30 epochs max, patience 6;
round 2 capped it at 12/4 under load). Sections:

- ``intervals``: GRU quantiles 0.01/0.05/0.5/0.95/0.99, raw and conformalised (additive
  shifts, shifts in units of the trailing 20-day volatility, and ``adaptive``: rolling
  realised scores with adaptive conformal inference, updated every test date);
  ``--modes`` picks which (a re-run adds its rows to the JSON, keeping the others);
  next-day returns on the three panels (fixed split, and walk-forward refitting every 100 /
  250 / 500 dates, each fold calibrated on its own latest training dates), realised
  volatility (eustocks, S&P 500) and log volume (synthetic, S&P 500) on the fixed split.
- ``volume``: next-day log volume (synthetic panel, S&P 500), naive vs ridge vs LightGBM vs
  the four networks, DM of the validation-chosen network against each.
- ``vol1``: S&P 500 1-day realised volatility, walk-forward (refit every 1,000 dates as in
  round 2): HAR-RV, GARCH(1,1), GJR-GARCH and the four networks on the default inputs and
  with log-HAR averages plus the down-day squared return (``har``, ``leverage``), plus a
  3-member GRU; and the same GRU/TCN ablation on eustocks and the synthetic panel (fixed
  split).
- ``linear``: the GRU with no linear path, with the default ridge start (zero head), with a
  randomly initialised head, and with that head plus the linear path at 0.1x the step.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/forecast_round3.py \\
        --sections intervals,volume,vol1,linear --json benchmarks/results/forecast_round3.json
    python benchmarks/forecast_round3.py --render --json benchmarks/results/forecast_round3.json
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from forecast_round2 import _p, compare, panels, summary

from findeep.forecast import SequenceForecaster, evaluate_fixed, evaluate_walk_forward

NETWORKS = ("lstm", "gru", "tcn", "transformer")
QUANTILES = [0.01, 0.05, 0.5, 0.95, 0.99]
REFIT = {"synthetic": 100, "eustocks": 250, "sp500": 500}
HAR_INPUTS = ["return", "squared_return", "volatility", "har", "leverage"]
LINEAR_VARIANTS = {
    "plain GRU (no linear path)": {"linear_path": False},
    "ridge start, zero head (default)": {},
    "ridge start, random head": {"zero_head": False},
    "ridge start, random head, linear path at 0.1x step": {"zero_head": False,
                                                            "linear_lr_scale": 0.1},
    # round 4: containing variants that train like the plain network (BENCHMARKS.md)
    "linear path started at zero (linear_path='zero')": {"linear_path": "zero"},
    "validation picks ridge start or plain (linear_path='select')": {"linear_path": "select"},
}
ROUND3_VARIANTS = list(LINEAR_VARIANTS)[:4]


def run(panel: dict[str, Any], target: str, model: str, *, horizon: int = 1,
        refit_every: int | None = None, **options: Any) -> Any:
    forecaster = SequenceForecaster(date_column=panel["date"], asset_column=panel["asset"],
                                    target=target, model=model, horizon=horizon,
                                    window=22 if target == "realized_vol" else 20,
                                    random_state=0, device="cpu", **options)
    if refit_every:
        return evaluate_walk_forward(forecaster, panel["data"], test_start=panel["test_start"],
                                     refit_every=refit_every)
    return evaluate_fixed(forecaster, panel["data"], test_start=panel["test_start"])


def _losses_target(target: str) -> str:
    return "realized_vol" if target == "realized_vol" else "return"  # squared error otherwise


def interval_row(evaluation: Any) -> dict[str, Any]:
    m = evaluation.metrics
    keys = ("coverage_90", "width_90", "coverage_98", "width_98", "var_0.01_rate",
            "var_0.01_kupiec_p", "var_0.05_rate", "var_0.05_kupiec_p", "rows")
    shifts = [f["conformal"]["shift"] for f in evaluation.folds if f.get("conformal")]
    return {**{k: m.get(k) for k in keys}, "fit_seconds": evaluation.fit_seconds,
            "folds": len(evaluation.folds), "shifts": shifts}


MODES = ["none", "additive", "scaled", "adaptive"]  # dtaci (round 4): --modes dtaci


def intervals(results: dict[str, Any], only: str | None = None) -> None:
    """``only``: run just the rows whose key contains it (e.g. ``realized_vol``)."""
    out = results.setdefault("intervals", {})
    every = panels()
    jobs = [(name, "return", None) for name in every]
    jobs += [(name, "return", REFIT[name]) for name in every]
    jobs += [("eustocks", "realized_vol", None), ("sp500", "realized_vol", None),
             ("synthetic", "log_volume", None), ("sp500", "log_volume", None)]
    for name, target, refit in jobs:
        key = f"{name}/{target}/" + (f"walk-forward {refit}" if refit else "fixed")
        if only and only not in key:
            continue
        out.setdefault(key, {})
        for mode in MODES:
            evaluation = run(every[name], target, "gru", refit_every=refit,
                             quantiles=QUANTILES, conformal=mode)
            out[key][mode] = interval_row(evaluation)
            print(f"intervals {key} conformal={mode}: {out[key][mode]}", flush=True)


def volume(results: dict[str, Any]) -> None:
    out = results.setdefault("volume", {})
    every = panels()
    for name in ("synthetic", "sp500"):
        evaluations = {m: run(every[name], "log_volume", m)
                       for m in ("naive", "linear", "lightgbm", *NETWORKS)}
        rows = {m: summary(e, "return") for m, e in evaluations.items()}
        best = min(NETWORKS, key=lambda m: rows[m]["validation_loss"])
        for m in ("naive", "linear", "lightgbm", *NETWORKS):
            if m != best:
                rows[m]["best_network_vs"] = compare(evaluations[best], evaluations[m], "return")
        out[name] = {"rows": rows, "best_network": best}
        print(f"volume {name}: " + ", ".join(f"{m} {r['loss']:.5f} r2 {r['r2']:.3f}"
                                             for m, r in rows.items()), flush=True)


def vol1(results: dict[str, Any]) -> None:
    out = results.setdefault("vol1", {})
    every = panels()
    sp = every["sp500"]
    evaluations: dict[str, Any] = {m: run(sp, "realized_vol", m, refit_every=1000)
                                   for m in ("har", "garch", "gjr_garch")}
    for m in NETWORKS:
        evaluations[m] = run(sp, "realized_vol", m, refit_every=1000)
        evaluations[f"{m} + har + leverage"] = run(sp, "realized_vol", m, refit_every=1000,
                                                   features=HAR_INPUTS)
        print(f"vol1 sp500 {m} done", flush=True)
    evaluations["gru + har + leverage, 3 members"] = run(
        sp, "realized_vol", "gru", refit_every=1000, features=HAR_INPUTS, n_members=3)
    rows = {m: summary(e, "realized_vol") for m, e in evaluations.items()}
    for m, e in evaluations.items():
        if m != "gjr_garch":
            rows[m]["vs_gjr"] = compare(e, evaluations["gjr_garch"], "realized_vol")
        if m not in ("har",):
            rows[m]["vs_har"] = compare(e, evaluations["har"], "realized_vol")
    default_best = min(NETWORKS, key=lambda m: rows[m]["validation_loss"])
    har_best = min((f"{m} + har + leverage" for m in NETWORKS),
                   key=lambda m: rows[m]["validation_loss"])
    rows[har_best]["vs_default_best"] = compare(evaluations[har_best],
                                                evaluations[default_best], "realized_vol")
    out["sp500"] = {"rows": rows, "best_default": default_best, "best_har": har_best}
    print("vol1 sp500: " + ", ".join(f"{m} {r['qlike']:.4f}" for m, r in rows.items()),
          flush=True)
    for name in ("eustocks", "synthetic"):
        panel = every[name]
        ev = {m: run(panel, "realized_vol", m) for m in ("har", "gjr_garch")}
        for m in ("gru", "tcn"):
            ev[m] = run(panel, "realized_vol", m)
            ev[f"{m} + har + leverage"] = run(panel, "realized_vol", m, features=HAR_INPUTS)
        block = {m: summary(e, "realized_vol") for m, e in ev.items()}
        for m, e in ev.items():
            if m != "gjr_garch":
                block[m]["vs_gjr"] = compare(e, ev["gjr_garch"], "realized_vol")
        for m in ("gru", "tcn"):
            block[f"{m} + har + leverage"]["vs_default"] = compare(
                ev[f"{m} + har + leverage"], ev[m], "realized_vol")
        out[name] = {"rows": block}
        print(f"vol1 {name}: " + ", ".join(f"{m} {r['qlike']:.4f}" for m, r in block.items()),
              flush=True)


def linear(results: dict[str, Any], variants: list[str] | None = None) -> None:
    """``variants``: labels of ``LINEAR_VARIANTS`` to run (default: round 3's four); the
    default and the plain GRU always run, so every row is DM-tested against both."""
    out = results.setdefault("linear", {})
    chosen = [*dict.fromkeys(["plain GRU (no linear path)", "ridge start, zero head (default)",
                              *(variants or ROUND3_VARIANTS)])]
    for name, panel in panels().items():
        for target in ("return", "realized_vol"):
            ridge = run(panel, target, "linear")
            rows: dict[str, Any] = {"ridge": summary(ridge, target)}
            evaluations = {}
            for label in chosen:
                cpu = time.process_time()
                evaluations[label] = run(panel, target, "gru", **LINEAR_VARIANTS[label])
                rows[label] = {**summary(evaluations[label], target),
                               "vs_ridge": compare(evaluations[label], ridge, target),
                               "cpu_seconds": time.process_time() - cpu,
                               "kept": [f.get("linear_path") for f in evaluations[label].folds]}
            default = evaluations["ridge start, zero head (default)"]
            plain = evaluations["plain GRU (no linear path)"]
            for label, evaluation in evaluations.items():
                if label != "ridge start, zero head (default)":
                    rows[label]["vs_default"] = compare(evaluation, default, target)
                if label != "plain GRU (no linear path)":
                    rows[label]["vs_plain"] = compare(evaluation, plain, target)
            out[f"{name}/{target}"] = rows
            print(f"linear {name}/{target}: " + ", ".join(
                f"{k} {v['loss']:.6g}" for k, v in rows.items()), flush=True)


def _f(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    if "intervals" in results:
        lines += ["#### Quantile forecasts, raw vs conformalised (GRU, quantiles "
                  "0.01/0.05/0.5/0.95/0.99)", "",
                  "| panel / target / split | heads | 90% coverage | 90% width | 98% coverage "
                  "| VaR 5% rate | Kupiec p | VaR 1% rate | Kupiec p | rows |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for key, block in results["intervals"].items():
            for heads, r in block.items():
                var = "/return/" in key  # a lower quantile of volatility or volume is no VaR
                label = {"none": "raw (none)", "adaptive": "adaptive (default)",
                         "dtaci": "dtaci (round 4)"}.get(heads, heads)
                lines.append(
                    f"| {key} | {label} | {r['coverage_90']:.3f} | {r['width_90']:.4g} | "
                    f"{r['coverage_98']:.3f} | "
                    + (f"{r['var_0.05_rate']:.3f} | {r['var_0.05_kupiec_p']:.2g} | "
                       f"{r['var_0.01_rate']:.3f} | {r['var_0.01_kupiec_p']:.2g}" if var
                       else "- | - | - | -") + f" | {r['rows']} |")
        lines.append("")
    if "volume" in results:
        for name, block in results["volume"].items():
            rows, best = block["rows"], block["best_network"]
            lines += [f"#### Next-day log volume, {name} (fixed split)", "",
                      f"Loss: MSE of log(1 + volume). Best network by validation: {best}; "
                      f"DM: {best} against each.", "",
                      "| model | MSE | R² | fit s | " + f"{best} vs this |",
                      "|---|---|---|---|---|"]
            for m, r in rows.items():
                lines.append(f"| {m} | {r['loss']:.5f} | {_f(r['r2'], '.3f')} | "
                             f"{r['fit_seconds']:.1f} | {_p(r.get('best_network_vs'))} |")
            lines.append("")
    if "vol1" in results:
        block = results["vol1"]["sp500"]
        lines += ["#### S&P 500 realised volatility, 1-day, walk-forward (2011-2018, refit every "
                  "1,000 dates), frozen recipe", "",
                  f"Best network by validation: {block['best_default']} on default inputs, "
                  f"{block['best_har']} with the HAR inputs.", "",
                  "| model | QLIKE | MSE on variance (%²) | fit s | vs GJR-GARCH (DM) | "
                  "vs HAR-RV (DM) |", "|---|---|---|---|---|---|"]
        for m, r in block["rows"].items():
            lines.append(f"| {m} | {r['qlike']:.4f} | {r['mse_variance']:.3f} | "
                         f"{r['fit_seconds']:.1f} | {_p(r.get('vs_gjr'))} | "
                         f"{_p(r.get('vs_har'))} |")
        best = block["rows"][block["best_har"]].get("vs_default_best")
        lines += ["", f"{block['best_har']} vs {block['best_default']}: {_p(best)}", ""]
        for name in ("eustocks", "synthetic"):
            if name not in results["vol1"]:
                continue
            rows = results["vol1"][name]["rows"]
            lines += [f"#### {name} realised volatility, 1-day, fixed split", "",
                      "| model | QLIKE | fit s | vs GJR-GARCH (DM) | vs same network, default "
                      "inputs (DM) |", "|---|---|---|---|---|"]
            for m, r in rows.items():
                lines.append(f"| {m} | {r['qlike']:.4f} | {r['fit_seconds']:.1f} | "
                             f"{_p(r.get('vs_gjr'))} | {_p(r.get('vs_default'))} |")
            lines.append("")
    if "linear" in results:
        plain = any("vs_plain" in r for rows in results["linear"].values()
                    for r in rows.values())  # round 4's columns
        lines += ["#### Linear path: can the network gain from the ridge start? (GRU, fixed "
                  "split, frozen recipe)", "",
                  "| panel / target | variant | loss | vs ridge (DM) | vs default (DM) | "
                  + ("vs plain GRU (DM) | CPU s | kept | " if plain else "")
                  + "fit s | best epoch |", "|---|---|---|---|---|" + "---|" * (3 * plain)
                  + "---|---|"]
        for key, rows in results["linear"].items():
            scale = 1e4 if key.endswith("return") else 1.0
            for variant, r in rows.items():
                extra = (f"{_p(r.get('vs_plain'))} | {_f(r.get('cpu_seconds'), '.1f')} | "
                         f"{','.join(str(k) for k in r.get('kept') or []) or '-'} | "
                         if plain else "")
                lines.append(f"| {key} | {variant} | {r['loss'] * scale:.4f} | "
                             f"{_p(r.get('vs_ridge'))} | {_p(r.get('vs_default'))} | {extra}"
                             f"{r['fit_seconds']:.1f} | {r['best_epochs']} |")
        lines += ["", "(return losses x 1e4)", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="intervals,volume,vol1,linear")
    parser.add_argument("--json", default="benchmarks/results/forecast_round3.json")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="intervals: conformal modes to run "
                             "(none,additive,scaled,adaptive,dtaci)")
    parser.add_argument("--rows", default=None,
                        help="intervals: only the rows whose key contains this text")
    parser.add_argument("--variants", default=None,
                        help="linear: comma-separated 1-based indices into LINEAR_VARIANTS "
                             "(default 1-4, round 3's; round 4: 5,6)")
    parser.add_argument("--render", action="store_true",
                        help="only write the markdown tables from --json")
    args = parser.parse_args()
    path = Path(args.json)
    if args.render:
        results = json.loads(path.read_text())
        path.with_suffix(".md").write_text(render(results))
        print(render(results))
        return
    MODES[:] = args.modes.split(",")
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    results = json.loads(path.read_text()) if path.exists() else {}
    labels = list(LINEAR_VARIANTS)
    variants = ([labels[int(i) - 1] for i in args.variants.split(",")] if args.variants
                else None)
    sections = {"intervals": lambda results: intervals(results, args.rows),
                "volume": volume, "vol1": vol1,
                "linear": lambda results: linear(results, variants)}
    for section in args.sections.split(","):
        started, cpu = time.perf_counter(), time.process_time()
        sections[section](results)
        name = section if section != "intervals" or len(MODES) == 4 else f"intervals ({args.modes})"
        results.setdefault("wall_seconds", {})[name] = time.perf_counter() - started
        results.setdefault("cpu_seconds", {})[name] = time.process_time() - cpu
        results["torch"] = torch.__version__
        path.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
