"""Issue 12, thirty-eighth session: the one-network recipe with its cosine schedule planned over
12 epochs instead of 100 — a deterministic bound on the one network's fit, for the fit-time
target under every seed (VietNamI was over CatBoost's fit under 3 of 5 seeds).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/epoch_cap_probe.py          # ~15 min
    python benchmarks/epoch_cap_probe.py --report-only

Why: where the budget can never afford a second member (`bagging.sure_of_one_member`), `default`
trains one network on ``ONE_NETWORK_RECIPE`` (learning rate 4e-3, patience 3) with a schedule
planned over the loop's 100 epochs, and early stopping ends it after 6-20 epochs depending on
the seed (VietNamI: 10-20 on a fold; ``results/fit_seeds_check.json``). Planned over
``CAP`` = 12 epochs (the median epochs run there today), the schedule anneals to zero by epoch
12: no fit runs past it, whatever the seed. A cap from the budget's projections was not
possible: the network's cost model projects a VietNamI epoch at ~3.5x its measured time and
CatBoost's at ~0.45x (``results/budget_projection_check.json``); a wall-clock cap would break
same-data-same-predictions.

Two parts, one run:

* accuracy: `default` (seed 0) on the reference's folds of the 22 real tables
  (``results/blend_budget_probe.json``), with ``ONE_NETWORK_RECIPE`` gaining ``max_epochs``
  = ``CAP``; folds that do not train on the one-network recipe are unchanged by construction
  (and must reproduce the reference's AUC: a check of the replay);
* fit time: ``run_benchmark(models=("default", "catboost"))`` under seeds 0-4 on the two
  one-network tables that went over CatBoost's fit under some seed (VietNamI, 3 folds, and
  DoctorVisits, 5; sample:creditcard, the other, bags and never trains on the recipe), today's
  recipe and the capped one each measured beside CatBoost in the same run.

Rule, declared before the run (a change for time, so accuracy must stay level):
1. mean per-table Δ AUC over the tables whose folds change ≥ −0.0005;
2. no table below minus its reference fold std;
3. standing against CatBoost (seed 0, paired rule: beyond one std of the per-fold
   differences) no worse than today's: ahead on ≥ 11 of 22, behind on ≤ 3;
4. capped: `default`'s fit ≤ CatBoost's in all 10 seed-table runs.
Results: ``results/epoch_cap_probe.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
from issue12_s31_headroom import real_tables
from probe_rule import HERE, REFERENCE, measure_variant, unchanged

import findeep.pipeline as pipeline_module
from findeep.benchmark import run_benchmark

CAP = 12
STORE = HERE / "results" / "epoch_cap_probe.json"
REPORT = HERE / "results" / "epoch_cap_probe.md"
TODAY = dict(pipeline_module.ONE_NETWORK_RECIPE)
CAPPED = {**TODAY, "max_epochs": CAP}
FIT_TABLES = ("Ecdat/VietNamI", "AER/DoctorVisits")
SEEDS = range(5)


class Recipe:
    """The block runs with ``ONE_NETWORK_RECIPE`` = ``chosen``, and records whether each fit
    trained on it (``used``: one entry per bag)."""

    def __init__(self, chosen: dict) -> None:
        self.chosen, self.used = chosen, []

    def __enter__(self) -> Recipe:
        self._real = pipeline_module.fit_bag
        pipeline_module.ONE_NETWORK_RECIPE = self.chosen

        def watched(*args, **kwargs):
            bag = self._real(*args, **kwargs)
            self.used.append(bag.one_network_recipe is not None)
            return bag

        pipeline_module.fit_bag = watched
        return self

    def __exit__(self, *_: object) -> None:
        pipeline_module.ONE_NETWORK_RECIPE = TODAY
        pipeline_module.fit_bag = self._real


def accuracy(name: str, frame: pd.DataFrame, target: str, n_folds: int) -> dict:
    with Recipe(CAPPED) as capped:
        record = measure_variant(name, frame, target, n_folds,
                                 prepare=lambda _x, _y: (1, unchanged))
    record["one_network_recipe"] = capped.used
    return record


def fit_times(name: str, frame: pd.DataFrame, target: str, n_folds: int) -> list[dict]:
    runs = []
    for seed in SEEDS:
        run = {"seed": seed}
        for label, chosen in (("today", TODAY), ("capped", CAPPED)):
            with Recipe(chosen), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = run_benchmark(frame, target, models=("default", "catboost"),
                                       n_folds=n_folds, seed=seed, verbose=0)
            folds = result.to_dict()["folds"]
            run[label] = {m: sum(f["fit_seconds"] for f in folds if f["model"] == m)
                          for m in ("default", "catboost")}
            run[label]["auc"] = float(np.mean([f["roc_auc"] for f in folds
                                               if f["model"] == "default"]))
        print(f"  {name} seed {seed}: today {run['today']['default']:.2f}/"
              f"{run['today']['catboost']:.2f} s, capped {run['capped']['default']:.2f}/"
              f"{run['capped']['catboost']:.2f} s", flush=True)
        runs.append(run)
    return runs


def standing(delta: np.ndarray) -> int:
    spread = delta.std(ddof=1)
    return 1 if delta.mean() > spread else -1 if delta.mean() < -spread else 0


def report(store: dict) -> str:
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    lines = ["| table | default | capped | Δ (paired) | fold std | vs CatBoost today → capped |",
             "|---|---|---|---|---|---|"]
    deltas, worse, counts = [], [], {"today": [0, 0, 0], "capped": [0, 0, 0]}
    for record in store["accuracy"]:
        ref = reference[record["name"]]
        base = np.array([f["auc"]["default"] for f in ref["folds"]])
        cat = np.array([f["auc"]["catboost1000"] for f in ref["folds"]])
        auc = np.array([f["auc"] for f in record["folds"]])
        delta = auc - base
        now, then = standing(base - cat), standing(auc - cat)
        for label, s in (("today", now), ("capped", then)):
            counts[label][1 - s] += 1
        word = {1: "ahead", 0: "level", -1: "behind"}
        changed = bool(np.any(np.abs(delta) > 1e-12))
        if changed:
            deltas.append(delta.mean())
            if delta.mean() < -base.std(ddof=1):
                worse.append(record["name"])
        lines.append(f"| {record['name']} | {base.mean():.4f} | {auc.mean():.4f} | "
                     + (f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f}" if changed
                        else "unchanged (no one-network fold)")
                     + f" | {base.std(ddof=1):.4f} | {word[now]} → {word[then]} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas)) if len(deltas) > 1 else float("nan")
    lines += ["", "| table | seed | today: default / CatBoost s | capped: default / CatBoost s | "
              "AUC today → capped |", "|---|---|---|---|---|"]
    over_today, over_capped, runs = [], [], 0
    for name, seeds in store["fit_times"].items():
        for run in seeds:
            runs += 1
            t, c = run["today"], run["capped"]
            rt, rc = t["default"] / t["catboost"], c["default"] / c["catboost"]
            if rt > 1:
                over_today.append(f"{name} seed {run['seed']} {rt:.2f}x")
            if rc > 1:
                over_capped.append(f"{name} seed {run['seed']} {rc:.2f}x")
            lines.append(f"| {name} | {run['seed']} | {t['default']:.2f} / {t['catboost']:.2f} "
                         f"({rt:.2f}x) | {c['default']:.2f} / {c['catboost']:.2f} ({rc:.2f}x) | "
                         f"{t['auc']:.4f} → {c['auc']:.4f} |")
    ok = [len(deltas) > 0 and deltas.mean() >= -0.0005, not worse,
          counts["capped"][0] >= 11 and counts["capped"][2] <= 3, not over_capped]
    lines += ["", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean Δ over changed tables ≥ −0.0005 | {'yes' if ok[0] else 'no'} | "
              f"{deltas.mean():+.4f} (s.e. {se:.4f}; {len(deltas)} tables changed, up on "
              f"{(deltas > 0).sum()}) |",
              f"| 2. no table below minus its fold std | {'yes' if ok[1] else 'no'} | "
              f"{', '.join(worse) or 'none'} |",
              f"| 3. vs CatBoost: ahead ≥ 11, behind ≤ 3 | {'yes' if ok[2] else 'no'} | today "
              f"{'/'.join(map(str, counts['today']))}, capped "
              f"{'/'.join(map(str, counts['capped']))} (ahead/level/behind) |",
              f"| 4. capped fit ≤ CatBoost's in all {runs} runs | {'yes' if ok[3] else 'no'} | "
              f"over: {', '.join(over_capped) or 'none'} (today over: "
              f"{', '.join(over_today) or 'none'}) |",
              "", f"Rule: **{'passes' if all(ok) else 'fails'}**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        store: dict = {"cap": CAP, "accuracy": [], "fit_times": {}}
        for name, frame, target, n_folds in real_tables():
            started = time.perf_counter()
            store["accuracy"].append(accuracy(name, frame, target, n_folds))
            if name in FIT_TABLES:
                store["fit_times"][name] = fit_times(name, frame, target, n_folds)
            print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
            STORE.write_text(json.dumps(store, indent=1))
    REPORT.write_text(report(json.loads(STORE.read_text())))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
