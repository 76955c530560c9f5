"""Constants of `bagging="auto"`'s fit-time budget (train/bagging.py).

    OMP_WAIT_POLICY=PASSIVE nice -n 5 python benchmarks/bagging_budget.py

The automatic rule adds bagged members while their projected fit time stays within what
CatBoost (1,000 trees, its defaults) is expected to take on the same table, on a quiet
2-core machine. It needs two cost models:

- CatBoost's seconds per fit, ``c0 + rows * (c_num * numeric + c_cat * categorical)``
  (columns as findeep's schema reads them), fitted by non-negative least squares to CatBoost's CPU
  seconds on the four development tables where the sixth session measured them
  (results/s6_dev_d_cpu.json, 3 folds each), times 0.78: CatBoost's quiet wall seconds per
  loaded-machine CPU second, measured on creditcard (2.84 / 3.69) and ISLR Default
  (4.60 / 5.78) — findeep's own network trains on one thread, so its CPU is its wall time;
- one `default` network's CPU seconds per (fit row x epoch), ``u0 + u1 * d_in`` (``d_in``: the
  width of the embedded input), fitted here on 8 synthetic tables of 1,000 rows generated in
  code (3-40 numeric, 0-8 categorical columns), overheads included. Measured under shared
  load, so it overstates a quiet machine's cost: the rule errs towards fewer members.

Never fitted on the unseen tables. Writes benchmarks/results/bagging_budget.json.

    python benchmarks/bagging_budget.py --quiet  # tenth session: the constants in the library

re-fits both models to quiet-machine wall seconds on record instead (nothing is run; the
seventh session's fits above were 2.1x high for CatBoost on loanapp, 2.5x on Caravan — its
0.78 quiet wall per loaded CPU second came from the two smallest tables, where CatBoost's 2
threads do not both run — and 1.5-2.2x high for the network):

- CatBoost: its lowest quiet wall over the 3 folds on each of the 5 development tables that
  have one (results/quiet_i12_dev, quiet_i12_s7_dev, quiet_i12_s9_dev, s9_budget_share_probe);
- the network: the quiet walls of `bagging="auto"`'s bags on loanapp, Caravan and
  social_insure at shares 0.8 and 0.7 (quiet_i12_s9_dev, s9_budget_share_probe; the mean
  where two runs exist), against the rule's own quantity: members x the first member's epochs
  x fit rows, members and epochs per fold replayed from results/s10_budget_share_bags.json (a
  bag's members are fixed by its first member's epochs; later members' extra epochs and the
  fixed costs of a fit are so absorbed in the per row-epoch cost).

Both by non-negative least squares on relative error (each table counts alike). Writes
results/bagging_budget_quiet.json.

    python benchmarks/bagging_budget.py --s12  # twelfth session: members side by side

re-fits both to the twelfth session's run of the eleventh session's code
(results/s12_budget_fit*.json): see ``s12_refit``. Writes results/bagging_budget_s12.json.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from ablations_development import SEVENTH_SESSION_COSTS, development_tables
from scipy.optimize import nnls

from findeep.data.schema import infer_schema
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
QUIET_WALL_PER_LOADED_CPU = 0.78
GRID = [(3, 0), (3, 3), (3, 8), (12, 0), (12, 3), (12, 8), (40, 0), (40, 3)]


def synthetic(n: int, n_num: int, n_cat: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, n_num)), columns=[f"x{j}" for j in range(n_num)])
    logit = frame.iloc[:, : min(3, n_num)].sum(axis=1).to_numpy()
    for j in range(n_cat):
        cardinality = (5, 20, 60)[j % 3]
        codes = rng.integers(0, cardinality, n)
        logit = logit + rng.normal(size=cardinality)[codes] * 0.5
        frame[f"c{j}"] = pd.Series([f"level{c}" for c in codes], dtype=object)
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), name="y")
    return frame, y


def catboost_model() -> dict[str, float]:
    cpu = json.loads((HERE / "results" / "s6_dev_d_cpu.json").read_text())["catboost"]
    rows = []
    for name, X, _ in development_tables():
        if name in cpu:
            schema = infer_schema(X, warn=False)
            rows.append({"table": name, "fit_rows": len(X) * 2 / 3,
                         "numeric": len(schema.names_of("numeric")),
                         "categorical": len(schema.names_of("categorical")),
                         "seconds": cpu[name] / 3 * QUIET_WALL_PER_LOADED_CPU})
    frame = pd.DataFrame(rows)
    design = np.column_stack([np.ones(len(frame)), frame.fit_rows * frame.numeric,
                              frame.fit_rows * frame.categorical])
    # non-negative: 4 tables cannot pin 3 free signs (plain least squares gives a negative
    # per-numeric-column cost); a zero underestimates CatBoost, so the rule errs to fewer members
    fitted = nnls(design, frame.seconds.to_numpy())[0]
    frame["projected"] = design @ fitted
    print(frame.to_string(index=False))
    return {"c0": float(fitted[0]), "c_num": float(fitted[1]), "c_cat": float(fitted[2]),
            "tables": frame.to_dict(orient="records")}


def network_model() -> dict[str, float]:
    fit_tabular(*synthetic(300, 3, 1), verbose=0)  # untimed start-up
    rows = []
    for n_num, n_cat in GRID:
        X, y = synthetic(1_000, n_num, n_cat)
        started = time.process_time()
        pipeline = fit_tabular(X, y, verbose=0, bagging=1)  # one network's cost
        seconds = time.process_time() - started
        rows.append({"numeric": n_num, "categorical": n_cat, "cpu": seconds,
                     "epochs": pipeline.training["epochs_run"],
                     "fit_rows": pipeline.training["fit_rows"],
                     "d_in": len(pipeline.network.embedding_slots())})
        print(rows[-1], flush=True)
    frame = pd.DataFrame(rows)
    per_row_epoch = frame.cpu / (frame.epochs * frame.fit_rows)
    fitted = np.linalg.lstsq(np.column_stack([np.ones(len(frame)), frame.d_in]),
                             per_row_epoch, rcond=None)[0]
    return {"u0": float(fitted[0]), "u1": float(fitted[1]), "grid": rows}


QUIET_FILES = ["quiet_i12_dev.json", "quiet_i12_s7_dev.json", "quiet_i12_s9_dev.json",
               "s9_budget_share_probe.json"]
QUIET_BAGS = {  # the rows of the quiet runs holding a bag, and the budget share each ran at
    "bagging auto (library: bagging='auto')": 0.8, "bagging auto, budget share 0.7 (probe)": 0.7}
QUIET_BAG_FILES = ["quiet_i12_s9_dev.json", "s9_budget_share_probe.json"]  # 2026-12-02's code


def _result(name: str) -> dict:
    return json.loads((HERE / "results" / name).read_text())


def relative_nnls(design: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Non-negative least squares on relative error: every table counts alike."""
    return nnls(design / seconds[:, None], np.ones(len(seconds)))[0]


