"""Issue 12, twenty-second session: fewer training steps on the two tables where one network
fits slower than CatBoost (AER/DoctorVisits, Ecdat/VietNamI) — a probe, nothing adopted.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/issue12_s22_fewer_steps.py --steps-ratio
    # -> benchmarks/results/issue12_s22_fewer_steps.json

Each variant overrides `default`'s training recipe (learning rate, patience, batch) on the
tables as ``unseen_tables.py`` cuts them (same sample, same stratified folds, seed 0) and
records per fold the held-out ROC-AUC, the epochs run, the best epoch, the members trained
and the training steps (epochs x batches an epoch: deterministic, so the count does not
depend on the machine's load, unlike the wall, which is recorded but is only a hint).
``--steps-ratio`` also times one training step at batch 256, 512 and 1024 on VietNamI's
shape (synthetic data, ``one_network_bound.SHAPES``), interleaved repeats, one thread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from tables import UNSEEN_TABLES_3, n_folds_for
from unseen_tables import MAX_ROWS

from findeep.pipeline import fit_tabular
from findeep.train.trainer import auto_batch_size

HERE = Path(__file__).resolve().parent
VARIANTS = {
    "today's recipe (lr 2e-3, patience 4, auto batch)": {},
    "lr 4e-3": {"learning_rate": 4e-3},
    "lr 3e-3": {"learning_rate": 3e-3},
    "patience 3": {"patience": 3},
    "patience 2": {"patience": 2},
    "lr 4e-3, patience 3": {"learning_rate": 4e-3, "patience": 3},
    "batch 512": {"batch_size": 512},
    "batch 512, lr 4e-3": {"batch_size": 512, "learning_rate": 4e-3},
    "batch 512, lr 6e-3": {"batch_size": 512, "learning_rate": 6e-3},
    "batch 512, lr 8e-3": {"batch_size": 512, "learning_rate": 8e-3},
}
TABLES = ("DoctorVisits", "VietNamI")


def folds_of(item: str) -> tuple[pd.DataFrame, pd.Series, np.ndarray, int]:
    table = next(t for t in UNSEEN_TABLES_3 if t.item == item)
    frame = table.load()
    n_folds = n_folds_for(len(frame))
    if len(frame) > MAX_ROWS:
        frame = frame.groupby(table.target, group_keys=False).sample(
            frac=MAX_ROWS / len(frame), random_state=0).reset_index(drop=True)
    X, y = frame.drop(columns=[table.target]), frame[table.target]
    return X, y, pd.factorize(y, sort=True)[0], n_folds


def run_variant(X: pd.DataFrame, y: pd.Series, codes: np.ndarray, n_folds: int,
                options: dict) -> list[dict]:
    rows = []
    for train, test in StratifiedKFold(n_folds, shuffle=True, random_state=0).split(X, codes):
        started = time.perf_counter()
        pipeline = fit_tabular(X.iloc[train], y.iloc[train], seed=0, verbose=0, **options)
        wall = time.perf_counter() - started
        raw, _ = pipeline.predict_raw(X.iloc[test])
        record = pipeline.training
        fit_rows = record["fit_rows"]
        batch = options.get("batch_size", min(auto_batch_size(fit_rows), fit_rows))
        rows.append({"roc_auc": roc_auc_score(codes[test], pipeline.event_probability(raw)),
                     "epochs_run": record["epochs_run"], "best_epoch": record["best_epoch"],
                     "members": record["bagging"]["members"],
                     "steps": record["epochs_run"] * (fit_rows // batch), "wall_hint": wall})
    return rows


def steps_ratio(repeats: int = 7, steps: int = 150) -> dict:
    import torch
    from one_network_bound import SHAPES, step_loop, synthetic_network

    torch.set_num_threads(1)
    network, x_num, x_cat, y = synthetic_network(SHAPES["VietNamI"])
    ms: dict[int, list[float]] = {256: [], 512: [], 1024: []}
    for _ in range(repeats):
        for batch in ms:
            ms[batch].append(step_loop(network, x_num, x_cat, y, batch=batch, steps=steps,
                                       threads=1))
    return {"ms_per_step": ms, "per_step_ratio_to_256": {
        b: statistics.median(a / c for a, c in zip(v, ms[256], strict=True))
        for b, v in ms.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps-ratio", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results" / "issue12_s22_fewer_steps.json"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    out: dict = {"tables": {}}
    for item in TABLES:
        X, y, codes, n_folds = folds_of(item)
        out["tables"][item] = {}
        for name, options in VARIANTS.items():
            rows = run_variant(X, y, codes, n_folds, options)
            out["tables"][item][name] = rows
            print(f"{item:13s} {name:48s} AUC {np.mean([r['roc_auc'] for r in rows]):.4f} "
                  f"steps {sum(r['steps'] for r in rows):5d} epochs "
                  f"{[(r['best_epoch'], r['epochs_run']) for r in rows]}", flush=True)
    if args.steps_ratio:
        out["steps_ratio"] = steps_ratio()
        print("per-step time / batch 256's:", out["steps_ratio"]["per_step_ratio_to_256"])
    Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
