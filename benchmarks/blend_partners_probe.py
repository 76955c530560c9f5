"""Issue 12, thirty-fifth session: a faster partner than CatBoost for the blend?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_partners_probe.py        # ~12 min
    python benchmarks/blend_partners_probe.py --report-only

The blend bundle (`default` + CatBoost, logits half each) is ahead of CatBoost beyond the paired
noise on 15 of the 22 real tables and behind on none, but its fit costs CatBoost's 1,000 trees
on top of the network (about 1.5x CatBoost's wall). LightGBM and XGBoost with their defaults fit
in a fraction of CatBoost's time. Here `findeep benchmark`'s own blends — `default+lightgbm`,
`default+xgboost` and `default+catboost` — on the folds of the thirtieth session's run (seed 0;
``issue12_s31_headroom.real_tables``), every model in one ``run_benchmark`` per table, so the fit
seconds are of one run: a blend's are its parts' added, as the benchmark adds them.

The rule, declared before the run (committed with this file): a partner other than CatBoost is
worth a bundle of its own if its blend is ahead of CatBoost beyond the paired noise on at least 15
tables and behind beyond it on none (what `default+catboost` reads), and the blend's fit seconds
are within CatBoost's on at least 20 of the 22.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
from blend_bundle import verdict
from issue12_s31_headroom import real_tables
from probe_rule import measure_each

from findeep.benchmark import run_benchmark

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "blend_partners_probe.json"
REPORT = HERE / "results" / "blend_partners_probe.md"
BLENDS = ("default+lightgbm", "default+xgboost", "default+catboost")
MODELS = ("default", "catboost", "lightgbm", "xgboost", *BLENDS)


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_benchmark(frame, target, models=MODELS, n_folds=n_folds, seed=0,
                               verbose=0)
    return {"name": name, "folds": [{k: f[k] for k in ("fold", "model", "roc_auc",
                                                          "fit_seconds")}
                                    for f in result.folds]}


def report(records: list[dict]) -> str:
    lines = ["| table | " + " | ".join(f"{b} − CatBoost" for b in ("default", *BLENDS))
             + " | fit s: " + " / ".join(MODELS[:4]) + " |", "|---|" + "---|" * 5]
    words = {m: [] for m in ("default", *BLENDS)}
    means = {m: [] for m in ("default", *BLENDS)}
    within = {m: 0 for m in ("default", *BLENDS)}
    for record in records:
        auc = {m: np.array([f["roc_auc"] for f in record["folds"] if f["model"] == m])
               for m in MODELS}
        fit = {m: sum(f["fit_seconds"] for f in record["folds"] if f["model"] == m)
               for m in MODELS}
        cells = []
        for m in ("default", *BLENDS):
            delta = auc[m] - auc["catboost"]
            words[m].append(verdict(delta))
            means[m].append(delta.mean())
            within[m] += fit[m] <= fit["catboost"]
            cells.append(f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} {verdict(delta)}")
        lines.append(f"| {record['name']} | {' | '.join(cells)} | "
                     + " / ".join(f"{fit[m]:.1f}" for m in MODELS[:4]) + " |")
    lines += ["", "| model | ahead of CatBoost | level | behind | mean Δ AUC | fit within "
              "CatBoost's | rule |", "|---|---|---|---|---|---|---|"]
    for m in ("default", *BLENDS):
        w = words[m]
        passes = w.count("ahead") >= 15 and w.count("behind") == 0 and within[m] >= 20
        rule = "—" if m in ("default", "default+catboost") else ("passes" if passes else "fails")
        lines.append(f"| {m} | {w.count('ahead')} | {w.count('level')} | {w.count('behind')} | "
                     f"{np.mean(means[m]):+.4f} | {within[m]} of {len(records)} | {rule} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        measure_each(real_tables(), measure, STORE)
    records = json.loads(STORE.read_text())
    REPORT.write_text(report(records))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
