"""Issue 12, fortieth session: the next-product network's early stopping looks at the
validation month every round of a pass (`recommend/training.fit_multilabel` through the
tabular trainer's `rounds_per_pass`), as tabular and streamed training already do.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/recommend_rounds_probe.py   # ~5 min
    python benchmarks/recommend_rounds_probe.py --report-only

The recommendation benchmark's standard shape (`recommend_bank.py --customers 20000 --months
18 --test-months 3 --train-months 4`): each of the last 3 months ranked by a network trained
on the 4 labelled months before it (~78,000 customer-months, batches of 512: a pass of 152
steps, 3 rounds of at most 32,768 rows); network seeds 0 and 1. "Passes" is the code before
this change (early stopping once a pass; `trainer.ROUND_ROWS` raised past any table, which
leaves one round a pass, the old loop step for step); "rounds" is the change. The order
alternates: rounds first in months 1 and 3 under seed 0 and in month 2 under seed 1.

Rule, declared before the run: (1) accuracy — the mean paired Δ MAP@7 over all customers
across the 6 (month, seed) pairs ≥ −0.0005 and the mean paired Δ NDCG@7 ≥ −0.005; and under
seed 0 the rounds network still ahead of LightGBM's recorded MAP@7 (all customers) in each of
the 3 months (`results/recommend_bank_20000x18.json`: the resolved issue's claim); (2) speed —
the network's fit seconds summed over the 6 pairs at most 0.9x the passes'. Fails: the
change is taken out and the loop stays once a pass. Results:
``results/recommend_rounds_probe.{json,md}``.

It passed, but a check at the size issue 16 asked for (`recommend_rounds_100k_check.py`, run
after it) lost ranking quality there (mean product AUC −0.011, Recall@7 −0.010), so the
change was taken out (the commit after e8bc56d); `git checkout e8bc56d --
src/findeep/recommend` runs this probe again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from probe_rule import records_command_line

from findeep.recommend.evaluation import evaluate_month
from findeep.recommend.panel import Columns, build_panel
from findeep.testing import make_bank_customers
from findeep.train import trainer

RESULTS = Path(__file__).parent / "results"
STORE = RESULTS / "recommend_rounds_probe.json"
REPORT = RESULTS / "recommend_rounds_probe.md"
RECORDED = RESULTS / "recommend_bank_20000x18.json"  # LightGBM's, deterministic
CUSTOMERS, MONTHS, TEST_MONTHS, TRAIN_MONTHS = 20_000, 18, 3, 4
KEYS = ("map_all@k", "ndcg@k", "recall@k", "fit_seconds")
PASSED = ("passes its rule (adopted, then taken out after `recommend_rounds_100k_check.py` "
          "found a loss at 100,000 customers)")


def _fit(panel, month: int, seed: int, variant: str, *, train_months: int = TRAIN_MONTHS,
         extra: tuple[str, ...] = ()) -> dict:
    """One month's network under ``variant``: its metrics (``KEYS`` and ``extra``) and fit
    seconds."""
    saved = trainer.ROUND_ROWS
    if variant == "passes":
        trainer.ROUND_ROWS = 10**12  # one round a pass: the loop before the change
    try:
        fold = evaluate_month(panel, month, ["network"], lags=2, train_months=train_months,
                              k=7, seed=seed)
    finally:
        trainer.ROUND_ROWS = saved
    values = fold["models"]["network"]
    return {"test_month": fold["test_month"], **{key: values[key] for key in KEYS + extra}}


def measure(store: Path) -> None:
    bank = make_bank_customers(CUSTOMERS, MONTHS, seed=0)
    panel = build_panel(bank.customers, bank.holdings,
                        Columns("customer_id", "product", "month", "month"))
    last = len(panel.months) - 2  # as walk_forward: the last feature month with a next one
    months = list(range(last - TEST_MONTHS + 1, last + 1))
    records = []
    for seed in (0, 1):
        for i, month in enumerate(months):
            rounds_first = (i % 2 == 0) == (seed == 0)
            order = ("rounds", "passes") if rounds_first else ("passes", "rounds")
            record = {"seed": seed, "month_index": i, "order": list(order)}
            for variant in order:
                record[variant] = _fit(panel, month, seed, variant)
            print(record, flush=True)
            records.append(record)
            store.write_text(json.dumps(records, indent=1) + "\n")


def report(records: list[dict]) -> str:
    recorded = json.loads(RECORDED.read_text())
    lightgbm = {f["test_month"]: f["models"]["lightgbm"]["map_all@k"] for f in
                recorded["folds"]}
    lines = ["| seed | test month | passes: MAP@7 all, NDCG@7, fit s | rounds: MAP@7 all, "
             "NDCG@7, fit s | Δ MAP@7 all | Δ NDCG@7 | LightGBM MAP@7 all (recorded) |",
             "|---|---|---|---|---|---|---|"]
    d_map, d_ndcg, behind = [], [], []
    passes_s = rounds_s = 0.0
    for r in records:
        old, new = r["passes"], r["rounds"]
        d_map.append(new["map_all@k"] - old["map_all@k"])
        d_ndcg.append(new["ndcg@k"] - old["ndcg@k"])
        passes_s += old["fit_seconds"]
        rounds_s += new["fit_seconds"]
        reference = lightgbm.get(new["test_month"])
        if r["seed"] == 0 and (reference is None or new["map_all@k"] <= reference):
            behind.append(new["test_month"])
        lines.append(
            f"| {r['seed']} | {new['test_month']} | {old['map_all@k']:.4f}, "
            f"{old['ndcg@k']:.4f}, {old['fit_seconds']:.1f} | {new['map_all@k']:.4f}, "
            f"{new['ndcg@k']:.4f}, {new['fit_seconds']:.1f} | {d_map[-1]:+.4f} | "
            f"{d_ndcg[-1]:+.4f} | {'' if reference is None else f'{reference:.4f}'} |")
    mean_map, mean_ndcg = float(np.mean(d_map)), float(np.mean(d_ndcg))
    ok = [mean_map >= -0.0005 and mean_ndcg >= -0.005 and not behind,
          rounds_s <= 0.9 * passes_s]
    lines += ["", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean Δ MAP@7 all ≥ −0.0005, mean Δ NDCG@7 ≥ −0.005, seed 0 ahead of "
              f"LightGBM in every month | {'yes' if ok[0] else 'no'} | Δ MAP {mean_map:+.4f} "
              f"± {np.std(d_map, ddof=1):.4f}, Δ NDCG {mean_ndcg:+.4f} ± "
              f"{np.std(d_ndcg, ddof=1):.4f}; not ahead of LightGBM: "
              f"{', '.join(behind) or 'none'} |",
              f"| 2. fit seconds ≤ 0.9x over the 6 pairs | {'yes' if ok[1] else 'no'} | "
              f"{rounds_s:.0f} s vs {passes_s:.0f} s ({rounds_s / passes_s:.2f}x) |", "",
              f"**Verdict: {PASSED if all(ok) else 'fails — not adopted'}.**"]
    return "\n".join(lines) + "\n"


def main() -> None:
    records_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
