"""Fortieth session: explanations of a multiclass blend (`explain/blend_shapley.py`) — what
they cost next to the network's own Integrated Gradients, and how far 8 sampled column orders
are from many.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/multiclass_blend_explain.py   # ~2 min

A generated three-class table (20,000 rows, 8 numeric and 4 categorical columns); `default`
and `default+catboost` trained with their defaults (seed 0); 1,000 rows explained by each
(median of 3 timings). The sampling error: the same 200 rows explained with 8 orders (the
default) and with 64, the mean absolute difference per attribution against the mean absolute
attribution. Writes ``results/multiclass_blend_explain.md``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from cpu import median_seconds

from findeep import TabularClassifier
from findeep.data.profile import reference_frame
from findeep.explain import blend_shapley
from findeep.explain.attributions import column_attributions

OUT = Path(__file__).parent / "results" / "multiclass_blend_explain.md"


def table(rows: int = 20_000) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(8)})
    for i in range(4):
        X[f"c{i}"] = rng.choice([f"l{j}" for j in range(5 + i)], rows)
    score = X.x0 + 0.5 * X.x1 * X.x2 + (X.c0 == "l1") - 0.7 * (X.c1 == "l2")
    noisy = score + rng.normal(scale=0.8, size=rows)
    return X, pd.Series(np.select([noisy > 0.8, noisy > -0.4], ["high", "mid"], "low"))


def main() -> None:
    warnings.simplefilter("ignore")
    X, y = table()
    rows = X.head(1_000)
    lines = ["| model | explanation | 1,000 rows, s (median of 3) |", "|---|---|---|"]
    models = {}
    for name in ("default", "default+catboost"):
        models[name] = TabularClassifier(model=name, verbose=0, random_state=0).fit(X, y)
        seconds = median_seconds(lambda m=models[name]: column_attributions(m.pipeline_, rows))
        how = ("Integrated Gradients" if name == "default"
               else f"sampled Shapley, {blend_shapley.PERMUTATIONS} column orders")
        lines.append(f"| {name} | {how} | {seconds:.2f} |")
    pipeline = models["default+catboost"].pipeline_
    few = column_attributions(pipeline, X.head(200)).values
    baseline = blend_shapley.baseline_row(pipeline, reference_frame(pipeline.profile))
    log_odds = blend_shapley.class_log_odds(pipeline)
    targets = log_odds(X.head(200)[pipeline.schema.used_names]).argmax(axis=1)
    many, _, _ = blend_shapley.sampled_shapley(
        log_odds, X.head(200)[pipeline.schema.used_names], baseline, targets, permutations=64)
    error = float(np.abs(few - many).mean() / np.abs(many).mean())
    lines += ["", f"Sampling error of {blend_shapley.PERMUTATIONS} orders against 64, 200 rows: "
              f"mean |difference| = {error:.1%} of the mean |attribution| (each row's "
              "attributions add up exactly either way)."]
    OUT.write_text("\n".join(lines) + "\n")
    print(OUT.read_text())


if __name__ == "__main__":
    main()
