"""Issue 12, thirty-fifth session: the tenth session's first-layer group lasso on today's default,
all 22 tables (measured then on the 7 development tables, where it moved Caravan alone).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/group_lasso_probe.py        # ~5 min
    python benchmarks/group_lasso_probe.py --report-only

`model_options={"group_lasso": 1e-3}` adds 1e-3 x the sum over input columns of the Frobenius
norm of the first layer's weights on that column's slots to the training loss: feature selection
among many weak columns, aimed at Caravan (85 coded columns, 6% events). In the tenth session,
with `bagging="auto"` and the network of that time, it read Caravan +0.0121 and +0.0017 over the
21 development table-folds (1.2 s.e.), and was kept as an option. Since then `default` gained the
additive path and a budget; here the option on today's `default`, all 22 tables, seed 0, the
same folds as the reference (this session's partner probe, ``results/blend_budget_probe.json``).

The rule, declared before the run (the thirtieth session's): the option becomes the default only
if (1) the mean per-table paired Δ AUC over the 22 real tables is above zero, (2) no table's mean
Δ is below minus the reference's fold std there, and (3) the network's fit seconds over the 22
tables are within 1.10x the reference's.
"""

from __future__ import annotations

from probe_rule import HERE, option_probe

STORE = HERE / "results" / "group_lasso_probe.json"
REPORT = HERE / "results" / "group_lasso_probe.md"
OPTIONS = {"group_lasso": 1e-3}


def main() -> None:
    option_probe(__doc__, OPTIONS, store=STORE, report_path=REPORT)


if __name__ == "__main__":
    main()