def fold_shapes() -> dict[str, list[dict[str, int]]]:
    """Per development table and outer fold (3, seed 0): what ``auto_members`` is given."""
    from sklearn.model_selection import StratifiedKFold

    from findeep.train.bagging import AUTO_FOLDS, cross_fit_folds

    shapes: dict[str, list[dict[str, int]]] = {}
    for name, X, y in development_tables():
        codes = pd.factorize(y, sort=True)[0]
        for train, _ in StratifiedKFold(3, shuffle=True, random_state=0).split(X, codes):
            schema = infer_schema(X.iloc[train].reset_index(drop=True), warn=False)
            folds = cross_fit_folds(codes[train], AUTO_FOLDS, seed=0, stratify=True)
            shapes.setdefault(name, []).append({
                "rows": len(train), "fit_rows": len(train) - len(folds[0]),
                "numeric": len(schema.names_of("numeric")),
                "categorical": len(schema.names_of("categorical"))})
    return shapes


def replay_members(first_epochs: int, shape: dict[str, int], d_in: int, *, share: float,
                   catboost: dict[str, float], network: dict[str, float]) -> int:
    """The members ``bagging="auto"`` trains on a fold under the given constants."""
    from findeep.train import bagging

    first = bagging.FitResult(best_epoch=first_epochs, epochs_run=first_epochs,
                              best_score=0.0, seconds=0.0, rows_per_second=0.0)
    return bagging.auto_members(first, fit_rows=shape["fit_rows"], d_in=d_in,
                                rows=shape["rows"], numeric=shape["numeric"],
                                categorical=shape["categorical"], share=share,
                                catboost_model=catboost, network_model=network)


