"""Forecasting, round 3c (issue 13): the network that contains GJR-GARCH.

``vol_base='gjr'``: the network predicts log variance as log(GJR-GARCH forecast) + a
learned correction (linear path and output layer start at zero), so an untrained network
is exactly the GJR-GARCH(1,1,1) forecast (parameters fitted on each fit's training
returns before its validation block, filtered forward causally) and early stopping scores
that start. Same panels, folds and networks as round 3b (``forecast_garch_input.py``):
S&P 500 walk-forward (refit every 1,000 dates) and eustocks (fixed split), 1 and 5 days;
HAR-RV, GARCH(1,1), GJR-GARCH, GRU and TCN on the default inputs and ``+ gjr base``;
Diebold-Mariano tests of every row against GJR-GARCH, GARCH(1,1) and HAR-RV, and of each
``+ gjr base`` network against the same network without it. The networks and their
settings were fixed before the run (round 3b's); nothing is chosen on the test period.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/forecast_gjr_base.py \\
        --json benchmarks/results/forecast_gjr_base.json
    python benchmarks/forecast_gjr_base.py --render \\
        --json benchmarks/results/forecast_gjr_base.json
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
from findeep.forecast.features import default_features, resolve_columns
from findeep.forecast.series import read_series

BASELINES = ("har", "garch", "gjr_garch")
NETWORKS = ("gru", "tcn")
REFIT = {"sp500": 1000, "eustocks": None}


def run(panel: dict[str, Any], model: str, horizon: int, vol_base: str | None) -> Any:
    forecaster = SequenceForecaster(date_column=panel["date"], asset_column=panel["asset"],
                                    target="realized_vol", model=model, horizon=horizon,
                                    window=22, random_state=0, device="cpu", vol_base=vol_base)
    refit = REFIT[panel["name"]]
    if refit:
        return evaluate_walk_forward(forecaster, panel["data"], test_start=panel["test_start"],
                                     refit_every=refit)
    return evaluate_fixed(forecaster, panel["data"], test_start=panel["test_start"])


def block(panel: dict[str, Any], horizon: int) -> dict[str, Any]:
    series = read_series(panel["data"], date_column=panel["date"], asset_column=panel["asset"])
    default = default_features(resolve_columns(series, None), "realized_vol")
    evaluations = {m: run(panel, m, horizon, None) for m in BASELINES}
    for m in NETWORKS:
        evaluations[m] = run(panel, m, horizon, None)
        evaluations[f"{m} + gjr base"] = run(panel, m, horizon, "gjr")
        print(f"{panel['name']} h={horizon} {m} done", flush=True)
    rows = {m: summary(e, "realized_vol") for m, e in evaluations.items()}
    for m, e in evaluations.items():
        for ref, key in (("gjr_garch", "vs_gjr"), ("garch", "vs_garch"), ("har", "vs_har")):
            if m != ref:
                rows[m][key] = compare(e, evaluations[ref], "realized_vol", horizon)
        if m.endswith(" + gjr base"):
            rows[m]["vs_default"] = compare(e, evaluations[m.split(" + ")[0]], "realized_vol",
                                            horizon)
    return {"rows": rows, "default_features": default}


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    for key, b in results.get("blocks", {}).items():
        lines += [f"##### {key} (default inputs: {', '.join(b['default_features'])})", "",
                  "| model | QLIKE | MSE on variance (%²) | vs GJR-GARCH (DM) | vs GARCH(1,1) (DM) "
                  "| vs HAR-RV (DM) | + gjr base vs same network (DM) | fit s |",
                  "|---|---|---|---|---|---|---|---|"]
        for m, r in b["rows"].items():
            lines.append(f"| {m} | {r['qlike']:.4f} | {r['mse_variance']:.3f} | "
                         f"{_p(r.get('vs_gjr'))} | {_p(r.get('vs_garch'))} | "
                         f"{_p(r.get('vs_har'))} | {_p(r.get('vs_default'))} | "
                         f"{r['fit_seconds']:.1f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="benchmarks/results/forecast_gjr_base.json")
    parser.add_argument("--panels", default="sp500,eustocks")
    parser.add_argument("--horizons", default="1,5")
    parser.add_argument("--render", action="store_true")
    args = parser.parse_args()
    path = Path(args.json)
    if args.render:
        results = json.loads(path.read_text())
        path.with_suffix(".md").write_text(render(results))
        print(render(results))
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
            results.setdefault("blocks", {})[key] = block(panel, horizon)
            results.setdefault("cpu_seconds", {})[key] = time.process_time() - cpu
            results.setdefault("wall_seconds", {})[key] = time.perf_counter() - started
            results["torch"] = torch.__version__
            path.write_text(json.dumps(results, indent=1, default=str))
            print(render({"blocks": {key: results["blocks"][key]}}), flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
