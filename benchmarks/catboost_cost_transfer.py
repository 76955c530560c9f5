"""Does a CatBoost fit-time projection fitted on the development tables hold on unseen ones?

    python benchmarks/catboost_cost_transfer.py  # writes results/catboost_cost_transfer.md

`bagging="auto"` budgets its members against a projection of CatBoost's fit time. The
twelfth session's larger budget passed on the development panel and overspent on unseen
tables, so this reads CatBoost's quiet 2-core walls of that session (stored results only:
the 7 development tables in ``s12_budget_fit.json``, the 15 unseen tables in
``quiet_unseen3_s12.json``, ``unseen_s12_first.json``, ``unseen2_s12.json``; the same
machine period, load < 2) and compares, per table, the projections with the measured
seconds per fold:

* the library's model (tenth session) and the twelfth session's re-fit (both
  ``c0 + rows x (c_num x numeric + c_cat x categorical)``);
* a border-aware model fitted here on the development tables only: CatBoost quantises a
  numeric column into at most 254 borders, so a yes/no or small-count column costs it far
  less than a continuous one; ``c0 + rows x (c_border x borders / 254 + c_cat x
  categorical)``, borders = sum over numeric columns of min(distinct values - 1, 254).

Only timings are read: no model is fitted, nothing about accuracy is used, and no default
is changed by this (any rule built on it would need tables nobody has looked at).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from ablations_development import TENTH_SESSION_CATBOOST_SECONDS, development_tables
from bagging_budget import relative_nnls
from tables import UNSEEN_TABLES, UNSEEN_TABLES_2, UNSEEN_TABLES_3, n_folds_for
from unseen_tables import MAX_ROWS

from findeep.data.schema import infer_schema
from findeep.train.bagging import catboost_seconds

RESULTS = Path(__file__).resolve().parent / "results"
UNSEEN_RUNS = ("quiet_unseen3_s12.json", "unseen_s12_first.json", "unseen2_s12.json")


def _unseen_frames() -> dict[str, tuple[pd.DataFrame, int]]:
    """Each unseen table's inputs as the benchmark saw them, with its number of folds."""
    frames = {}
    for table in (*UNSEEN_TABLES, *UNSEEN_TABLES_2, *UNSEEN_TABLES_3):
        frame = table.load()
        folds = n_folds_for(len(frame))
        if len(frame) > MAX_ROWS:
            frame = frame.groupby(table.target, group_keys=False).sample(
                frac=MAX_ROWS / len(frame), random_state=0).reset_index(drop=True)
        frames[table.name] = (frame.drop(columns=[table.target]), folds)
    return frames


def _shape(X: pd.DataFrame, folds: int) -> dict[str, float]:
    schema = infer_schema(X, warn=False)
    numeric = schema.names_of("numeric")
    return {"rows": len(X) * (folds - 1) / folds, "numeric": len(numeric),
            "categorical": len(schema.names_of("categorical")),
            "borders": float(sum(min(max(X[c].nunique() - 1, 1), 254) for c in numeric))}


def collect() -> pd.DataFrame:
    rows = []
    development = json.loads((RESULTS / "s12_budget_fit.json").read_text())["catboost"]
    for name, X, _ in development_tables():
        rows.append({"table": name, "set": "development", **_shape(X, 3),
                     "seconds": development[name][-1] / 3})
    frames = _unseen_frames()
    for run in UNSEEN_RUNS:
        for result in json.loads((RESULTS / run).read_text())["results"]:
            X, folds = frames[result["name"]]
            rows.append({"table": result["name"], "set": "unseen", **_shape(X, folds),
                         "seconds": result["summary"]["catboost"]["fit_seconds_total"] / folds})
    return pd.DataFrame(rows)


def main() -> None:
    warnings.simplefilter("ignore")
    frame = collect()
    twelfth = json.loads((RESULTS / "bagging_budget_s12.json").read_text())["catboost_seconds"]
    for label, model in (("library", TENTH_SESSION_CATBOOST_SECONDS), ("twelfth", twelfth)):
        frame[label] = [catboost_seconds(r.rows, r.numeric, r.categorical, model) / r.seconds
                        for r in frame.itertuples()]
    development = frame[frame.set == "development"]
    design = np.column_stack([np.ones(len(development)),
                              development.rows * development.borders / 254,
                              development.rows * development.categorical])
    c0, c_border, c_cat = relative_nnls(design, development.seconds.to_numpy())
    frame["borders_model"] = (c0 + frame.rows * (c_border * frame.borders / 254 + c_cat
                                                 * frame.categorical)) / frame.seconds
    lines = ["| table | set | training rows a fold | numeric (borders) | categorical | CatBoost s "
             "a fold | projection / measured: library | twelfth session's | borders model |",
             "|---" * 9 + "|"]
    for r in frame.itertuples():
        lines.append(f"| {r.table} | {r.set} | {r.rows:,.0f} | {r.numeric} ({r.borders:.0f}) | "
                     f"{r.categorical} | {r.seconds:.2f} | {r.library:.2f} | {r.twelfth:.2f} | "
                     f"{r.borders_model:.2f} |")
    summary = []
    for label in ("library", "twelfth", "borders_model"):
        for part in ("development", "unseen"):
            values = frame.loc[frame.set == part, label]
            summary.append(f"- {label}, {part} ({len(values)}): projection / measured "
                           f"{values.min():.2f}–{values.max():.2f}, median {values.median():.2f}, "
                           f"over 1.2x on {int((values > 1.2).sum())}, under 0.8x on "
                           f"{int((values < 0.8).sum())}")
    text = ("\n".join(lines) + "\n\n" + f"Borders model (development tables only): c0 {c0:.3f}, "
            f"c_border {c_border:.3e}, c_cat {c_cat:.3e} s per row.\n\n" + "\n".join(summary)
            + "\n")
    (RESULTS / "catboost_cost_transfer.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
