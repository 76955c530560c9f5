"""How findeep's `default` was chosen: design variants on the public panel, same folds.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/ablations.py
    OMP_WAIT_POLICY=PASSIVE python benchmarks/ablations.py --panel development  # issue 12

``--panel development`` runs issue 12's variants (categorical encodings, small-data
ensembles, tall-narrow training) on the development tables of ``tables.py`` only, on 3
stratified folds (seed 0), with CatBoost, LightGBM and logistic regression on the same
folds in the same run so fit-time ratios are like for like. Writes
benchmarks/results/ablations_development.md (+ .json).

Each variant changes one thing from `default` (or is a named registry model) and is scored
by 5-fold stratified ROC-AUC (seed 0) on the classification tables of the panel. Fit
seconds are wall-clock totals over the folds. Writes benchmarks/results/ablations.md from
ablations.json, which keeps every variant's last result: ``--only`` re-runs some variants
and leaves the others' rows as they were.
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
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from findeep.data.samples import load_sample
from findeep.pipeline import fit_tabular
from findeep.testing import make_credit_frame

HERE = Path(__file__).resolve().parent
VARIANTS: dict[str, dict[str, Any]] = {
    "default (k=4, 16 bins, 2x128, no dropout, patience 6)": {},
    "k=8, patience 12 (previous default)": {"model_options": {"k": 8}, "patience": 12},
    "k=8": {"model_options": {"k": 8}},
    "patience 12": {"patience": 12},
    "k=1 (no ensemble)": {"model_options": {"k": 1}},
    "k=16": {"model_options": {"k": 16}},
    "24 bins, 2x256, dropout 0.1 (as the first default)": {
        "model_options": {"n_bins": 24, "d_block": 256, "dropout": 0.1}},
    "no numeric encoding, k=1 (`mlp`)": {"model": "mlp"},
    "class_weight='balanced'": {"class_weight": "balanced"},
    "`seed-mlp` (classic 64-32-1)": {"model": "seed-mlp"},
    "`ft-transformer` (attention; the paper's lr 1e-4, wd 1e-5)": {"model": "ft-transformer"},
}


def tables() -> list[tuple[str, pd.DataFrame, pd.Series]]:
    out = []
    for name in ("credit", "creditcard"):
        sample = load_sample(name)
        out.append((f"sample:{name}", sample.frame.drop(columns=[sample.target]),
                    sample.frame[sample.target]))
    synthetic = make_credit_frame(5_000, seed=1).drop(columns=["applied_on"])
    out.append(("make_credit_frame(5000, seed=1)", synthetic.drop(columns=["default"]),
                synthetic["default"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=None)
    parser.add_argument("--only", help="variant names to run, separated by ';' (default: all)")
    parser.add_argument("--panel", choices=("original", "development"), default="original")
    parser.add_argument("--tables", help="development table names to run, separated by ';'")
    args = parser.parse_args()
    if args.panel == "development":
        from ablations_development import run_development

        run_development(args.only, args.tables, args.out
                        or str(HERE / "results" / "ablations_development.md"))
        return
    args.out = args.out or str(HERE / "results" / "ablations.md")
    warnings.simplefilter("ignore")
    store = Path(args.out).with_suffix(".json")
    results: dict[str, list[list[float]]] = (
        json.loads(store.read_text()) if store.exists() else {})
    data = tables()
    warm_X, warm_y = data[0][1].head(300), data[0][2].head(300)
    fit_tabular(warm_X, warm_y, verbose=0)  # untimed: one-time torch start-up is not a variant's
    chosen = [v.strip() for v in args.only.split(";")] if args.only else list(VARIANTS)
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    for variant, options in ((v, VARIANTS[v]) for v in chosen):
        options = {"model": "default", "bagging": 1, **options}  # one network, as recorded
        cells = []
        for name, X, y in data:
            codes = pd.factorize(y, sort=True)[0]
            folds = StratifiedKFold(5, shuffle=True, random_state=0).split(X, codes)
            aucs, seconds = [], 0.0
            for train, test in folds:
                started = time.perf_counter()
                pipeline = fit_tabular(X.iloc[train], y.iloc[train], seed=0, verbose=0, **options)
                seconds += time.perf_counter() - started
                prediction, _ = pipeline.predict_raw(X.iloc[test])
                aucs.append(roc_auc_score(pipeline.target.encode(y.iloc[test]), prediction))
            cells.append([float(np.mean(aucs)), float(np.std(aucs, ddof=1)), seconds])
            print(variant, name, cells[-1], flush=True)
        results[variant] = cells
        store.write_text(json.dumps(results, indent=1) + "\n")  # a cut-off run keeps its rows
    names = [name for name, _, _ in data]
    lines = ["## How `default` was chosen: ablations on the panel", "",
             "Command: `OMP_WAIT_POLICY=PASSIVE python benchmarks/ablations.py` — 5-fold "
             "stratified ROC-AUC (seed 0), mean ± std; fit s = total over 5 folds.", "",
             "| variant | " + " | ".join(f"{n} AUC | fit s" for n in names) + " | mean AUC |",
             "|---|" + "---|---|" * len(names) + "---|"]
    for variant, cells in ((v, results[v]) for v in VARIANTS if v in results):
        body = " | ".join(f"{m:.4f} ± {s:.4f} | {t:.1f}" for m, s, t in cells)
        lines.append(f"| {variant} | {body} | {np.mean([c[0] for c in cells]):.4f} |")
    out = Path(args.out)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
