"""Issue 12, thirty-sixth session: column dropout while training `default`, on all 22 tables.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/column_dropout_probe.py        # ~6 min
    python benchmarks/column_dropout_probe.py --report-only

Why: on Caravan `default` is level with CatBoost or ahead on each column block alone but does
not add the 43 weak area columns to the 42 product columns as CatBoost (and logistic
regression) do (``caravan_columns_probe.py``): the network leans on a few columns and the weak
ones add noise rather than signal. Column dropout — while training, each row drops each input
column with probability p (every embedded slot of the column at once: its scaled value, its
piecewise-linear embedding, its categorical embedding), the kept ones scaled by 1 / (1 − p) —
makes no column indispensable and rewards spreading the prediction over many weak columns
(dropout at the level of columns; scoring is unchanged). Unlike the tenth session's random
column subsets per member, every member still sees every column on average. Measured with
p = 0.1, fixed before the run, one mask a row shared by the k members, applied to
`default`'s embedded vector (a scratch patch of ``TabMPLE.embed`` in this script; nothing in
the library changes unless the rule passes); `fit_tabular(model="default", seed=0)` on the
reference's folds (``results/blend_budget_probe.json``).

The rule, declared before the run (the thirtieth session's): adopted only if (1) the mean
per-table paired Δ AUC over the 22 real tables is above zero, (2) no table's mean Δ is below
minus the reference's fold std there, and (3) the network's fit seconds over the 22 tables are
within 1.10x the reference's.
"""

from __future__ import annotations

import torch
from probe_rule import HERE, labelled_report, measure_variant, probe_command_line, unchanged

from findeep.models.tabm_ple import TabMPLE

STORE = HERE / "results" / "column_dropout_probe.json"
REPORT = HERE / "results" / "column_dropout_probe.md"
P_DROP = 0.1
_EMBED = TabMPLE.embed


def embed_with_column_dropout(self: TabMPLE, x_num: torch.Tensor,
                              x_cat: torch.Tensor) -> torch.Tensor:
    z = _EMBED(self, x_num, x_cat)
    if not self.training:
        return z
    groups = getattr(self, "_probe_groups", None)
    if groups is None:
        groups = self._probe_groups = self._column_groups()  # (n_columns, d_in)
    keep = (torch.rand(z.shape[0], groups.shape[0]) >= P_DROP).to(z.dtype) / (1.0 - P_DROP)
    deep = z[:, :self.d_in] * (keep @ groups)
    return torch.cat([deep, z[:, self.d_in:]], dim=1)


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    TabMPLE.embed = embed_with_column_dropout
    try:
        return measure_variant(name, frame, target, n_folds,
                               prepare=lambda _x, _y: (1, unchanged))
    finally:
        TabMPLE.embed = _EMBED


report = labelled_report(count_label="dropout on", variant_label=f"column dropout {P_DROP}",
                         fit_label="column dropout")


def main() -> None:
    probe_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
