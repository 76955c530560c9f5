"""Issue 12, thirty-fifth session: the tenth session's first-layer group lasso on today's default,
all 22 tables (measured then on the 7 development tables, where it moved Caravan alone).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/group_lasso_probe.py        # ~5 min
    python benchmarks/group_lasso_probe.py --report-only

`model_options={"group_lasso": 1e-3}` adds 1e-3 x the sum over input columns of the Frobenius
norm of the first layer's weights on that column's slots to the training loss: feature selection
among many weak columns, aimed at Caravan (85 coded columns, 6% events). In the tenth session,
with `bagging="auto"` and the network of that time, it read Caravan +0.0121 and +0.0017 over the
21 development table-folds (1.2 s.e.), and was kept as an option. Since then `default` gained the
additive path and a budget; here the option on today's `default`, all 22 tables, seed 0, the
same folds as the reference (this session's partner probe, ``results/blend_budget_probe.json``).

The rule, declared before the run (the thirtieth session's): the option becomes the default only
if (1) the mean per-table paired Δ AUC over the 22 real tables is above zero, (2) no table's mean
Δ is below minus the reference's fold std there, and (3) the network's fit seconds over the 22
tables are within 1.10x the reference's.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from issue12_s31_headroom import real_tables
from sklearn.metrics import roc_auc_score

import findeep.benchmark as benchmark_module
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "results" / "blend_budget_probe.json"
STORE = HERE / "results" / "group_lasso_probe.json"
REPORT = HERE / "results" / "group_lasso_probe.md"
OPTIONS = {"group_lasso": 1e-3}


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "folds": []}
    for train, test in folds:
        X, y = table.X.iloc[train], table.y.iloc[train]
        fold: dict = {"copied": 1}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            pipeline = fit_tabular(X, y, task="binary", model="default", seed=0, verbose=0,
                                   model_options=OPTIONS)
            fold["fit_seconds"] = time.perf_counter() - started
            p, _ = pipeline.predict_raw(table.X.iloc[test])
        fold["auc"] = float(roc_auc_score(table.y_codes[test], p))
        record["folds"].append(fold)
    return record


def report(records: list[dict], reference: dict[str, dict]) -> str:
    lines = ["| table | option on | default | with the option | Δ (paired) | "
             "reference fold std | fit s: reference / with the option |",
             "|---|---|---|---|---|---|---|"]
    deltas, worse, fit_ref, fit_new = [], [], 0.0, 0.0
    for record in records:
        ref = reference[record["name"]]
        base = np.array([f["auc"]["default"] for f in ref["folds"]])
        seconds = [f["fit_seconds"]["default"] for f in ref["folds"]]
        crossed = np.array([f.get("auc", b) for f, b in zip(record["folds"], base, strict=True)])
        new_seconds = [f.get("fit_seconds", s) for f, s in zip(record["folds"], seconds,
                                                               strict=True)]
        delta = crossed - base
        deltas.append(delta.mean())
        if delta.mean() < -base.std(ddof=1):
            worse.append(record["name"])
        fit_ref += sum(seconds)
        fit_new += sum(new_seconds)
        copied = max(f["copied"] for f in record["folds"])
        lines.append(f"| {record['name']} | {copied} | {base.mean():.4f} | {crossed.mean():.4f} | "
                     f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} | {base.std(ddof=1):.4f} | "
                     f"{sum(seconds):.1f} / {sum(new_seconds):.1f} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    ratio = fit_new / fit_ref
    passes = deltas.mean() > 0 and not worse and ratio <= 1.10
    lines += ["", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean per-table Δ above zero | {'yes' if deltas.mean() > 0 else 'no'} | "
              f"{deltas.mean():+.4f} (s.e. {se:.4f}; up on {(deltas > 0).sum()} of "
              f"{len(deltas)}) |",
              f"| 2. no table below minus its reference fold std | {'no' if worse else 'yes'} "
              f"| {', '.join(worse) or 'none'} |",
              f"| 3. fit seconds within 1.10x | {'yes' if ratio <= 1.10 else 'no'} | "
              f"{ratio:.3f}x |",
              "", f"Rule: **{'passes' if passes else 'fails'}**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    if not args.report_only:
        records = []
        for name, frame, target, n_folds in real_tables():
            started = time.perf_counter()
            records.append(measure(name, frame, target, n_folds))
            print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
            STORE.write_text(json.dumps(records, indent=1))
    records = json.loads(STORE.read_text())
    REPORT.write_text(report(records, reference))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
