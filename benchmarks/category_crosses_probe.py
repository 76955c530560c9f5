"""Issue 12, thirty-fifth session: categorical x categorical crosses, the one candidate the
issue names that the ablations never measured.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/category_crosses_probe.py        # ~4 min
    python benchmarks/category_crosses_probe.py --report-only

CatBoost's category statistics over combinations of columns are one plausible source of its
lead on the categorical tables `default` trails (Ecdat/HI, RandHIE). Here each pair of
categorical columns (as findeep's schema reads the training rows; each of at most 16 levels)
becomes one more categorical column, its value the pair's two values joined, on tables with at
most 8 such columns (28 pairs at most; wider tables get none and read as the reference). A
cross is a function of the row alone, so nothing is learned from labels or test rows; the
network embeds it as any other category. `fit_tabular(model="default", seed=0)` on the crossed
training fold, scored on the crossed test fold, against the reference: the same network on the
same folds without crosses (``results/blend_budget_probe.json``, the thirty-fifth session's run
of today's code, whose `default` AUCs equal the blend bundle's network's).

The rule, declared before the run (the thirtieth session's, which every default change has
passed): crosses go into the library's defaults only if (1) the mean per-table paired Δ AUC over
the 22 real tables is above zero, (2) no table's mean Δ is below minus the reference's fold std
there, and (3) the network's fit seconds over the 22 tables are within 1.10x the reference's.
A pass here is a probe's pass: the library change would be run again before it is kept.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from issue12_s31_headroom import real_tables
from sklearn.metrics import roc_auc_score

import findeep.benchmark as benchmark_module
from findeep.data.schema import infer_schema
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "results" / "blend_budget_probe.json"
STORE = HERE / "results" / "category_crosses_probe.json"
REPORT = HERE / "results" / "category_crosses_probe.md"
MAX_LEVELS = 16
MAX_COLUMNS = 8


def cross_pairs(train: pd.DataFrame) -> list[tuple[str, str]]:
    """The pairs of the training rows' categorical columns of at most 16 levels, when there
    are at most 8 of them."""
    schema = infer_schema(train, warn=False)
    small = [c for c in schema.names_of("categorical")
             if train[c].nunique(dropna=False) <= MAX_LEVELS]
    return list(itertools.combinations(small, 2)) if 2 <= len(small) <= MAX_COLUMNS else []


def with_crosses(frame: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    crosses = {f"{a}__x__{b}": frame[a].astype(str) + " | " + frame[b].astype(str)
               for a, b in pairs}
    return frame.assign(**crosses)


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "folds": []}
    for train, test in folds:
        X, y = table.X.iloc[train], table.y.iloc[train]
        pairs = cross_pairs(X)
        fold = {"pairs": len(pairs)}
        if pairs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                pipeline = fit_tabular(with_crosses(X, pairs), y, task="binary",
                                       model="default", seed=0, verbose=0)
                fold["fit_seconds"] = time.perf_counter() - started
                p, _ = pipeline.predict_raw(with_crosses(table.X.iloc[test], pairs))
            fold["auc"] = float(roc_auc_score(table.y_codes[test], p))
        record["folds"].append(fold)
    return record


def report(records: list[dict], reference: dict[str, dict]) -> str:
    lines = ["| table | pairs crossed | default | with crosses | Δ (paired) | reference fold std "
             "| fit s: reference / crossed |", "|---|---|---|---|---|---|---|"]
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
        pairs = max(f["pairs"] for f in record["folds"])
        lines.append(f"| {record['name']} | {pairs} | {base.mean():.4f} | {crossed.mean():.4f} | "
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
