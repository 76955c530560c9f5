"""Issue 12, thirty-fifth session: small categoricals and few-valued numbers one-hot inside the
network, on all 22 tables with today's default (the seventh session's best candidate, measured
then on the 7 development tables with the network of that time).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/one_hot_probe.py        # ~5 min
    python benchmarks/one_hot_probe.py --report-only

The seventh session's "numerics with 3–16 values also one-hot (+ small categoricals one-hot)"
(`model_options={"one_hot_max": 16, "level_one_hot_max": 16}`: categoricals of at most 16 codes
enter one-hot instead of as learned embeddings, and numeric columns of 3 to 16 values gain a
one-hot of their levels beside their number and its piecewise-linear encoding) read +0.0020 ±
0.0069 pooled over two seeds (1.8 s.e.), with Caravan up on both seeds (+0.0083, +0.0087), and
was kept as an option. Since then `default` gained bagging, the additive path and a budget; here
the option is run on today's `default` on all 22 tables: `fit_tabular(model="default",
model_options=..., seed=0)` on the same folds as the reference (this session's partner probe,
``results/blend_budget_probe.json``).

The rule, declared before the run (the thirtieth session's): the option becomes the default only
if (1) the mean per-table paired Δ AUC over the 22 real tables is above zero, (2) no table's mean
Δ is below minus the reference's fold std there, and (3) the network's fit seconds over the 22
tables are within 1.10x the reference's.
"""

from __future__ import annotations

from probe_rule import HERE, option_probe

STORE = HERE / "results" / "one_hot_probe.json"
REPORT = HERE / "results" / "one_hot_probe.md"
OPTIONS = {"one_hot_max": 16, "level_one_hot_max": 16}


def main() -> None:
    option_probe(__doc__, OPTIONS, store=STORE, report_path=REPORT)


if __name__ == "__main__":
    main()
