"""Issue 12, thirty-fifth session: low-cardinality integer columns offered as categoricals as
well as numbers, on all 22 tables (the sixth session reached only social_insure).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/integer_categories_probe.py        # ~4 min
    python benchmarks/integer_categories_probe.py --report-only

The issue names "low-cardinality integer columns (counts, day of month, codes) offered as
categoricals as well as numbers" among its candidates; the sixth session's ablation ran it on
social_insure alone (+0.0069, inside the noise) before its run was cut. Here every numeric column
of the training fold (as findeep's schema reads it) whose values are whole numbers with 3 to 50
distinct values keeps its number and gains a categorical copy (the value as text), on every
table that has one; `default`, seed 0, on the same folds as the reference (this session's
partner probe, ``results/blend_budget_probe.json``, today's `default`). The copy is a function of
the row alone: nothing is learned from labels or test rows.

The rule, declared before the run (the thirtieth session's, which every default change has
passed): the copies go into the library's defaults only if (1) the mean per-table paired Δ AUC
over the 22 real tables is above zero, (2) no table's mean Δ is below minus the reference's
fold std there, and (3) the network's fit seconds over the 22 tables are within 1.10x the
reference's. A pass here is a probe's pass: the library change would be run again before it is
kept.
"""

from __future__ import annotations

import argparse
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
STORE = HERE / "results" / "integer_categories_probe.json"
REPORT = HERE / "results" / "integer_categories_probe.md"
MIN_LEVELS = 3
MAX_LEVELS = 50


def integer_columns(train: pd.DataFrame) -> list[str]:
    """The training rows' numeric columns holding whole numbers with 3 to 50 distinct values."""
    schema = infer_schema(train, warn=False)
    chosen = []
    for name in schema.names_of("numeric"):
        values = pd.to_numeric(train[name], errors="coerce").dropna()
        if (MIN_LEVELS <= values.nunique() <= MAX_LEVELS
                and np.all(values.to_numpy() == np.round(values.to_numpy()))):
            chosen.append(name)
    return chosen


def with_copies(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    copies = {f"{c}__as_category": pd.to_numeric(frame[c], errors="coerce")
              .map(lambda v: "missing" if pd.isna(v) else str(int(v))) for c in columns}
    return frame.assign(**copies)


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "folds": []}
    for train, test in folds:
        X, y = table.X.iloc[train], table.y.iloc[train]
        columns = integer_columns(X)
        fold = {"copied": len(columns)}
        if columns:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                pipeline = fit_tabular(with_copies(X, columns), y, task="binary",
                                       model="default", seed=0, verbose=0)
                fold["fit_seconds"] = time.perf_counter() - started
                p, _ = pipeline.predict_raw(with_copies(table.X.iloc[test], columns))
            fold["auc"] = float(roc_auc_score(table.y_codes[test], p))
        record["folds"].append(fold)
    return record


def report(records: list[dict], reference: dict[str, dict]) -> str:
    lines = ["| table | integer columns copied | default | with copies | Δ (paired) | "
             "reference fold std | fit s: reference / with copies |",
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
