"""Issue 12, sixteenth session: CatBoost's fit-time projection with its one-hot columns.

    python benchmarks/catboost_cost_s16.py
    # -> results/catboost_cost_s16.md, docs/images/catboost-projection.png

`bagging="auto"` adds members while the bag's projected time stays within 0.8 of CatBoost's
projected fit time (``train/bagging.py``). On the MEPS extract it let a second member in on
two of three folds and the fit took 1.7x CatBoost's wall: the library's projection counts
every categorical column alike, and MEPS has 13 yes/no columns, which CatBoost one-hot
encodes (``one_hot_max_size`` is 2 by default on CPU; no counter statistics are computed for
such columns), so they cost it about what a numeric column with one border costs.

This reads stored quiet-machine walls only — every one of the 23 tables measured on the
same day, as the median of three repeats (development: ``quiet_i12_s15_dev{,_r2,_r3}.json``;
the 15 tables of the first three unseen sets: ``s15r{1,2,3}_additive_unseen{1,2,3}.json``;
MEPS: ``s16r{1,2,3}_meps_wall.json``) — and compares CatBoost's seconds a fold with:

* the tenth session's projection (the library's until this session): ``c0 + rows x c_cat x
  categorical``;
* the twelfth session's border-aware form re-fitted to these walls:
  ``c0 + rows x (c_border x borders / 254 + c_cat x categorical)``;
* a one-hot-aware form: the same, but a yes/no categorical (no missing values: CatBoost is
  given a missing value as a level of its own) counts as one border and only categoricals of
  three or more levels carry ``c_cat``.

The two re-fits see the 7 development tables only (non-negative least squares on relative
error); the 16 other tables are their out-of-sample check. Then it replays ``auto_members``
on the development tables' stored bags (``s15r1_dev_additive_reference_bags.json``: first
member's epochs and width; each fold's shape) with the tenth session's constants, which must
give the members trained, and with the one-hot-aware projection, the network's projection
unchanged, to show which member counts move. No model is fitted here.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from ablations_development import TENTH_SESSION_CATBOOST_SECONDS, development_tables
from bagging_budget import fold_shapes, relative_nnls, replay_members
from catboost_cost_transfer import _shape, _unseen_frames
from figures import finish
from tables import UNSEEN_TABLE_4, n_folds_for
from unseen_tables import MAX_ROWS

from findeep.data.schema import infer_schema
from findeep.train.bagging import BUDGET_SHARE, NETWORK_CPU_PER_ROW_EPOCH, catboost_seconds

RESULTS = Path(__file__).resolve().parent / "results"
PICTURE = Path(__file__).resolve().parents[1] / "docs" / "images" / "catboost-projection.png"
DEV_RUNS = ("quiet_i12_s15_dev.json", "quiet_i12_s15_dev_r2.json", "quiet_i12_s15_dev_r3.json")
UNSEEN_RUNS = tuple(f"s15r{r}_additive_unseen{s}.json" for r in (1, 2, 3) for s in (1, 2, 3))
MEPS_RUNS = tuple(f"s16r{r}_meps_wall.json" for r in (1, 2, 3))
DEV_BAGS = "s15r1_dev_additive_reference_bags.json"
MODELS = ("tenth_session", "borders_model", "one_hot_aware")
# the one-hot-aware constants the sixteenth session put in the library (commit 21e196c) and
# its declared rule then took out again (issue12_s16_projection.py)
CANDIDATE = {"c0": 0.362, "c_border": 5.933e-05, "c_cat": 1.898e-04}


def _one_hot_shape(X: pd.DataFrame, folds: int) -> dict[str, float]:
    """``_shape`` plus the categoricals CatBoost one-hot encodes (2 levels, a missing value
    counted as a level: the baselines give CatBoost it as one) and the rest."""
    shape = _shape(X, folds)
    categorical = infer_schema(X, warn=False).names_of("categorical")
    levels = [X[c].nunique(dropna=False) for c in categorical]
    shape["binary"] = sum(n <= 2 for n in levels)
    shape["multi"] = sum(n > 2 for n in levels)
    return shape


def _meps_frame() -> tuple[pd.DataFrame, int]:
    table = UNSEEN_TABLE_4[0]
    frame = table.load()
    folds = n_folds_for(len(frame))
    if len(frame) > MAX_ROWS:
        frame = frame.groupby(table.target, group_keys=False).sample(
            frac=MAX_ROWS / len(frame), random_state=0).reset_index(drop=True)
    return frame.drop(columns=[table.target]), folds


def collect() -> pd.DataFrame:
    """One row per table: its shape and CatBoost's median quiet seconds a fold."""
    rows = []
    dev_runs = [json.loads((RESULTS / run).read_text())["catboost"] for run in DEV_RUNS]
    for name, X, _ in development_tables():
        rows.append({"table": name, "set": "development", **_one_hot_shape(X, 3),
                     "seconds": float(np.median([run[name][-1] for run in dev_runs])) / 3})
    frames = _unseen_frames()
    frames[UNSEEN_TABLE_4[0].name] = _meps_frame()
    walls: dict[str, list[float]] = {}
    for run in UNSEEN_RUNS + MEPS_RUNS:
        for result in json.loads((RESULTS / run).read_text())["results"]:
            walls.setdefault(result["name"], []).append(sum(
                fold["fit_seconds"] for fold in result["folds"] if fold["model"] == "catboost"))
    for name, runs in walls.items():
        X, folds = frames[name]
        rows.append({"table": name, "set": "unseen", **_one_hot_shape(X, folds),
                     "seconds": float(np.median(runs)) / folds, "repeats": len(runs)})
    return pd.DataFrame(rows)


