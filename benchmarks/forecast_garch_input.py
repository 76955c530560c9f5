"""Forecasting, round 3b (issue 13): a GJR-GARCH variance forecast as a network input.

The hybrid practitioners use: the network reads the GJR-GARCH(1,1,1) conditional-variance
forecast (``features=[..., 'garch_var']``; parameters fitted on each fit's training returns
before its validation block, filtered forward with them) beside the default inputs and
learns on top of it. Realised volatility at 1 and 5 days on S&P 500 (walk-forward,
refit every 1,000 dates, as rounds 2 and 3) and eustocks (fixed split): HAR-RV, GARCH(1,1),
GJR-GARCH, GRU and TCN on the default inputs and with ``garch_var``; Diebold-Mariano tests
of every row against GJR-GARCH, GARCH(1,1) and HAR-RV, and of each ``+ garch_var`` network
against the same network on the default inputs. The networks were fixed before the run
(GRU: round 2's 5-day pick; TCN: round 3's validation pick at 1 day); nothing is chosen on
the test period.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/forecast_garch_input.py \\
        --json benchmarks/results/forecast_garch_input.json
    python benchmarks/forecast_garch_input.py --render \\
        --json benchmarks/results/forecast_garch_input.json
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from forecast_round2 import _p, compare, panels, summary

from findeep.forecast import SequenceForecaster, evaluate_fixed, evaluate_walk_forward
from findeep.forecast.features import default_features, resolve_columns
from findeep.forecast.series import read_series

BASELINES = ("har", "garch", "gjr_garch")
NETWORKS = ("gru", "tcn")
REFIT = {"sp500": 1000, "eustocks": None}


@dataclass(frozen=True)
class Variant:
    """What a round adds to each network: its row label, the forecaster options that make it
    (given the default inputs), the DM column's title and where its results go."""

    label: str
    options: Callable[[list[str]], dict[str, Any]]
    column: str
    json: str


GARCH_INPUT = Variant(" + garch_var", lambda default: {"features": [*default, "garch_var"]},
                      "+ garch_var vs default inputs (DM)",
                      "benchmarks/results/forecast_garch_input.json")


def run(panel: dict[str, Any], model: str, horizon: int, options: dict[str, Any]) -> Any:
    forecaster = SequenceForecaster(date_column=panel["date"], asset_column=panel["asset"],
                                    target="realized_vol", model=model, horizon=horizon,
                                    window=22, random_state=0, device="cpu", **options)
    refit = REFIT[panel["name"]]
    if refit:
        return evaluate_walk_forward(forecaster, panel["data"], test_start=panel["test_start"],
                                     refit_every=refit)
    return evaluate_fixed(forecaster, panel["data"], test_start=panel["test_start"])


def block(panel: dict[str, Any], horizon: int, variant: Variant) -> dict[str, Any]:
    series = read_series(panel["data"], date_column=panel["date"], asset_column=panel["asset"])
    default = default_features(resolve_columns(series, None), "realized_vol")
    evaluations = {m: run(panel, m, horizon, {}) for m in BASELINES}
    for m in NETWORKS:
        evaluations[m] = run(panel, m, horizon, {})
        evaluations[f"{m}{variant.label}"] = run(panel, m, horizon, variant.options(default))
        print(f"{panel['name']} h={horizon} {m} done", flush=True)
    rows = {m: summary(e, "realized_vol") for m, e in evaluations.items()}
    for m, e in evaluations.items():
        for ref, key in (("gjr_garch", "vs_gjr"), ("garch", "vs_garch"), ("har", "vs_har")):
            if m != ref:
                rows[m][key] = compare(e, evaluations[ref], "realized_vol", horizon)
        if m.endswith(variant.label):
            rows[m]["vs_default"] = compare(e, evaluations[m.removesuffix(variant.label)],
                                            "realized_vol", horizon)
    return {"rows": rows, "default_features": default}


def render(results: dict[str, Any], variant: Variant) -> str:
    lines: list[str] = []
    for key, b in results.get("blocks", {}).items():
        lines += [f"##### {key} (default inputs: {', '.join(b['default_features'])})", "",
                  "| model | QLIKE | MSE on variance (%²) | vs GJR-GARCH (DM) | vs GARCH(1,1) (DM) "
                  f"| vs HAR-RV (DM) | {variant.column} | fit s |",
                  "|---|---|---|---|---|---|---|---|"]
        for m, r in b["rows"].items():
            lines.append(f"| {m} | {r['qlike']:.4f} | {r['mse_variance']:.3f} | "
                         f"{_p(r.get('vs_gjr'))} | {_p(r.get('vs_garch'))} | "
                         f"{_p(r.get('vs_har'))} | {_p(r.get('vs_default'))} | "
                         f"{r['fit_seconds']:.1f} |")
        lines.append("")
    return "\n".join(lines)


def main(variant: Variant = GARCH_INPUT, doc: str = __doc__) -> None:
    np.seterr(all="ignore")
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--json", default=variant.json)
    parser.add_argument("--panels", default="sp500,eustocks")
    parser.add_argument("--horizons", default="1,5")
    parser.add_argument("--render", action="store_true")
    args = parser.parse_args()
    path = Path(args.json)
    if args.render:
        results = json.loads(path.read_text())
        path.with_suffix(".md").write_text(render(results, variant))
        print(render(results, variant))
        return
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    results = json.loads(path.read_text()) if path.exists() else {}
    every = panels()
    for name in args.panels.split(","):
        panel = {**every[name], "name": name}
        for horizon in (int(h) for h in args.horizons.split(",")):
            started, cpu = time.perf_counter(), time.process_time()
            key = f"{name} realised volatility, {horizon}-day, " + (
                f"walk-forward (refit every {REFIT[name]:,} dates)" if REFIT[name]
                else "fixed split")
            results.setdefault("blocks", {})[key] = block(panel, horizon, variant)
            results.setdefault("cpu_seconds", {})[key] = time.process_time() - cpu
            results.setdefault("wall_seconds", {})[key] = time.perf_counter() - started
            results["torch"] = torch.__version__
            path.write_text(json.dumps(results, indent=1, default=str))
            print(render({"blocks": {key: results["blocks"][key]}}, variant), flush=True)


if __name__ == "__main__":
    main()
