"""Thirty-sixth session: `default` against logistic regression on a 1,000-row table whose
signal is linear, generated in code (German-credit-like column names and categories; no
real table is read).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/linear_table_check.py   # ~30 s
    OMP_WAIT_POLICY=PASSIVE python benchmarks/linear_table_check.py --decompose   # ~1 min

The log-odds of `bad` are linear in the loan's duration and in the checking-account status;
the amount and the purpose carry nothing. Logistic regression is the true model's family
here, the case the issue's small-data item names ("the network should not lose to logistic
regression"). The same 5 stratified folds (seed 0) for both, as `findeep benchmark` runs them.

``--decompose`` splits `default`'s deficit: `default` refitted on the same folds as it is, with
its per-column logistic path alone (share 1), and with the path alone at an almost linear
smoothing (bin fills at 0.01 of their size instead of 0.3) — choices `default` leaves to its
out-of-fold rows, forced here to see what each is worth on this table.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

import findeep.benchmark as benchmark_module
from findeep.benchmark import run_benchmark
from findeep.models import additive
from findeep.pipeline import fit_tabular

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


def decompose(frame: pd.DataFrame) -> None:
    from sklearn.metrics import roc_auc_score

    table = benchmark_module._BenchmarkTable.from_frame(frame, "creditability", task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, 5, 0, None, False)
    shares, smoothings = additive.blend_choice.__defaults__, additive.SMOOTHINGS
    for label, forced_shares, forced_smoothings in (
            ("as it is", shares, smoothings), ("path alone", ((1.0,),), smoothings),
            ("path alone, smoothing 0.01", ((1.0,),), (0.01,))):
        additive.blend_choice.__defaults__, additive.SMOOTHINGS = forced_shares, forced_smoothings
        try:
            aucs = []
            for train, test in folds:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pipeline = fit_tabular(table.X.iloc[train], table.y.iloc[train],
                                           task="binary", model="default", seed=0, verbose=0)
                    p, _ = pipeline.predict_raw(table.X.iloc[test])
                aucs.append(roc_auc_score(table.y_codes[test], p))
        finally:
            additive.blend_choice.__defaults__, additive.SMOOTHINGS = shares, smoothings
        print(f"default, {label}: {np.mean(aucs):.4f} ± {np.std(aucs, ddof=1):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decompose", action="store_true")
    if parser.parse_args().decompose:
        decompose(linear_credit_table())
        return
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
