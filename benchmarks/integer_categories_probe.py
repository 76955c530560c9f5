"""Issue 12, thirty-fifth session: low-cardinality integer columns offered as categoricals as
well as numbers, on all 22 tables (the sixth session reached only social_insure).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/integer_categories_probe.py        # ~4 min
    python benchmarks/integer_categories_probe.py --report-only

The issue names "low-cardinality integer columns (counts, day of month, codes) offered as
categoricals as well as numbers" among its candidates; the sixth session's ablation ran it on
social_insure alone (+0.0069, inside the noise) before its run was cut. Here every numeric column
of the training fold (as findeep's schema reads it) whose values are whole numbers with 3 to 50
distinct values keeps its number and gains a categorical copy (the value as text), on every
table that has one; `default`, seed 0, on the same folds as the reference (this session's
partner probe, ``results/blend_budget_probe.json``, today's `default`). The copy is a function of
the row alone: nothing is learned from labels or test rows.

The rule, declared before the run (the thirtieth session's, which every default change has
passed): the copies go into the library's defaults only if (1) the mean per-table paired Δ AUC
over the 22 real tables is above zero, (2) no table's mean Δ is below minus the reference's
fold std there, and (3) the network's fit seconds over the 22 tables are within 1.10x the
reference's. A pass here is a probe's pass: the library change would be run again before it is
kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from probe_rule import HERE, Encode, labelled_report, measure_variant, probe_command_line

from findeep.data.schema import infer_schema

STORE = HERE / "results" / "integer_categories_probe.json"
REPORT = HERE / "results" / "integer_categories_probe.md"
MIN_LEVELS = 3
MAX_LEVELS = 50


def integer_columns(train: pd.DataFrame) -> list[str]:
    """The training rows' numeric columns holding whole numbers with 3 to 50 distinct values."""
    schema = infer_schema(train, warn=False)
    chosen = []
    for name in schema.names_of("numeric"):
        values = pd.to_numeric(train[name], errors="coerce").dropna()
        if (MIN_LEVELS <= values.nunique() <= MAX_LEVELS
                and np.all(values.to_numpy() == np.round(values.to_numpy()))):
            chosen.append(name)
    return chosen


def with_copies(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    copies = {f"{c}__as_category": pd.to_numeric(frame[c], errors="coerce")
              .map(lambda v: "missing" if pd.isna(v) else str(int(v))) for c in columns}
    return frame.assign(**copies)


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    def prepare(train: pd.DataFrame, _labels) -> tuple[int, Encode]:
        columns = integer_columns(train)
        return len(columns), lambda rows, _training: with_copies(rows, columns)
    return measure_variant(name, frame, target, n_folds, prepare=prepare)


report = labelled_report(count_label="integer columns copied", variant_label="with copies",
                         fit_label="with copies")


def main() -> None:
    probe_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
