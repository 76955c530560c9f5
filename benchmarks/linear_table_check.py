"""Thirty-sixth session: `default` against logistic regression on a 1,000-row table whose
signal is linear, generated in code (German-credit-like column names and categories; no
real table is read).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/linear_table_check.py   # ~30 s

The log-odds of `bad` are linear in the loan's duration and in the checking-account status;
the amount and the purpose carry nothing. Logistic regression is the true model's family
here, the case the issue's small-data item names ("the network should not lose to logistic
regression"). The same 5 stratified folds (seed 0) for both, as `findeep benchmark` runs them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from findeep.benchmark import run_benchmark

STATUS = ("... < 0 DM", "0 <= ... < 200 DM",
          "... >= 200 DM / salary assignments for at least 1 year", "no checking account")
PURPOSE = ("car (new)", "car (used)", "furniture/equipment", "radio/television", "education",
           "business", "retraining")


def linear_credit_table(n: int = 1000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    status = rng.choice(STATUS, n)
    purpose = rng.choice(PURPOSE, n)
    duration = rng.integers(4, 72, n)
    amount = rng.gamma(2, 1500, n).round()
    logit = (-1 + 0.03 * duration + (status == STATUS[0]) * 1.0
             - (status == STATUS[3]) * 1.0)
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"status.of.existing.checking.account": status,
                         "duration.in.month": duration, "credit.amount": amount,
                         "purpose": purpose, "creditability": np.where(bad, "bad", "good")})


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_benchmark(linear_credit_table(), "creditability",
                               models=["default", "logreg"], n_folds=5, seed=0, verbose=0)
    folds = pd.DataFrame(result.folds)
    auc = folds.pivot(index="fold", columns="model", values="roc_auc")
    gap = auc["default"] - auc["logreg"]
    for model in ("default", "logreg"):
        print(f"{model}: {auc[model].mean():.4f} ± {auc[model].std(ddof=1):.4f}")
    print(f"default − logreg: {gap.mean():+.4f} ± {gap.std(ddof=1):.4f}")


if __name__ == "__main__":
    main()
