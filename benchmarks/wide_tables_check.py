"""Issue 12, thirty-fifth session: the first-layer group lasso on wide tables, checked out of
sample on the wide set frozen for it (``tables.WIDE_TABLES``).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/wide_tables_check.py        # ~3 min
    python benchmarks/wide_tables_check.py --report-only

The group lasso (``model_options={"group_lasso": 1e-3}``) on all 22 real tables
(``group_lasso_probe.py``) read +0.0002 a table with no table below its noise, but 1.13x the fit
seconds, so it failed the rule for a default everywhere. Its gain sat on the widest table,
Caravan (85 columns, +0.0085 ± 0.0063; +0.0121 in the tenth session with the network of that
time), with loanapp (51 columns) +0.0010; every other panel table has 26 columns or fewer. The
candidate rule, shaped after that run and said so: `default` turns the group lasso on for tables
of 40 or more input columns. Its in-sample figures are the two tables it was shaped on; this
script is its only out-of-sample check, on two wide tables never loaded before the rule was
written (``WIDE_TABLES``: modeldata/cells, openintro/labor_market_discrimination).

On each, the benchmark's stratified folds (seed 0, ``n_folds_for``): `default` as it is, `default`
with the group lasso, and CatBoost as the blend's partner (its defaults; for the fit-time ratio
and beside the verdict), each fitted whole and timed.

The rule, declared before the run (committed with this file): the rule goes into `default` if,
over the two tables, (1) the mean per-table paired Δ AUC of the group lasso is above zero, (2)
neither table's mean Δ is below minus `default`'s fold std there, and (3) the group lasso's fit
seconds over the two tables are within 1.10x `default`'s. Otherwise it stays an option, and the
record says so.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from blend_bundle import verdict
from probe_rule import measure_each
from sklearn.metrics import roc_auc_score
from tables import WIDE_TABLES, n_folds_for

import findeep.benchmark as benchmark_module
from findeep.evaluate.partner import BlendPartner
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "wide_tables_check.json"
REPORT = HERE / "results" / "wide_tables_check.md"
LASSO = {"group_lasso": 1e-3}


def measure(name: str, frame, target: str) -> dict:
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    n_folds = n_folds_for(len(table.y_codes))
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "columns": len(table.X.columns), "folds": []}
    for train, test in folds:
        X, y, test_rows = table.X.iloc[train], table.y.iloc[train], table.X.iloc[test]
        codes = table.y_codes[test]
        fold: dict = {"auc": {}, "fit_seconds": {}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for label, options in (("default", None), ("group_lasso", LASSO)):
                started = time.perf_counter()
                pipeline = fit_tabular(X, y, task="binary", model="default", seed=0,
                                       verbose=0, model_options=options)
                fold["fit_seconds"][label] = time.perf_counter() - started
                p, _ = pipeline.predict_raw(test_rows)
                fold["auc"][label] = float(roc_auc_score(codes, p))
            started = time.perf_counter()
            partner = BlendPartner.fit("catboost", task="binary",
                                       frame=X.reset_index(drop=True), schema=pipeline.schema,
                                       y_codes=pipeline.target.encode(y), seed=0,
                                       special_values=pipeline.preprocessor.special_values)
            fold["fit_seconds"]["catboost"] = time.perf_counter() - started
            fold["auc"]["catboost"] = float(roc_auc_score(
                codes, partner.raw_prediction(test_rows, pipeline.schema)))
        record["folds"].append(fold)
    return record


def report(records: list[dict]) -> str:
    lines = ["| table | columns | folds | default | with the group lasso | Δ (paired) | default's "
             "fold std | CatBoost | lasso − CatBoost | fit s: default / lasso / CatBoost |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    deltas, below, fit = [], [], {"default": 0.0, "group_lasso": 0.0}
    for record in records:
        auc = {m: np.array([f["auc"][m] for f in record["folds"]])
               for m in ("default", "group_lasso", "catboost")}
        seconds = {m: sum(f["fit_seconds"][m] for f in record["folds"])
                   for m in ("default", "group_lasso", "catboost")}
        delta = auc["group_lasso"] - auc["default"]
        versus = auc["group_lasso"] - auc["catboost"]
        deltas.append(delta.mean())
        if delta.mean() < -auc["default"].std(ddof=1):
            below.append(record["name"])
        for m in fit:
            fit[m] += seconds[m]
        lines.append(
            f"| {record['name']} | {record['columns']} | {len(record['folds'])} | "
            f"{auc['default'].mean():.4f} ± {auc['default'].std(ddof=1):.4f} | "
            f"{auc['group_lasso'].mean():.4f} ± {auc['group_lasso'].std(ddof=1):.4f} | "
            f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} {verdict(delta)} | "
            f"{auc['default'].std(ddof=1):.4f} | {auc['catboost'].mean():.4f} | "
            f"{versus.mean():+.4f} ± {versus.std(ddof=1):.4f} {verdict(versus)} | "
            f"{seconds['default']:.1f} / {seconds['group_lasso']:.1f} / "
            f"{seconds['catboost']:.1f} |")
    mean = float(np.mean(deltas))
    ratio = fit["group_lasso"] / fit["default"]
    passes = mean > 0 and not below and ratio <= 1.10
    lines += ["", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean per-table Δ above zero | {'yes' if mean > 0 else 'no'} | {mean:+.4f} |",
              f"| 2. neither table below minus default's fold std | "
              f"{'no' if below else 'yes'} | {', '.join(below) or 'none'} |",
              f"| 3. fit seconds within 1.10x | {'yes' if ratio <= 1.10 else 'no'} | "
              f"{ratio:.3f}x |", "", f"Rule: **{'passes' if passes else 'fails'}**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        measure_each(((t.name, t.load(), t.target) for t in WIDE_TABLES), measure, STORE)
    records = json.loads(STORE.read_text())
    REPORT.write_text(report(records))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
