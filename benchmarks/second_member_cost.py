"""Issue 12, thirty-seventh session: where a second member's cost comes from on tables where
`bagging="auto"` keeps one network (a diagnostic; nothing changes).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/second_member_cost.py   # ~3 min; needs the tables
    # written by benchmarks/tally_panel.py (under the system's temporary folder)

Per table, `fit_tabular(model="default", seed=0)` on the panel's seed-0 folds three ways: as
today (the one-network recipe), one member on the bag's recipe, and two members on the bag's
recipe; the seconds over the folds and each member's epochs, in
``results/second_member_cost.json``.
"""

from __future__ import annotations

import json
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

import findeep.benchmark as benchmark_module
import findeep.pipeline as pipeline_module
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
FOLDER = Path(tempfile.gettempdir()) / "findeep-tally-panel"
# table -> (target, the panel's folds for it)
TABLES = {"wooldridge-k401ksubs": ("pira", 5), "Ecdat-VietNamI": ("insurance", 3),
          "AER-DoctorVisits": ("private", 5), "sample-creditcard": ("__target", 3)}
AUTO, SURE = pipeline_module.auto_members, pipeline_module.sure_of_one_member
WAYS = {"today (one-network recipe)": None, "one member, bag's recipe": 1,
        "two members, bag's recipe": 2}


def fit_folds(table, folds, members: int | None) -> tuple[float, list[list[int]]]:
    if members is not None:
        pipeline_module.auto_members = lambda *_a, **_k: members
        pipeline_module.sure_of_one_member = lambda *_a, **_k: False
    seconds, epochs = 0.0, []
    try:
        for train, _ in folds:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                pipeline = fit_tabular(table.X.iloc[train], table.y.iloc[train],
                                       task="binary", model="default", seed=0, verbose=0)
                seconds += time.perf_counter() - started
            epochs.append([m["epochs_run"]
                           for m in pipeline.training["bagging"]["member_fits"]])
    finally:
        pipeline_module.auto_members, pipeline_module.sure_of_one_member = AUTO, SURE
    return seconds, epochs


def main() -> None:
    out = {}
    for name, (target, n_folds) in TABLES.items():
        frame = pd.read_parquet(FOLDER / f"{name}.parquet")
        table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                            time_column=None, seed=0)
        folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None,
                                           False)
        out[name] = {way: fit_folds(table, folds, members) for way, members in WAYS.items()}
        print(name, {way: f"{s:.1f} s, epochs {e}" for way, (s, e) in out[name].items()},
              flush=True)
    (HERE / "results" / "second_member_cost.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
