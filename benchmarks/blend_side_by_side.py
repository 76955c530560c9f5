"""Does fitting a blend's CatBoost beside its network (a thread, since the thirty-fourth
session) save wall time over fitting them one after the other? Same process, same rows,
alternated order, nothing else running.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_side_by_side.py     # 22 tables, ~15 min

On the first fold of each of issue 12's 22 real tables (the folds of ``blend_bundle.py``),
two repeats of each way, in the order (one after the other, side by side), then (side by
side, one after the other): "one after the other" is ``fit_tabular`` of the network, then
``_with_partner_fitted`` (the thirty-third session's path); "side by side" is
``fit_tabular(model="default+catboost")``. Reports the median wall of each and their ratio
per table, and checks the two bundles score the held-out rows identically.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
from issue12_s31_headroom import real_tables

import findeep.benchmark as benchmark_module
from findeep.pipeline import _with_partner_fitted, fit_tabular

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "blend_side_by_side.json"
REPORT = HERE / "results" / "blend_side_by_side.md"


def one_after_other(X, y):
    network = fit_tabular(X, y, task="binary", seed=0, verbose=0)
    return _with_partner_fitted(network, "catboost", X, y, seed=0, class_weight=None,
                                sample_weight=None, monotone=None, interval=0.9, verbose=0)


def side_by_side(X, y):
    return fit_tabular(X, y, task="binary", model="default+catboost", seed=0, verbose=0)


def main() -> None:
    records = []
    for name, frame, target, n_folds in real_tables(None):
        table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                            time_column=None, seed=0)
        folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None,
                                           False)
        train, test = folds[0]
        X, y = table.X.iloc[train], table.y.iloc[train]
        walls: dict[str, list[float]] = {"sequential": [], "side_by_side": []}
        scores = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for order in (("sequential", "side_by_side"), ("side_by_side", "sequential")):
                for way in order:
                    fit = one_after_other if way == "sequential" else side_by_side
                    started = time.perf_counter()
                    pipeline = fit(X, y)
                    walls[way].append(time.perf_counter() - started)
                    scores[way] = pipeline.predict_raw(table.X.iloc[test])[0]
        same = bool(np.array_equal(scores["sequential"], scores["side_by_side"]))
        record = {"name": name, "walls": walls, "same_scores": same}
        records.append(record)
        s, b = np.median(walls["sequential"]), np.median(walls["side_by_side"])
        print(f"{name}: one after the other {s:.2f} s, side by side {b:.2f} s = {b / s:.2f}x, "
              f"same scores: {same}", flush=True)
        STORE.write_text(json.dumps(records, indent=1))
    ratios = np.array([np.median(r["walls"]["side_by_side"]) / np.median(r["walls"]["sequential"])
                       for r in records])
    lines = ["| table | one after the other s | side by side s | ratio | same scores |",
             "|---|---|---|---|---|"]
    for r in records:
        s, b = np.median(r["walls"]["sequential"]), np.median(r["walls"]["side_by_side"])
        lines.append(f"| {r['name']} | {s:.2f} | {b:.2f} | {b / s:.2f}x | {r['same_scores']} |")
    lines += ["", f"Median ratio {np.median(ratios):.2f}x (range {ratios.min():.2f}–"
              f"{ratios.max():.2f}x); side by side faster on {(ratios < 1).sum()} of "
              f"{len(ratios)} tables; same scores on "
              f"{sum(r['same_scores'] for r in records)} of {len(records)}."]
    REPORT.write_text("\n".join(lines) + "\n")
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