def quiet_refit() -> dict:
    """Both cost models re-fitted to quiet wall seconds on record (see the module doc)."""
    shapes = fold_shapes()
    walls: dict[str, float] = {}
    for name in QUIET_FILES:
        for table, row in _result(name).get("catboost", {}).items():
            walls[table] = min(walls.get(table, np.inf), float(row[-1]))
    cb_rows = [{"table": t, "seconds": walls[t] / 3, "fit_rows": np.mean([f["rows"] for f in s]),
                "numeric": s[0]["numeric"], "categorical": s[0]["categorical"]}
               for t, s in shapes.items() if t in walls]
    cb = pd.DataFrame(cb_rows)
    design = np.column_stack([np.ones(len(cb)), cb.fit_rows * cb.numeric,
                              cb.fit_rows * cb.categorical])
    c0, c_num, c_cat = relative_nnls(design, cb.seconds.to_numpy())
    cb["projected / quiet"] = design @ [c0, c_num, c_cat] / cb.seconds
    print(cb.to_string(index=False))
    catboost = {"c0": float(c0), "c_num": float(c_num), "c_cat": float(c_cat)}

    bags = _result("s10_budget_share_bags.json")["bagging auto, budget share 0.8"]
    seen: dict[tuple[str, float], list[float]] = {}
    for name in QUIET_BAG_FILES:
        for variant, share in QUIET_BAGS.items():
            for table, row in _result(name).get(variant, {}).items():
                seen.setdefault((table, share), []).append(float(row[-1]))
    # the rule those runs ran under
    library = SEVENTH_SESSION_COSTS["catboost_seconds"]
    library_network = SEVENTH_SESSION_COSTS["network_cost"]
    net_rows = []
    for (table, share), seconds in seen.items():
        row_epochs = 0.0
        for fold, shape in zip(bags[table], shapes[table], strict=True):
            first = fold["member_fits"][0]["epochs_run"]
            members = replay_members(first, shape, fold["d_in"], share=share, catboost=library,
                                     network=library_network)
            row_epochs += members * first * shape["fit_rows"]
        net_rows.append({"table": table, "share": share, "seconds": float(np.mean(seconds)),
                         "row_epochs": row_epochs, "d_in": bags[table][0]["d_in"]})
    net = pd.DataFrame(net_rows)
    design = np.column_stack([net.row_epochs, net.row_epochs * net.d_in])
    u0, u1 = relative_nnls(design, net.seconds.to_numpy())
    net["projected / quiet"] = design @ [u0, u1] / net.seconds
    print(net.to_string(index=False))
    result = {"catboost_seconds": {**catboost, "tables": cb.to_dict(orient="records")},
              "network_cpu_per_row_epoch": {"u0": float(u0), "u1": float(u1),
                                            "bags": net.to_dict(orient="records")}}
    (HERE / "results" / "bagging_budget_quiet.json").write_text(
        json.dumps(result, indent=1, default=float) + "\n")
    return result


S12_RUN = "s12_budget_fit"  # twelfth session: this code's walls, members side by side
S12_BAG_VARIANTS = ("bagging auto (library: bagging='auto')",
                    "cross-fitted bagging, 5 members (library: bagging=5)")
S12_CORES = 2


