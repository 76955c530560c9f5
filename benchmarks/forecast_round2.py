"""Forecasting, round 2: ridge-containing networks vs ridge, LightGBM, naive; HAR/GARCH; intervals.

Panels (findeep's own; the public volume task of issue 13 is held out and never loaded):

- ``synthetic``: make_price_panel(20 assets, 500 days, seed 0, signal_strength=0.3), test
  from date 300;
- ``eustocks``: sample:eustocks (4 indices, 1991-1998), test from the 60% date;
- ``sp500``: sample:sp500 from 1990, test from 2011-01-03.

Panel tables use one fit before the test start (a fixed split); the S&P 500 volatility
table is walk-forward (refit every 1,000 dates: 2 folds). To keep the run bounded on a
shared 2-core machine every network trains at most 12 epochs with patience 4 (the frozen
recipe allows 30 and 6), on one thread.

Targets: ``return`` (next-day log return; loss: squared error) and ``realized_vol``
(root of next-day squared return; loss: QLIKE on variance). Every model sees the same
windows (20 days for returns, 22 for volatility so the linear path nests HAR-RV; default
features, which add squared returns for volatility) and the same split; networks run at
the frozen defaults of ``findeep/forecast/models/registry.py``. The "best network"
is the one with the lowest mean validation loss over the folds (chosen without the test
period). Diebold-Mariano: per-date mean loss differential, Newey-West with h-1 lags.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/forecast_round2.py --sections ablation \\
        --json benchmarks/results/forecast_round2.json
    OMP_WAIT_POLICY=PASSIVE python benchmarks/forecast_round2.py --sections main,vol,quantiles \\
        --json benchmarks/results/forecast_round2.json
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.data.samples import load_sample
from findeep.forecast import SequenceForecaster, evaluate_fixed, evaluate_walk_forward
from findeep.forecast.comparison import diebold_mariano, qlike
from findeep.testing import make_price_panel

NETWORKS = ("lstm", "gru", "tcn", "transformer")
BASELINES = ("naive", "linear", "lightgbm")
TARGETS = ("return", "realized_vol")
ABLATION = {  # the GRU, piece by piece
    "plain GRU (no linear path)": {"linear_path": False, "n_members": 1, "instance_norm": False},
    "+ linear path (ridge start)": {"linear_path": True, "n_members": 1, "instance_norm": False},
    "+ linear path + RevIN": {"linear_path": True, "n_members": 1, "instance_norm": True},
    "+ linear path + 3 members": {"linear_path": True, "n_members": 3, "instance_norm": False},
}
QUANTILES = [0.01, 0.05, 0.5, 0.95, 0.99]
BOUND = {"max_epochs": 12, "patience": 4}  # networks only
NETWORK_OPTIONS: dict[str, Any] = {}  # round 4: --linear-path select (every network)
ONLY_PANELS: list[str] = []  # --panels: main table rows of these panels only (all if empty)


def panels() -> dict[str, dict[str, Any]]:
    synthetic = make_price_panel(20, 500, 0, signal_strength=0.3).drop(columns="signal")
    dates = np.sort(synthetic["date"].unique())
    eu = load_sample("eustocks").frame
    eu_dates = np.sort(eu["date"].unique())
    eu_start = eu_dates[int(0.6 * len(eu_dates))]
    sp = load_sample("sp500").frame
    sp = sp[sp["Date"] >= "1990-01-01"].reset_index(drop=True)
    return {
        "synthetic": {"data": synthetic, "date": "date", "asset": "asset",
                      "test_start": dates[300]},
        "eustocks": {"data": eu, "date": "date", "asset": "index", "test_start": eu_start},
        "sp500": {"data": sp, "date": "Date", "asset": None,
                  "test_start": pd.Timestamp("2011-01-03"), "refit_every": 1000},
    }


def run(panel: dict[str, Any], target: str, model: str, horizon: int = 1,
        walk_forward: bool = False, **options: Any) -> Any:
    if model in NETWORKS:
        options = {**BOUND, **NETWORK_OPTIONS, **options}
    forecaster = SequenceForecaster(date_column=panel["date"], asset_column=panel["asset"],
                                    target=target, model=model, horizon=horizon,
                                    window=22 if target == "realized_vol" else 20,
                                    random_state=0, device="cpu", **options)
    if walk_forward:
        return evaluate_walk_forward(forecaster, panel["data"], test_start=panel["test_start"],
                                     refit_every=panel["refit_every"])
    return evaluate_fixed(forecaster, panel["data"], test_start=panel["test_start"])


def losses(evaluation: Any, target: str) -> pd.DataFrame:
    frame = evaluation.predictions[["date", "asset", "prediction", "actual"]].dropna()
    actual, prediction = frame["actual"].to_numpy(float), frame["prediction"].to_numpy(float)
    loss = (qlike((100 * actual) ** 2, (100 * prediction) ** 2) if target == "realized_vol"
            else (actual - prediction) ** 2)
    return frame[["date", "asset"]].assign(loss=loss)


def compare(a: Any, b: Any, target: str, horizon: int = 1) -> dict[str, float]:
    """DM of a against b on their common rows; mean_difference < 0: a is better."""
    merged = losses(a, target).merge(losses(b, target), on=["date", "asset"])
    return diebold_mariano(merged["loss_x"].to_numpy(), merged["loss_y"].to_numpy(),
                           merged["date"].to_numpy(), horizon)


def summary(evaluation: Any, target: str) -> dict[str, Any]:
    m = evaluation.metrics
    folds = evaluation.folds
    valid = [f.get("validation_loss") for f in folds]
    return {"loss": float(losses(evaluation, target)["loss"].mean()),
            "rmse": m.get("rmse"), "r2": m.get("r2"), "ic": m.get("ic"),
            "qlike": m.get("qlike"), "mse_variance": m.get("mse_variance"),
            "fit_seconds": evaluation.fit_seconds, "rows": m.get("rows"),
            "best_epochs": [f.get("best_epoch") for f in folds],
            "validation_loss": float(np.mean(valid)) if all(v is not None for v in valid)
            else None}


def ablation(results: dict[str, Any]) -> None:
    out = results.setdefault("ablation", {})
    for name, panel in panels().items():
        for target in TARGETS:
            ridge = run(panel, target, "linear")
            rows = {"ridge": summary(ridge, target)}
            for label, options in ABLATION.items():
                evaluation = run(panel, target, "gru", **options)
                rows[label] = {**summary(evaluation, target),
                               "vs_ridge": compare(evaluation, ridge, target)}
                print(f"ablation {name} {target} {label}: {rows[label]['loss']:.6g} "
                      f"({rows[label]['fit_seconds']:.0f}s)", flush=True)
            out[f"{name}/{target}"] = rows


def main_table(results: dict[str, Any]) -> None:
    out = results.setdefault("main", {})
    for name, panel in panels().items():
        if ONLY_PANELS and name not in ONLY_PANELS:
            continue
        for target in TARGETS:
            evaluations = {m: run(panel, target, m) for m in (*BASELINES, *NETWORKS)}
            rows = {m: summary(e, target) for m, e in evaluations.items()}
            best = min(NETWORKS, key=lambda m: rows[m]["validation_loss"])
            for m in NETWORKS:
                rows[m]["vs_ridge"] = compare(evaluations[m], evaluations["linear"], target)
            for m in ("naive", "lightgbm"):
                rows[m]["best_network_vs"] = compare(evaluations[best], evaluations[m], target)
            out[f"{name}/{target}"] = {"rows": rows, "best_network": best}
            print(f"main {name} {target}: best network {best}, loss "
                  f"{rows[best]['loss']:.6g} vs ridge {rows['linear']['loss']:.6g}, DM p "
                  f"{rows[best]['vs_ridge']['pvalue']:.3g}", flush=True)


def volatility(results: dict[str, Any]) -> None:
    out = results.setdefault("vol", {})
    panel = panels()["sp500"]
    for horizon in (1, 5):
        evaluations = {m: run(panel, "realized_vol", m, horizon=horizon, walk_forward=True)
                       for m in ("naive", "linear", "har", "garch", "gjr_garch", *NETWORKS)}
        rows = {m: summary(e, "realized_vol") for m, e in evaluations.items()}
        best = min(NETWORKS, key=lambda m: rows[m]["validation_loss"])
        for m in ("naive", "linear", "har", "garch", "gjr_garch", *NETWORKS):
            if m != best:
                rows[m]["best_network_vs"] = compare(evaluations[best], evaluations[m],
                                                     "realized_vol", horizon)
        out[f"h{horizon}"] = {"rows": rows, "best_network": best}
        print(f"vol h={horizon}: " + ", ".join(f"{m} {r['qlike']:.4f}" for m, r in rows.items()),
              flush=True)


def quantiles(results: dict[str, Any]) -> None:
    out = results.setdefault("quantiles", {})
    for name, panel in panels().items():
        evaluation = run(panel, "return", "gru", quantiles=QUANTILES)
        m = evaluation.metrics
        out[name] = {k: m.get(k) for k in ("coverage_90", "width_90", "coverage_98", "width_98",
                                           "var_0.01_rate", "var_0.01_kupiec_p", "var_0.05_rate",
                                           "var_0.05_kupiec_p", "rows")}
        out[name]["fit_seconds"] = evaluation.fit_seconds
        print(f"quantiles {name}: {out[name]}", flush=True)


def horizons(results: dict[str, Any]) -> None:
    """One GRU for horizons 1..5 (direct multi-output) vs HAR-RV and GJR-GARCH fitted per h."""
    from findeep.forecast.metrics import variance_losses

    panel = panels()["sp500"]
    network = run(panel, "realized_vol", "gru", horizon=5, all_horizons=True)
    frame = network.predictions
    out: dict[str, Any] = {"fit_seconds": network.fit_seconds}
    for h in range(1, 6):
        known = frame[f"actual_h{h}"].notna()
        row = {"gru_multi": variance_losses(frame.loc[known, f"actual_h{h}"].to_numpy(),
                                            frame.loc[known, f"prediction_h{h}"].to_numpy())}
        for m in ("har", "gjr_garch"):
            e = run(panel, "realized_vol", m, horizon=h)
            row[m] = {"qlike": e.metrics["qlike"], "mse_variance": e.metrics["mse_variance"]}
        out[f"h{h}"] = row
        print(f"horizon {h}: " + ", ".join(f"{m} {r['qlike']:.4f}" for m, r in row.items()),
              flush=True)
    results["horizons"] = out


def _p(test: dict[str, Any] | None) -> str:
    if not test or test.get("pvalue") is None or test["pvalue"] != test["pvalue"]:
        return "-"
    sign = "better" if test["mean_difference"] < 0 else "worse"
    return f"{sign}, p={test['pvalue']:.2g}"


def render(results: dict[str, Any]) -> str:
    """The markdown tables of BENCHMARKS.md from the results JSON."""
    lines: list[str] = []
    if "main" in results:
        lines += ["### Best network vs ridge, LightGBM and naive (fixed split, frozen defaults)",
                  "", "Loss: MSE for returns, QLIKE on variance (percent²) for realised "
                  "volatility. DM: best network against each, per-date losses.", "",
                  "| panel / target | naive | ridge | LightGBM | LSTM | GRU | TCN | Transformer "
                  "| best (by validation) | vs ridge | vs LightGBM | vs naive |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for key, block in results["main"].items():
            rows, best = block["rows"], block["best_network"]
            scale = 1e4 if key.endswith("return") else 1.0
            cells = [f"{rows[m]['loss'] * scale:.4f}" for m in
                     ("naive", "linear", "lightgbm", *NETWORKS)]
            lines.append(f"| {key} | " + " | ".join(cells) + f" | {best} | "
                         f"{_p(rows[best].get('vs_ridge'))} | "
                         f"{_p(rows['lightgbm'].get('best_network_vs'))} | "
                         f"{_p(rows['naive'].get('best_network_vs'))} |")
        lines += ["", "(return losses x 1e4)", ""]
        lines += ["Every network against ridge (DM on the same rows):", "",
                  "| panel / target | " + " | ".join(NETWORKS) + " |",
                  "|---|" + "---|" * len(NETWORKS)]
        for key, block in results["main"].items():
            lines.append(f"| {key} | " + " | ".join(_p(block["rows"][m].get("vs_ridge"))
                                                    for m in NETWORKS) + " |")
        lines.append("")
    if "ablation" in results:
        lines += ["### Ablation: the GRU piece by piece (fixed split; loss as above)", "",
                  "| panel / target | variant | loss | vs ridge (DM) | fit s | best epoch |",
                  "|---|---|---|---|---|---|"]
        for key, rows in results["ablation"].items():
            scale = 1e4 if key.endswith("return") else 1.0
            for variant, r in rows.items():
                lines.append(f"| {key} | {variant} | {r['loss'] * scale:.4f} | "
                             f"{_p(r.get('vs_ridge'))} | {r['fit_seconds']:.1f} | "
                             f"{r['best_epochs']} |")
        lines.append("")
    if "vol" in results:
        for horizon, block in results["vol"].items():
            rows, best = block["rows"], block["best_network"]
            lines += [f"### S&P 500 realised volatility, {horizon[1:]}-day, walk-forward "
                      "(2011-2018, refit every 1,000 dates)", "",
                      f"Best network by validation: {best}. DM: {best} against each.", "",
                      "| model | QLIKE | MSE on variance (%²) | fit s (all folds) | "
                      f"{best} vs this |", "|---|---|---|---|---|"]
            for m, r in rows.items():
                lines.append(f"| {m} | {r['qlike']:.4f} | {r['mse_variance']:.3f} | "
                             f"{r['fit_seconds']:.1f} | {_p(r.get('best_network_vs'))} |")
            lines.append("")
    if "quantiles" in results:
        lines += ["### Quantile forecasts of next-day returns (GRU, quantiles "
                  "0.01/0.05/0.5/0.95/0.99; fixed split)", "",
                  "| panel | 90% coverage | 90% width | 98% coverage | VaR 5% rate | Kupiec p "
                  "| VaR 1% rate | Kupiec p | rows |", "|---|---|---|---|---|---|---|---|---|"]
        for name, r in results["quantiles"].items():
            lines.append(f"| {name} | {r['coverage_90']:.3f} | {r['width_90']:.4f} | "
                         f"{r['coverage_98']:.3f} | {r['var_0.05_rate']:.3f} | "
                         f"{r['var_0.05_kupiec_p']:.2g} | {r['var_0.01_rate']:.3f} | "
                         f"{r['var_0.01_kupiec_p']:.2g} | {r['rows']} |")
        lines.append("")
    if "horizons" in results:
        block = results["horizons"]
        lines += ["### One network for horizons 1..5 (S&P 500 realised volatility, fixed split "
                  "from 2011)", "", "QLIKE per horizon: one GRU with five outputs against "
                  "HAR-RV and GJR-GARCH fitted for each horizon (GRU fit "
                  f"{block['fit_seconds']:.0f} s).", "",
                  "| horizon | GRU (multi-output) | HAR-RV | GJR-GARCH |",
                  "|---|---|---|---|"]
        for h in range(1, 6):
            row = block[f"h{h}"]
            lines.append(f"| {h} | {row['gru_multi']['qlike']:.4f} | {row['har']['qlike']:.4f} "
                         f"| {row['gjr_garch']['qlike']:.4f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="ablation,main,vol,quantiles")
    parser.add_argument("--json", default="benchmarks/results/forecast_round2.json")
    parser.add_argument("--render", action="store_true",
                        help="only write the markdown tables from --json")
    parser.add_argument("--full-recipe", action="store_true",
                        help="networks train with the frozen recipe (30/6), not round 2's 12/4")
    parser.add_argument("--panels", default=None,
                        help="main: comma-separated panels (synthetic,eustocks,sp500)")
    parser.add_argument("--linear-path", default=None,
                        help="every network's linear_path (round 4: select)")
    args = parser.parse_args()
    if args.full_recipe:
        BOUND.clear()
    if args.panels:
        ONLY_PANELS[:] = args.panels.split(",")
    if args.linear_path is not None:
        NETWORK_OPTIONS["linear_path"] = {"true": True, "false": False}.get(
            args.linear_path.lower(), args.linear_path)
    if args.render:
        results = json.loads(Path(args.json).read_text())
        Path(args.json).with_suffix(".md").write_text(render(results))
        print(render(results))
        return
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    path = Path(args.json)
    results = json.loads(path.read_text()) if path.exists() else {}
    sections = {"ablation": ablation, "main": main_table, "vol": volatility,
                "quantiles": quantiles, "horizons": horizons}
    for section in args.sections.split(","):
        started = time.perf_counter()
        sections[section](results)
        results.setdefault("wall_seconds", {})[section] = time.perf_counter() - started
        results["torch"] = torch.__version__
        path.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
