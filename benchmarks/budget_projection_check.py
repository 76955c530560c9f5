"""Issue 12, thirty-seventh session: how far `bagging="auto"`'s two cost models are from
today's walls on this machine — a diagnostic for a future re-fit, nothing changes.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/budget_projection_check.py   # ~3 min

On each of the 22 real tables' first seed-0 fold: `fit_tabular(model="default")` once; the
first member's measured seconds against ``member_cpu_seconds`` (the network's cost model, with
the member's own fit rows, epochs and embedded width), and CatBoost's measured fit on that
fold (``results/tally_panel/NAME-seed0.json``) against ``catboost_seconds`` (the lower of the
two projections the budget takes). ``results/budget_projection_check.json``.
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
from issue12_s31_headroom import real_tables
from probe_rule import HERE, stored_catboost_seconds

import findeep.benchmark as benchmark_module
from findeep.models.additive import AdditiveBlend
from findeep.models.bagged import BaggedNetwork
from findeep.pipeline import fit_tabular
from findeep.train.bagging import (
    AUTO_FOLDS,
    BUDGET_SHARE,
    catboost_seconds,
    catboost_shape,
    member_cpu_seconds,
)


def first_member(network):
    if isinstance(network, AdditiveBlend):
        network = network.inner
    return network.members[0] if isinstance(network, BaggedNetwork) else network


def main() -> None:
    rows_out = []
    for name, frame, target, n_folds in real_tables():
        table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                            time_column=None, seed=0)
        folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None,
                                           False)
        train, _ = folds[0]
        X = table.X.iloc[train]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            pipeline = fit_tabular(X, table.y.iloc[train], task="binary", model="default",
                                   seed=0, verbose=0)
            wall = time.perf_counter() - started
        fit = pipeline.training["bagging"]["member_fits"][0]
        d_in = len(first_member(pipeline.network).embedding_slots())
        member_rows = len(train) - len(train) // AUTO_FOLDS
        projected_member = member_cpu_seconds(member_rows, fit["epochs_run"], d_in)
        numeric = pipeline.schema.names_of("numeric")
        categorical = pipeline.schema.names_of("categorical")
        projected_catboost = catboost_seconds(len(train), len(numeric), len(categorical),
                                              **catboost_shape(X, numeric, categorical))
        catboost = stored_catboost_seconds(name, fold=0)
        row = {"table": name, "members": len(pipeline.training["bagging"]["member_fits"]),
               "member_seconds": fit["seconds"], "member_projected": projected_member,
               "catboost_seconds": catboost, "catboost_projected": projected_catboost,
               "default_wall": wall, "budget_projected": BUDGET_SHARE * projected_catboost}
        rows_out.append(row)
        print(f"{name}: member {fit['seconds']:.2f} s, projected {projected_member:.2f} s "
              f"({projected_member / fit['seconds']:.1f}x); CatBoost {catboost:.2f} s, "
              f"projected {projected_catboost:.2f} s ({projected_catboost / catboost:.2f}x); "
              f"members {row['members']}", flush=True)
    (HERE / "results" / "budget_projection_check.json").write_text(
        json.dumps(rows_out, indent=1))
    member = np.array([r["member_projected"] / r["member_seconds"] for r in rows_out])
    cat = np.array([r["catboost_projected"] / r["catboost_seconds"] for r in rows_out])
    print(f"network projection / measured: median {np.median(member):.2f}x "
          f"({member.min():.2f}-{member.max():.2f}); CatBoost projection / measured: median "
          f"{np.median(cat):.2f}x ({cat.min():.2f}-{cat.max():.2f})")


if __name__ == "__main__":
    main()
