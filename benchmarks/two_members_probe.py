"""Issue 12, thirty-seventh session: what a second member would buy where `bagging="auto"`
keeps one network — the ceiling of re-fitting the budget's cost models (a measurement; the
cost models were not re-fitted, and nothing changes in the library).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/two_members_probe.py        # ~8 min
    python benchmarks/two_members_probe.py --report-only

Why: the budget's network cost model projects a member at 2.8x its measured time today
(``budget_projection_check.py``), so `bagging="auto"` trains one network on 18 of the 22
tables although `default` fits in half CatBoost's time; a re-fit would first let a second
member onto those tables. Here every table gets at least two members (`auto_members` at least
2, and no table taken as "sure of one member", so those tables train their members on the bag's
recipe rather than the one-network recipe — what a re-fit would also do), everything else as
today; `fit_tabular(model="default", seed=0)` on the reference's folds
(``results/blend_budget_probe.json``). Reported against the thirtieth session's rule for
reference (mean per-table Δ above zero, no table below minus its fold std) and each table's fit
against CatBoost's (``results/tally_panel/NAME-seed0.json``); with no table left unseen, a
pass could not be adopted without a check on tables outside the panel.
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

import findeep.pipeline as pipeline_module

STORE = HERE / "results" / "two_members_probe.json"
REPORT = HERE / "results" / "two_members_probe.md"
_AUTO, _SURE = pipeline_module.auto_members, pipeline_module.sure_of_one_member


def at_least_two(*args, **kwargs) -> int:
    return max(2, _AUTO(*args, **kwargs))


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    pipeline_module.auto_members = at_least_two
    pipeline_module.sure_of_one_member = lambda *a, **k: False
    try:
        with members_counted() as members:
            record = measure_variant(name, frame, target, n_folds,
                                     prepare=lambda _x, _y: (1, unchanged))
    finally:
        pipeline_module.auto_members, pipeline_module.sure_of_one_member = _AUTO, _SURE
    record["members"] = members
    return record


def report(records: list[dict]) -> str:
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    lines = ["| table | members | default | at least 2 | Δ (paired) | fold std | "
             "fit s: at least 2 / CatBoost |", "|---|---|---|---|---|---|---|"]
    deltas, worse, over = [], [], []
    for record in records:
        name = record["name"]
        base = np.array([f["auc"]["default"] for f in reference[name]["folds"]])
        auc = np.array([f["auc"] for f in record["folds"]])
        seconds = sum(f["fit_seconds"] for f in record["folds"])
        cat = stored_catboost_seconds(name)
        delta = auc - base
        deltas.append(delta.mean())
        if delta.mean() < -base.std(ddof=1):
            worse.append(name)
        if seconds > cat:
            over.append(f"{name} {seconds / cat:.2f}x")
        lines.append(f"| {name} | {','.join(map(str, record['members']))} | {base.mean():.4f} | "
                     f"{auc.mean():.4f} | {delta.mean():+.4f} ± {delta.std(ddof=1):.4f} | "
                     f"{base.std(ddof=1):.4f} | {seconds:.1f} / {cat:.1f} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    lines += ["", f"Mean per-table Δ {deltas.mean():+.4f} (s.e. {se:.4f}; up on "
              f"{(deltas > 0).sum()} of {len(deltas)}); below minus the fold std: "
              f"{', '.join(worse) or 'none'}; over CatBoost's fit: {', '.join(over) or 'none'}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    import argparse

    from issue12_s31_headroom import real_tables

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    if not parser.parse_args().report_only:
        measure_each(real_tables(), measure, STORE)
    REPORT.write_text(report(json.loads(STORE.read_text())))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
