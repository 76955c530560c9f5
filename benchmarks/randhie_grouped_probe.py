"""Thirty-sixth session: is CatBoost's lead on sampleSelection/RandHIE its memory of households?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/randhie_grouped_probe.py   # ~3 min
    OMP_WAIT_POLICY=PASSIVE python benchmarks/randhie_grouped_probe.py --seed 1   # other folds

RandHIE (study year 2, the unseen set's table) holds one row per person, and the people of one
household share its site, plan, family income and family size: 1,834 such households over 5,574
rows, 3.0 a household on average. Random folds put members of one household on both sides,
where a model that recognises the household (an income to the cent) can learn its members'
claims from each other. An insurer scores households it does not cover yet, so this probe asks
how much of each model's AUC, and of CatBoost's lead over `default` (−0.0131 ± 0.0103 on the
thirtieth session's folds, one of the three tables `default` trails beyond the paired noise),
comes from that. The same models, the same seed, on the protocol's 5 stratified folds, then on
5 folds grouped by household (`run_benchmark(group_column=...)`, the household a column of its
own that no model reads).

Reading, written before the run: CatBoost's lead is household memory if it is beyond one std
of the per-fold differences on random folds and within it on grouped folds; otherwise the
random folds stand for it, as they did for Caravan's postcode areas. Nothing in `default` or the
targets rows changes either way: the frozen protocol's folds stay the record.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from grouped_folds_probe import random_and_grouped
from tables import UNSEEN_TABLES_2, n_folds_for

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "randhie_grouped_probe.json"
MODELS = ("default", "catboost", "lightgbm", "logreg")
HOUSEHOLD = ("site", "plan", "income", "num")  # shared by everyone in one household


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0,
                        help="the folds' and the models' seed (0: the protocol's)")
    seed = parser.parse_args().seed
    store = STORE if seed == 0 else STORE.with_name(f"{STORE.stem}_seed{seed}.json")
    table = next(t for t in UNSEEN_TABLES_2 if t.item == "RandHIE")
    frame = table.load()
    household = pd.factorize(frame[list(HOUSEHOLD)].astype(str).agg("|".join, axis=1))[0]
    print(f"{len(frame):,} rows, {household.max() + 1:,} households")
    rows = random_and_grouped(frame, table.target, group_column="household",
                              groups=household, models=MODELS,
                              n_folds=n_folds_for(len(frame)), seed=seed)
    store.write_text(json.dumps(rows, indent=1))
    for split in dict.fromkeys(row["folds"] for row in rows):
        per = {r["model"]: np.array(r["per_fold"]) for r in rows if r["folds"] == split}
        gap = per["default"] - per["catboost"]
        print(f"{split}: default − catboost {gap.mean():+.4f} ± {gap.std(ddof=1):.4f}")


if __name__ == "__main__":
    main()
