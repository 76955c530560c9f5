"""Issue 12, fortieth session: the recommendation rounds at the size issue 16 asked for.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/recommend_rounds_100k_check.py   # ~3 min
    python benchmarks/recommend_rounds_100k_check.py --report-only

`recommend_rounds_probe.py` passed its declared rule on 20,000 customers (a pass of ~78,000
customer-months, 3 rounds). This check, run after it and not part of its rule, measures the
same two loops on `recommend_bank.py --customers 100000 --months 18 --test-months 1
--train-months 2` (a pass of 197,128 customer-months: 6 rounds, so a patience of 4 rounds is
two thirds of a pass), network seeds 0 and 1, order alternated. Run at commit e8bc56d, whose
`recommend/training.py` has the rounds (`git checkout e8bc56d -- src/findeep/recommend` to
run it again). Results: ``results/recommend_rounds_100k_check.{json,md}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from probe_rule import records_command_line
from recommend_rounds_probe import RESULTS, _fit

from findeep.recommend.panel import Columns, build_panel
from findeep.testing import make_bank_customers

STORE = RESULTS / "recommend_rounds_100k_check.json"
REPORT = RESULTS / "recommend_rounds_100k_check.md"
RECORDED = RESULTS / "recommend_bank_100000x18.json"  # LightGBM's, deterministic


def measure(store: Path) -> None:
    bank = make_bank_customers(100_000, 18, seed=0)
    panel = build_panel(bank.customers, bank.holdings,
                        Columns("customer_id", "product", "month", "month"))
    month = len(panel.months) - 2
    records = []
    for seed, order in ((0, ("passes", "rounds")), (1, ("rounds", "passes"))):
        record = {"seed": seed, "order": list(order)}
        for variant in order:
            record[variant] = _fit(panel, month, seed, variant, train_months=2,
                                   extra=("mean_product_auc",))
        print(record, flush=True)
        records.append(record)
        store.write_text(json.dumps(records, indent=1) + "\n")


def report(records: list[dict]) -> str:
    lightgbm = json.loads(RECORDED.read_text())["folds"][0]["models"]["lightgbm"]
    keys = ("map_all@k", "ndcg@k", "recall@k", "mean_product_auc")
    lines = ["| seed | loop | MAP@7 all | NDCG@7 | Recall@7 | mean product AUC | fit s |",
             "|---|---|---|---|---|---|---|"]
    for r in records:
        for variant in ("passes", "rounds"):
            v = r[variant]
            lines.append(f"| {r['seed']} | {variant} | " + " | ".join(
                f"{v[k]:.4f}" for k in keys) + f" | {v['fit_seconds']:.1f} |")
    lines.append("| — | LightGBM per product | " + " | ".join(
        f"{lightgbm[k]:.4f}" for k in keys) + f" | {lightgbm['fit_seconds']:.1f} |")
    lines += ["", "Rounds minus passes, mean over the two seeds: " + ", ".join(
        f"{k} {np.mean([r['rounds'][k] - r['passes'][k] for r in records]):+.4f}"
        for k in keys) + "; fit " + "{:.2f}x".format(
        sum(r["rounds"]["fit_seconds"] for r in records)
        / sum(r["passes"]["fit_seconds"] for r in records)) + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    records_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
