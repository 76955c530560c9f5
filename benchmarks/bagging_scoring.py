"""Scoring cost of the bag `bagging="auto"` trains in training_speed.py's scoring setup.

    OMP_NUM_THREADS=1 nice -n 5 python benchmarks/bagging_scoring.py

``scoring_speed`` in ``training_speed.py`` fits ``TabularClassifier(max_epochs=3)`` on 20,000
synthetic rows; with ``bagging="auto"`` the default (issue 12, ninth session) three epochs
make members cheap, so it bags. This prints the members trained and scoring rows per
CPU-second (process time, one thread, 200,000 rows) for ``bagging="auto"`` and ``bagging=1``.
"""

from __future__ import annotations

import time

import torch

import findeep
from findeep.testing import make_credit_frame


def main() -> None:
    torch.set_num_threads(1)
    train = make_credit_frame(20_000, seed=1).drop(columns=["applied_on"])
    y = train.pop("default")
    big = make_credit_frame(200_000, seed=2).drop(columns=["applied_on", "default"])
    for bagging in ("auto", 1):
        started = time.process_time()
        clf = findeep.TabularClassifier(max_epochs=3, bagging=bagging).fit(train, y)
        fit = time.process_time() - started
        clf.predict_proba(big.head(1_000))  # untimed: first-call costs
        started = time.process_time()
        clf.predict_proba(big)
        score = time.process_time() - started
        print(f"bagging={bagging}: members {clf.training_['bagging']['members']}, fit CPU "
              f"{fit:.1f} s, scoring {len(big) / score:,.0f} rows per CPU-second", flush=True)


if __name__ == "__main__":
    main()
