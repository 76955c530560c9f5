"""Issue 12 (seventh session): cross-fitted bagging on the development panel, one table.

    python benchmarks/bagging_summary.py

Reads the runs' results (same 3 stratified folds, seed 0) —
results/s7_dev_bagging.json (`default` and `bagging=5`, one process),
results/s7_dev_auto.json (`bagging="auto"`, another process at the same time),
results/s7_dev_auto_members.json (members the rule chose per table and fold, from that run's
log) and CatBoost's CPU seconds (results/s6_dev_d_cpu.json from the sixth session; credit,
the synthetic table and Caravan from results/s7_dev_catboost_cpu.json, this session) — and
writes results/s7_bagging.md: AUC mean ± std, paired Δ vs `default`, CPU seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "results"
TABLES = ["sample:credit", "sample:creditcard", "make_credit_frame(5000, seed=1)",
          "wooldridge/loanapp", "ISLR/Caravan", "ISLR/Default", "causaldata/social_insure"]


def load(name: str) -> tuple[dict, dict]:
    return (json.loads((HERE / f"{name}.json").read_text()),
            json.loads((HERE / f"{name}_cpu.json").read_text()))


def main() -> None:
    runs, cpu = {}, {}
    for name in ("s7_dev_bagging", "s7_dev_auto"):
        results, seconds = load(name)
        runs |= results
        cpu |= seconds
    members = json.loads((HERE / "s7_dev_auto_members.json").read_text())
    catboost = json.loads((HERE / "s6_dev_d_cpu.json").read_text())["catboost"]
    catboost |= json.loads((HERE / "s7_dev_catboost_cpu.json").read_text())["catboost"]
    base = runs["default"]
    lines = ["| variant | " + " | ".join(TABLES) + " | mean AUC | mean Δ (21 folds) | "
             "Δ>0 folds | CPU s (all) | × default |",
             "|---|" + "---|" * len(TABLES) + "---|---|---|---|---|"]
    for variant, results in runs.items():
        cells, means, deltas = [], [], []
        for table in TABLES:
            if table not in results:
                cells.append("—")
                continue
            aucs = np.array(results[table][:-1])
            means.append(aucs.mean())
            cell = f"{aucs.mean():.4f} ± {aucs.std(ddof=1):.4f}"
            if variant != "default":
                d = aucs - np.array(base[table][:-1])
                deltas.extend(d)
                cell += f" ({d.mean():+.4f})"
            cell += f" · {cpu[variant][table]:.1f} s"
            if table in members and "auto" in variant:
                cell += f" · m={','.join(map(str, members[table]))}"
            cells.append(cell)
        complete = len(means) == len(TABLES)
        total = sum(cpu[variant].get(t, 0.0) for t in TABLES)
        base_total = sum(cpu["default"][t] for t in TABLES)
        summary = (f"{np.mean(means):.4f}" if complete else "(partial)",
                   f"{np.mean(deltas):+.4f} ± {np.std(deltas, ddof=1):.4f}" if deltas else "—",
                   f"{sum(d > 0 for d in deltas)}/{len(deltas)}" if deltas else "—",
                   f"{total:.0f}", f"{total / base_total:.2f}" if complete else "—")
        lines.append(f"| {variant} | " + " | ".join(cells) + " | " + " | ".join(summary) + " |")
    label = "catboost (CPU s; sixth session, credit, synthetic and Caravan this one)"
    lines.append(f"| {label} | " + " | ".join(
        f"{catboost[t]:.1f} s" if t in catboost else "—" for t in TABLES) + " | | | | | |")
    out = HERE / "s7_bagging.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
