"""How wide the additive path's basis gets, and what its Newton fit costs as it widens
(issue 12's additive path, twenty-ninth session: the cap ``MAX_BASIS_COLUMNS``).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/additive_width.py panel    # widths, no fits
    OMP_WAIT_POLICY=PASSIVE python benchmarks/additive_width.py timing   # one fit per width

``panel``: every panel table's basis width (17 columns per numeric input, one per level of a
categorical with at most 16 levels), from the preprocessor ``default`` fits on all its rows
(the widest member basis: members see fewer rows, never more levels or columns).
``timing``: one ``AdditivePath.fit`` (Newton-Cholesky, one BLAS thread, as the path fits) on
5,000 rows of standard normal columns, at basis widths around the cap; median of 3.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from tables import (
    DEVELOPMENT_TABLES,
    UNSEEN_TABLE_4,
    UNSEEN_TABLES,
    UNSEEN_TABLES_2,
    UNSEEN_TABLES_3,
)

from findeep.data.schema import infer_schema
from findeep.features.tabular import TabularPreprocessor
from findeep.models.additive import MAX_BASIS_COLUMNS, AdditivePath, basis_width


def panel() -> None:
    widest = 0
    for table in (*DEVELOPMENT_TABLES, *UNSEEN_TABLES, *UNSEEN_TABLES_2, *UNSEEN_TABLES_3,
                  *UNSEEN_TABLE_4):
        frame = table.load()
        X = frame.drop(columns=[table.target])
        preprocessor = TabularPreprocessor(scaling="quantile")
        preprocessor.fit(X, infer_schema(X))
        x_num, _, _ = preprocessor.transform(X.head(5))
        width = basis_width(x_num.shape[1], list(preprocessor.cardinalities))
        widest = max(widest, width)
        print(f"| {table.package}/{table.item} | {len(frame):,} | {x_num.shape[1]} | "
              f"{len(preprocessor.cardinalities)} | {width:,} |", flush=True)
    print(f"widest: {widest:,} basis columns (cap {MAX_BASIS_COLUMNS:,})")


def timing(rows: int = 5_000) -> None:
    rng = np.random.default_rng(0)
    for columns in (60, 120, 175, 235):
        x = rng.normal(size=(rows, columns)).astype("float32")
        y = (x[:, 0] + rng.normal(size=rows) > 0).astype(int)
        seconds = []
        for _ in range(3):
            path = AdditivePath(n_num=columns, cardinalities=[], x_num_train=x)
            start = time.perf_counter()
            path.fit(x, np.zeros((rows, 0), dtype=np.int64), y)
            seconds.append(time.perf_counter() - start)
        print(f"| {path.width:,} | {rows:,} | {statistics.median(seconds):.1f} |", flush=True)


if __name__ == "__main__":
    {"panel": panel, "timing": timing}[sys.argv[1] if len(sys.argv) > 1 else "panel"]()