def s12_refit() -> dict:
    """Both cost models re-fitted to the twelfth session's run of this code (BENCHMARKS,
    "the bagging budget for members trained side by side"): CatBoost to its wall per fold on
    the 7 development tables; the network to the `auto` and `bagging=5` bags' walls against
    member-times (the first member, then the rest 2 at a time) x the first member's epochs x
    fit rows, summed over the 3 folds."""
    from findeep.train.bagging import member_times

    shapes = fold_shapes()
    walls, bags = _result(f"{S12_RUN}.json"), _result(f"{S12_RUN}_bags.json")
    cb = pd.DataFrame([{"table": t, "seconds": walls["catboost"][t][-1] / 3,
                        "rows": np.mean([f["rows"] for f in s]), "numeric": s[0]["numeric"],
                        "categorical": s[0]["categorical"]}
                       for t, s in shapes.items() if t in walls["catboost"]])
    design = np.column_stack([np.ones(len(cb)), cb.rows * cb.numeric, cb.rows * cb.categorical])
    c0, c_num, c_cat = relative_nnls(design, cb.seconds.to_numpy())
    cb["projected / measured"] = design @ [c0, c_num, c_cat] / cb.seconds
    print(cb.to_string(index=False))
    net_rows = []
    for variant in S12_BAG_VARIANTS:
        for table, folds in bags[variant].items():
            pairs = list(zip(folds, shapes[table], strict=True))
            net_rows.append({
                "variant": variant.split(" (")[0], "table": table,
                "members": ",".join(str(f["members"]) for f in folds),
                "seconds": walls[variant][table][-1],
                "member_times": sum(member_times(f["members"], S12_CORES) for f in folds),
                "row_epochs": sum(member_times(f["members"], S12_CORES)
                                  * f["member_fits"][0]["epochs_run"] * shape["fit_rows"]
                                  for f, shape in pairs),
                "d_in": folds[0]["d_in"]})
    net = pd.DataFrame(net_rows)
    # a fixed cost per member-time (f0: set-up, validation scoring, a worker's start) beside
    # the per row-epoch cost; without it the small tables' bags were projected at 0.35-0.40x
    # their walls (addendum in BENCHMARKS, declared before any candidate ran)
    design = np.column_stack([net.member_times, net.row_epochs, net.row_epochs * net.d_in])
    f0, u0, u1 = relative_nnls(design, net.seconds.to_numpy())
    net["projected / measured"] = design @ [f0, u0, u1] / net.seconds
    print(net.to_string(index=False))
    result = {"catboost_seconds": {"c0": float(c0), "c_num": float(c_num), "c_cat": float(c_cat),
                                   "tables": cb.to_dict(orient="records")},
              "network_cpu_per_row_epoch": {"f0": float(f0), "u0": float(u0), "u1": float(u1),
                                            "bags": net.to_dict(orient="records")},
              "reference_cores": S12_CORES}
    (HERE / "results" / "bagging_budget_s12.json").write_text(
        json.dumps(result, indent=1, default=float) + "\n")
    return result


def main() -> None:
    warnings.simplefilter("ignore")
    import sys

    if "--s12" in sys.argv:
        fitted = s12_refit()
        print(json.dumps({k: ({n: v for n, v in d.items() if n not in ("tables", "bags")}
                              if isinstance(d, dict) else d) for k, d in fitted.items()},
                         indent=1))
        return
    if "--quiet" in sys.argv:
        fitted = quiet_refit()
        print(json.dumps({k: {n: v for n, v in d.items() if n not in ("tables", "bags")}
                          for k, d in fitted.items()}, indent=1))
        return
    result = {"catboost_seconds": catboost_model()}
    if "--catboost-only" in sys.argv:
        print(json.dumps(result, indent=1, default=float))
        return
    result["network_cpu_per_row_epoch"] = network_model()
    print(json.dumps({k: {n: v for n, v in d.items() if n not in ("tables", "grid")}
                      for k, d in result.items()}, indent=1))
    (HERE / "results" / "bagging_budget.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
