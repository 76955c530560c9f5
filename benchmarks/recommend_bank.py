"""Next-month product ranking on make_bank_customers: network vs baselines vs the oracle.

    python benchmarks/recommend_bank.py --customers 100000 --months 18 --test-months 3

Walk-forward: for each of the last ``--test-months`` months, every model is trained on the
``--train-months`` labelled months before it and ranks that month's customers. The oracle
ranks by the generator's true adoption probabilities (the ceiling). Writes
benchmarks/results/recommend_bank_<customers>x<months>.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from findeep.recommend.evaluation import oracle_from_truth, walk_forward
from findeep.recommend.panel import Columns, build_panel
from findeep.testing import make_bank_customers

KEYS = ("map_all@k", "map_adders@k", "ndcg@k", "recall@k", "coverage@k", "mean_product_auc",
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
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--test-months", type=int, default=3)
    parser.add_argument("--train-months", type=int, default=6)
    parser.add_argument("--models", default="popularity,als,lightgbm,network")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default=None,
                        help="Results file name (default recommend_bank_<customers>x<months>).")
    parser.add_argument("--render-only", action="store_true",
                        help="Rewrite the .md from the saved .json without running.")
    args = parser.parse_args()
    name = args.name or f"recommend_bank_{args.customers}x{args.months}"
    out = Path(__file__).parent / "results"
    if args.render_only:
        result = json.loads((out / f"{name}.json").read_text())
        (out / f"{name}.md").write_text(markdown(result, args))
        print(markdown(result, args))
        return
    started = time.perf_counter()
    bank = make_bank_customers(args.customers, args.months, seed=args.seed)
    panel = build_panel(bank.customers, bank.holdings,
                        Columns("customer_id", "product", "month", "month"))
    oracle = oracle_from_truth(bank.adoption_probability, bank.customer_ids, bank.months,
                               bank.products)
    result = walk_forward(panel, args.models.split(","), n_test_months=args.test_months,
                          train_months=args.train_months, k=7, oracle=oracle, seed=args.seed)
    result["config"] = vars(args) | {"seconds": time.perf_counter() - started}
    (out / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
    (out / f"{name}.md").write_text(markdown(result, args))
    print(markdown(result, args))


def markdown(result: dict, args: argparse.Namespace) -> str:
    folds = result["folds"]
    lines = [f"make_bank_customers({args.customers}, {args.months}, seed={args.seed}); "
             f"walk-forward over {len(folds)} test months "
             f"({folds[0]['test_month']} to {folds[-1]['test_month']}), each trained on the "
             f"{args.train_months} labelled months before; "
             f"{folds[0]['test_customers']:,} test customers a month; mean ± std over months.",
             "", "| model | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    oracle_map = result["summary"].get("oracle", {}).get("map_all@k")
    for model, values in result["summary"].items():
        cells = []
        for key in KEYS:
            if key not in values:
                cells.append("")
            elif key in ("fit_seconds", "customers_per_second"):
                cells.append(f"{values[key]:,.1f}")
            else:
                cells.append(f"{values[key]:.4f} ± {values[key + '_std']:.4f}")
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    lines += paired(result)
    if oracle_map:
        lines.append("")
        for model, values in result["summary"].items():
            lines.append(f"- {model}: MAP@7 (all) = {values['map_all@k'] / oracle_map:.1%} of "
                         "the oracle's")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
