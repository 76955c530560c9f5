"""What the leak screen adds to `findeep train` and `benchmark` on a tall table.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/leak_screen_cost.py   # ~1 min

A generated credit table (``findeep.testing.make_credit_frame``) of 1,000,000 rows, its
training split (80%) screened as the fit screens it (``fit_tabular`` calls ``columns_alone`` on
the rows it was given: at most 50,000 sampled rows), median of three.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np

from findeep.data.leakage import columns_alone
from findeep.data.schema import infer_schema
from findeep.testing import make_credit_frame


def main() -> None:
    frame = make_credit_frame(1_000_000, seed=0)
    y, X = frame["default"], frame.drop(columns=["default"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = infer_schema(X, warn=False)
    train = np.sort(np.random.default_rng(0).permutation(len(X))[:800_000])
    X, y = X.iloc[train], y.iloc[train]  # the rows a fit is given
    screen = []
    for _ in range(3):
        started = time.perf_counter()
        columns_alone(X, y, schema, task="binary")
        screen.append(time.perf_counter() - started)
    print(f"{len(X):,} training rows x {X.shape[1]} columns: screened in "
          f"{statistics.median(screen):.2f} s (median of 3)")


if __name__ == "__main__":
    main()
