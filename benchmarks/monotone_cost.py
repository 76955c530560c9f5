"""The accuracy cost of monotone constraints per model family, from two `findeep benchmark`
results on the same folds (one unconstrained, one with `--monotone`).

    python benchmarks/monotone_cost.py benchmarks/results/monotone_credit_free.json \\
        benchmarks/results/monotone_credit.json [--metric roc_auc] [--free-extra X.json]

Prints, per model in both files, the unconstrained and constrained mean ± std and the
paired per-fold cost (constrained − free), mean ± std over folds. ``--free-extra`` reads
further unconstrained results (same folds) for models the first file lacks.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def per_fold(result: dict, metric: str) -> dict[str, dict[int, float]]:
    scores: dict[str, dict[int, float]] = {}
    for fold in result["folds"]:
        scores.setdefault(fold["model"], {})[fold["fold"]] = fold[metric]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("free")
    parser.add_argument("constrained")
    parser.add_argument("--metric", default="roc_auc")
    parser.add_argument("--free-extra", action="append", default=[])
    args = parser.parse_args()
    free = per_fold(json.loads(Path(args.free).read_text()), args.metric)
    for extra in args.free_extra:
        free |= per_fold(json.loads(Path(extra).read_text()), args.metric)
    constrained_result = json.loads(Path(args.constrained).read_text())
    constrained = per_fold(constrained_result, args.metric)
    print(f"constraints: {constrained_result.get('monotone')}; metric {args.metric}")
    print("| model | unconstrained | constrained | cost (paired, per fold) |")
    print("|---|---:|---:|---:|")
    for model, folds in constrained.items():
        if model not in free:
            continue
        keys = sorted(folds)
        a = np.array([free[model][k] for k in keys])
        b = np.array([folds[k] for k in keys])
        cost = b - a
        print(f"| {model} | {a.mean():.4f} ± {a.std(ddof=1):.4f} | {b.mean():.4f} ± "
              f"{b.std(ddof=1):.4f} | {cost.mean():+.4f} ± {cost.std(ddof=1):.4f} |")


if __name__ == "__main__":
    main()
