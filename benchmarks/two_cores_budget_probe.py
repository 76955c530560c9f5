"""Issue 12, thirty-seventh session: `bagging="auto"`'s budget counting the members after the
first two at a time (``REFERENCE_CORES = 2``), on all 22 tables.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/two_cores_budget_probe.py        # ~10 min
    python benchmarks/two_cores_budget_probe.py --report-only

Why: `default`'s lead over CatBoost on the average is 2.8 standard errors with the shipped
network seed and 1.7 with seed 1 (BENCHMARKS, "`findeep tally` over the 22 real tables"), and
two seeds averaged read 2.9: the single network's seed moves the tally. Yet `bagging="auto"`
trains one member on 18 of the 22 tables (first folds, this session) while `default` fits in
0.50x CatBoost's time over the 22 (0.20–0.98x a table, `results/tally_panel.json`): the budget
projects the members one after another although every member after the first trains side by
side on the second core since the eleventh session. The twelfth session tried counting them
two at a time *with cost models re-fitted to that day's code and share 0.9* and reverted it:
out of sample it fitted in 1.2–2.6x CatBoost's wall on 7 of 15 tables. Since then the network
has become faster and the budget takes the lower of two CatBoost projections (sixteenth and
seventeenth sessions). Here only ``REFERENCE_CORES`` changes, 1 -> 2; the cost models and
``BUDGET_SHARE`` (0.8) stay. `fit_tabular(model="default", seed=0)` on the reference's folds
(``results/blend_budget_probe.json``), members per fold recorded.

The rule, declared before the run: adopted only if (1) the mean per-table paired Δ AUC over
the 22 real tables is above zero, (2) no table's mean Δ is below minus the reference's fold
std there, and (3) on every table where the variant trains more members than the reference on
some fold, its fit seconds over the folds are within CatBoost's on the same folds, the same
machine and day (``results/tally_panel/*.json``, 2026-12-07). If it passes, the tables whose
members changed are timed again, medians of three, before anything changes in the library.

The stored report was judged against the first `tally_panel.py` run's CatBoost seconds (04:07
UTC); that run's files were replaced by the two-seed run's, which ``--report-only`` now reads:
its CatBoost column differs by run-to-run spread and its verdict is the same.
"""

from __future__ import annotations

import json

import numpy as np
from probe_rule import (
    HERE,
    REFERENCE,
    measure_each,
    measure_variant,
    members_counted,
    stored_catboost_seconds,
    unchanged,
)

from findeep.train import bagging

STORE = HERE / "results" / "two_cores_budget_probe.json"
REPORT = HERE / "results" / "two_cores_budget_probe.md"

def measure_with(cores: int):
    def measure(name: str, frame, target: str, n_folds: int) -> dict:
        previous = bagging.REFERENCE_CORES
        bagging.REFERENCE_CORES = cores
        try:
            with members_counted() as members:
                record = measure_variant(name, frame, target, n_folds,
                                         prepare=lambda _x, _y: (1, unchanged))
        finally:
            bagging.REFERENCE_CORES = previous
        record["members"] = members
        return record
    return measure


def report(variant: list[dict], reference_members: dict[str, list[int]]) -> str:
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    lines = ["| table | members: reference / variant | default | 2 cores | Δ (paired) | "
             "reference fold std | fit s: reference / variant / CatBoost |",
             "|---|---|---|---|---|---|---|"]
    deltas, worse, over = [], [], []
    for record in variant:
        name = record["name"]
        base = np.array([f["auc"]["default"] for f in reference[name]["folds"]])
        seconds = sum(f["fit_seconds"]["default"] for f in reference[name]["folds"])
        auc = np.array([f["auc"] for f in record["folds"]])
        new_seconds = sum(f["fit_seconds"] for f in record["folds"])
        delta = auc - base
        deltas.append(delta.mean())
        if delta.mean() < -base.std(ddof=1):
            worse.append(name)
        more = any(v > r for v, r in zip(record["members"], reference_members[name],
                                         strict=True))
        cat = stored_catboost_seconds(name)
        if more and new_seconds > cat:
            over.append(f"{name} ({new_seconds:.1f} s vs {cat:.1f} s)")
        lines.append(
            f"| {name} | {','.join(map(str, reference_members[name]))} / "
            f"{','.join(map(str, record['members']))} | {base.mean():.4f} | {auc.mean():.4f} | "
            f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} | {base.std(ddof=1):.4f} | "
            f"{seconds:.1f} / {new_seconds:.1f} / {cat:.1f} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    passes = deltas.mean() > 0 and not worse and not over
    lines += ["", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean per-table Δ above zero | {'yes' if deltas.mean() > 0 else 'no'} | "
              f"{deltas.mean():+.4f} (s.e. {se:.4f}; up on {(deltas > 0).sum()} of "
              f"{len(deltas)}) |",
              f"| 2. no table below minus its reference fold std | "
              f"{'no' if worse else 'yes'} | {', '.join(worse) or 'none'} |",
              f"| 3. within CatBoost's fit where members grew | {'no' if over else 'yes'} | "
              f"{'; '.join(over) or 'every such table'} |",
              "", f"Rule: **{'passes' if passes else 'fails'}**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    import argparse

    from issue12_s31_headroom import real_tables

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    members_store = HERE / "results" / "two_cores_budget_probe_reference_members.json"
    if not args.report_only:
        # the reference's members: the library as it is, on the same folds (its AUCs are
        # the reference's; only the member counts are kept from this pass)
        reference_runs = measure_each(real_tables(), measure_with(1), members_store)
        members_store.write_text(json.dumps({r["name"]: r["members"] for r in reference_runs}))
        measure_each(real_tables(), measure_with(2), STORE)
    REPORT.write_text(report(json.loads(STORE.read_text()),
                             json.loads(members_store.read_text())))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