def _design(frame: pd.DataFrame, model: str) -> np.ndarray:
    if model == "borders_model":
        parts = [frame.rows * frame.borders / 254, frame.rows * frame.categorical]
    else:  # one_hot_aware: a yes/no categorical is one border, c_cat only for 3+ levels
        parts = [frame.rows * (frame.borders + frame.binary) / 254, frame.rows * frame.multi]
    return np.column_stack([np.ones(len(frame)), *parts])


def project(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Each model's projection / measured seconds; the re-fits on development rows only."""
    frame = frame.copy()
    frame["tenth_session"] = [catboost_seconds(r.rows, r.numeric, r.categorical,
                                        TENTH_SESSION_CATBOOST_SECONDS) / r.seconds
                        for r in frame.itertuples()]
    development = frame[frame.set == "development"]
    constants = {}
    for model in MODELS[1:]:
        constants[model] = relative_nnls(_design(development, model),
                                         development.seconds.to_numpy())
        frame[model] = _design(frame, model) @ constants[model] / frame.seconds
    return frame, constants


def _fold_shapes() -> dict[str, list[dict[str, float]]]:
    """Per development table and outer fold (3, seed 0): ``bagging_budget.fold_shapes``
    (what ``auto_members`` is given) plus the fold's one-hot-aware shape."""
    from sklearn.model_selection import StratifiedKFold

    shapes = fold_shapes()
    for name, X, y in development_tables():
        codes = pd.factorize(y, sort=True)[0]
        splits = StratifiedKFold(3, shuffle=True, random_state=0).split(X, codes)
        for shape, (train, _) in zip(shapes[name], splits, strict=True):
            shape.update(_one_hot_shape(X.iloc[train].reset_index(drop=True), 2))
            shape["rows"] = len(train)
    return shapes


def replay(one_hot: np.ndarray) -> list[str]:
    """Members per development fold: as trained (``bagging="auto"`` without the additive
    path, whose bags record the members' width), ``auto_members`` replayed with the library's
    constants (a check of the replay) and with the one-hot-aware CatBoost projection (the
    network's projection unchanged)."""
    bags = next(iter(json.loads((RESULTS / DEV_BAGS).read_text()).values()))
    shapes = _fold_shapes()
    lines = ["| development table | members per fold as trained | replayed: tenth session's | "
             "replayed: one-hot-aware projection | CatBoost budget a fold (s): tenth session's → "
             "one-hot-aware |", "|---|---|---|---|---|"]
    for table, folds in bags.items():
        trained, library_members, one_hot_members, budgets = [], [], [], []
        for bag, shape in zip(folds, shapes[table], strict=True):
            epochs = bag["member_fits"][0]["epochs_run"]
            library = BUDGET_SHARE * catboost_seconds(shape["rows"], shape["numeric"],
                                                      shape["categorical"],
                                                      TENTH_SESSION_CATBOOST_SECONDS)
            one_hot_seconds = float((_design(pd.DataFrame([shape]), "one_hot_aware")
                                     @ one_hot)[0])
            trained.append(bag["members"])
            library_members.append(replay_members(
                epochs, shape, bag["d_in"], share=BUDGET_SHARE,
                catboost=TENTH_SESSION_CATBOOST_SECONDS, network=NETWORK_CPU_PER_ROW_EPOCH))
            # the same rule with CatBoost's projection replaced: c0 carries it all
            one_hot_members.append(replay_members(
                epochs, shape, bag["d_in"], share=BUDGET_SHARE,
                catboost={"c0": one_hot_seconds, "c_num": 0.0, "c_cat": 0.0},
                network=NETWORK_CPU_PER_ROW_EPOCH))
            budgets.append(f"{library:.1f} → {BUDGET_SHARE * one_hot_seconds:.1f}")
        lines.append(f"| {table} | {trained} | {library_members} | {one_hot_members} | "
                     f"{'; '.join(budgets)} |")
    return lines


def picture(frame: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharey=True)
    titles = {"tenth_session": "tenth session's projection (every categorical alike)",
              "one_hot_aware": "one-hot aware (yes/no columns as one border)"}
    for axis, model in zip(axes, titles, strict=True):
        for part, marker in (("development", "o"), ("unseen", "^")):
            rows = frame[frame.set == part]
            label = (f"development tables ({len(rows)})" if part == "development"
                     else f"the other real tables ({len(rows)})")
            if model != "tenth_session":
                label += ": fitted on" if part == "development" else ": the check"
            axis.scatter(rows.seconds, rows[model] * rows.seconds, marker=marker, label=label)
        for r in frame.itertuples():
            if getattr(r, model) > 1.5 or r.table == "linearmodels/meps":
                axis.annotate(r.table.split("/")[-1], (r.seconds, getattr(r, model) * r.seconds),
                              fontsize=7, xytext=(3, 3), textcoords="offset points")
        lims = [0.3, 25]
        axis.plot(lims, lims, color="grey", lw=1)
        axis.plot(lims, [1.2 * v for v in lims], color="grey", lw=0.6, ls="--")
        axis.plot(lims, [0.8 * v for v in lims], color="grey", lw=0.6, ls="--")
        axis.set(xscale="log", yscale="log", xlim=lims, ylim=lims, title=titles[model],
                 xlabel="CatBoost's measured seconds a fold (quiet, median of 3)")
        axis.title.set_fontsize(9)
        axis.legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel("projected seconds a fold (dashed: ±20%)")
    finish(fig, "CatBoost's fit time: projected vs measured on 23 real tables", PICTURE)


def main() -> None:
    warnings.simplefilter("ignore")
    frame, constants = project(collect())
    lines = ["| table | set | training rows a fold | numeric (borders) | categorical: yes/no, "
             "3+ levels | CatBoost s a fold | projection / measured: tenth session's | borders | "
             "one-hot aware |", "|---" * 9 + "|"]
    for r in frame.itertuples():
        lines.append(f"| {r.table} | {r.set} | {r.rows:,.0f} | {r.numeric} ({r.borders:.0f}) | "
                     f"{r.binary}, {r.multi} | {r.seconds:.2f} | {r.tenth_session:.2f} | "
                     f"{r.borders_model:.2f} | {r.one_hot_aware:.2f} |")
    summary = []
    for model in MODELS:
        for part in ("development", "unseen"):
            values = frame.loc[frame.set == part, model]
            summary.append(
                f"| {model} | {part} ({len(values)}) | {values.min():.2f}–{values.max():.2f} | "
                f"{values.median():.2f} | {int((values > 1.2).sum())} | "
                f"{int((values < 0.8).sum())} | {np.sqrt(np.mean(np.log(values) ** 2)):.2f} |")
    fitted = "; ".join(f"{m}: c0 {c[0]:.3f}, c_border {c[1]:.3e}, c_cat {c[2]:.3e}"
                       for m, c in constants.items())
    text = "\n".join([
        *lines, "",
        "| model | tables | projection / measured: range | median | over 1.2x | under 0.8x | "
        "rms of log |", "|---|---|---|---|---|---|---|", *summary, "",
        f"Re-fitted on the development tables only (s per row): {fitted}.", "",
        *replay(constants["one_hot_aware"]), ""])
    differences = [abs(a / b - 1) for a, b in zip(CANDIDATE.values(),
                                                  constants["one_hot_aware"], strict=True)]
    text += ("\nThe candidate's constants (the library at commit 21e196c, rounded): c0 "
             f"{CANDIDATE['c0']}, c_border {CANDIDATE['c_border']}, c_cat {CANDIDATE['c_cat']}; "
             f"largest relative difference from this fit {max(differences):.1e}.\n")
    (RESULTS / "catboost_cost_s16.md").write_text(text)
    picture(frame)
    print(text)


if __name__ == "__main__":
    main()
