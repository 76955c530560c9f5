"""Issue 12, thirty-fifth session: categorical x categorical crosses, the one candidate the
issue names that the ablations never measured.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/category_crosses_probe.py        # ~4 min
    python benchmarks/category_crosses_probe.py --report-only

CatBoost's category statistics over combinations of columns are one plausible source of its
lead on the categorical tables `default` trails (Ecdat/HI, RandHIE). Here each pair of
categorical columns (as findeep's schema reads the training rows; each of at most 16 levels)
becomes one more categorical column, its value the pair's two values joined, on tables with at
most 8 such columns (28 pairs at most; wider tables get none and read as the reference). A
cross is a function of the row alone, so nothing is learned from labels or test rows; the
network embeds it as any other category. `fit_tabular(model="default", seed=0)` on the crossed
training fold, scored on the crossed test fold, against the reference: the same network on the
same folds without crosses (``results/blend_budget_probe.json``, the thirty-fifth session's run
of today's code, whose `default` AUCs equal the blend bundle's network's).

The rule, declared before the run (the thirtieth session's, which every default change has
passed): crosses go into the library's defaults only if (1) the mean per-table paired Δ AUC over
the 22 real tables is above zero, (2) no table's mean Δ is below minus the reference's fold std
there, and (3) the network's fit seconds over the 22 tables are within 1.10x the reference's.
A pass here is a probe's pass: the library change would be run again before it is kept.
"""

from __future__ import annotations

import itertools

import pandas as pd
from probe_rule import HERE, Encode, labelled_report, measure_variant, probe_command_line

from findeep.data.schema import infer_schema

STORE = HERE / "results" / "category_crosses_probe.json"
REPORT = HERE / "results" / "category_crosses_probe.md"
MAX_LEVELS = 16
MAX_COLUMNS = 8


def cross_pairs(train: pd.DataFrame) -> list[tuple[str, str]]:
    """The pairs of the training rows' categorical columns of at most 16 levels, when there
    are at most 8 of them."""
    schema = infer_schema(train, warn=False)
    small = [c for c in schema.names_of("categorical")
             if train[c].nunique(dropna=False) <= MAX_LEVELS]
    return list(itertools.combinations(small, 2)) if 2 <= len(small) <= MAX_COLUMNS else []


def with_crosses(frame: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    crosses = {f"{a}__x__{b}": frame[a].astype(str) + " | " + frame[b].astype(str)
               for a, b in pairs}
    return frame.assign(**crosses)


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    def prepare(train: pd.DataFrame, _labels) -> tuple[int, Encode]:
        pairs = cross_pairs(train)
        return len(pairs), lambda rows, _training: with_crosses(rows, pairs)
    return measure_variant(name, frame, target, n_folds, prepare=prepare, count_key="pairs")


report = labelled_report(count_key="pairs", count_label="pairs crossed",
                         variant_label="with crosses", fit_label="crossed")


def main() -> None:
    probe_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
