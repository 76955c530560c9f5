"""Issue 12, seventeenth session: `default` with k=2 members on tables of 5 to 8 input columns,
against k=4 (the rule before) and CatBoost on the same folds, in the same process.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/issue12_s17_narrow.py --repeat 1 [--order ...]

The library's ``NARROW_MAX_COLUMNS`` is 8 while this runs (the candidate), so ``default``
trains k=2 on the four real tables of 5 to 8 input columns (stevedata/mm_nhis 6,
AER/DoctorVisits 7, Ecdat/VietNamI 7, wooldridge/k401ksubs 8); ``default-k4`` is the same fit
with k=4 asked for, which is what ``default`` trained there before. Each repeat runs the
tables as ``unseen_tables.py`` cuts them (same folds, same samples) with the three models in
the order given (``--order``, rotated between repeats so no model always goes first), and
writes ``results/s17_narrow_r{repeat}_{set}.json`` (+ .md) through ``unseen_tables.py``.
Read the repeats with ``python benchmarks/issue12_s17_narrow_summary.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import unseen_tables

import findeep.benchmark as benchmark_module

HERE = Path(__file__).resolve().parent
# the tables of 5 to 8 input columns, by the unseen set that holds them
TABLES = {"third": "mm_nhis,DoctorVisits,VietNamI", "second": "k401ksubs"}
# the rule before: k=4 members, asked for explicitly (a caller's k wins over the narrow rule)
benchmark_module.NETWORK_VARIANTS["default-k4"] = ("default", {"k": 4})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--order", default="default,default-k4,catboost")
    args = parser.parse_args()
    for which, items in TABLES.items():
        out = HERE / "results" / f"s17_narrow_r{args.repeat}_{which}.md"
        sys.argv = ["unseen_tables.py", "--set", which, "--only", items, "--models",
                    args.order, "--out", str(out)]
        unseen_tables.main()


if __name__ == "__main__":
    main()
