"""Issue 12, twenty-third session: the declared rule for the one-network recipe, applied.

Reads the runs of ``issue12_s23_runs.sh`` (results/s23_{ref,cand}_r{1,2,3}_*.json: the six
tables the recipe reaches, reference 19fe1ac and candidate alternated, CatBoost in every run)
and prints, per table, the candidate's paired Δ AUC over the reference's folds, the
reference's fold std, the median over the three repeats of each arm's same-run fit-wall ratio
to CatBoost, and the CPU ratio; then the rule's four criteria (BENCHMARKS.md, "Issue 12,
twenty-third session"). With ``--all``, it also restates the 22 real tables against CatBoost
from the candidate's run on all 23 tables (results/s23_all_*.json and s23_all_dev.json).

    python benchmarks/issue12_s23_summary.py [--all]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from statistics import median

import numpy as np

RESULTS = Path(__file__).parent / "results"
SETS = ("second", "third", "fourth")
REACHED = ("Ecdat/Benefits", "wooldridge/k401ksubs", "AER/DoctorVisits", "Ecdat/VietNamI",
           "stevedata/mm_nhis", "linearmodels/meps")


def _runs(who: str, repeat: int) -> dict[str, dict]:
    tables = {}
    for name in SETS:
        for result in json.loads((RESULTS / f"s23_{who}_r{repeat}_{name}.json").read_text()
                                 )["results"]:
            tables[result["name"]] = result
    return tables


def fold_values(result: dict, model: str, key: str) -> list[float]:
    return [f[key] for f in sorted(result["folds"], key=lambda f: f["fold"])
            if f["model"] == model]


def _wall_ratio(result: dict) -> float:
    return (sum(fold_values(result, "default", "fit_seconds"))
            / sum(fold_values(result, "catboost", "fit_seconds")))


def reached_tables() -> bool:
    runs = {(who, r): _runs(who, r) for who in ("ref", "cand") for r in (1, 2, 3)}
    pooled, table_ok, wall_ok, cpu = [], True, True, {"ref": 0.0, "cand": 0.0}
    print("| table | reference AUC | candidate AUC | Δ (paired, s.e.) | ref fold std | "
          "wall / CatBoost ref | cand | CPU cand / ref | recipe folds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for table in REACHED:
        auc = {who: np.array(fold_values(runs[(who, 1)][table], "default", "roc_auc"))
               for who in ("ref", "cand")}
        for who in ("ref", "cand"):  # the fits are deterministic: every repeat scores alike
            for r in (2, 3):
                again = np.array(fold_values(runs[(who, r)][table], "default", "roc_auc"))
                assert np.allclose(again, auc[who], atol=1e-12), (who, r, table)
        delta = auc["cand"] - auc["ref"]
        pooled.extend(delta)
        std = float(np.std(auc["ref"], ddof=1))
        table_ok &= delta.mean() >= -std
        walls = {who: median(_wall_ratio(runs[(who, r)][table]) for r in (1, 2, 3))
                 for who in ("ref", "cand")}
        wall_ok &= walls["cand"] <= walls["ref"]
        cpus = {who: median(sum(runs[(who, r)][table]["model_cpu_seconds"]["default"])
                            for r in (1, 2, 3)) for who in ("ref", "cand")}
        for who in cpus:
            cpu[who] += cpus[who]
        recipe = runs[("cand", 1)][table]["findeep_one_network_recipe"][1:]  # [0]: warm-up
        se = delta.std(ddof=1) / np.sqrt(len(delta))
        print(f"| {table} | {auc['ref'].mean():.4f} | {auc['cand'].mean():.4f} | "
              f"{delta.mean():+.4f} ({se:.4f}) | {std:.4f} | {walls['ref']:.2f}x | "
              f"{walls['cand']:.2f}x | {cpus['cand'] / cpus['ref']:.2f}x | "
              f"{sum(recipe)} of {len(recipe)} |")
    pooled_arr = np.array(pooled)
    se = pooled_arr.std(ddof=1) / np.sqrt(len(pooled_arr))
    mean_ok = pooled_arr.mean() >= -2 * se
    print(f"\n1. mean paired Δ over {len(pooled_arr)} folds {pooled_arr.mean():+.4f} "
          f"(s.e. {se:.4f}): {'holds' if mean_ok else 'FAILS'}")
    print(f"2. no table's mean Δ below minus the reference's fold std: "
          f"{'holds' if table_ok else 'FAILS'}")
    print(f"3a. every reached table's wall ratio ≤ the reference's: "
          f"{'holds' if wall_ok else 'FAILS'}")
    print(f"4. CPU on the reached tables (medians of three): candidate "
          f"{cpu['cand']:.1f} s vs reference {cpu['ref']:.1f} s "
          f"({cpu['cand'] / cpu['ref']:.2f}x); the other 17 tables' fits are unchanged")
    return bool(mean_ok and table_ok and wall_ok)


def all_run(suffix: str) -> dict[str, tuple[float, float, float, float]]:
    """One run on all 23 tables: name -> (default AUC, CatBoost AUC, CatBoost fold std,
    fit wall / CatBoost's in that run)."""
    rows = {}
    for name in ("first", "second", "third", "fourth"):
        path = RESULTS / f"s23_all_{name}{suffix}.json"
        for result in json.loads(path.read_text())["results"]:
            s = result["summary"]
            rows[result["name"]] = (s["default"]["roc_auc_mean"], s["catboost"]["roc_auc_mean"],
                                    s["catboost"]["roc_auc_std"], _wall_ratio(result))
    dev = json.loads((RESULTS / f"s23_all_dev{suffix}.json").read_text())
    default = dev["library default (bagging auto + additive path)"]
    for table, cells in default.items():
        cat = dev["catboost"][table]
        rows[table] = (float(np.mean(cells[:-1])), float(np.mean(cat[:-1])),
                       float(np.std(cat[:-1], ddof=1)), cells[-1] / cat[-1])
    return rows


def all_tables() -> None:
    """The 22 real tables (and the synthetic one) against CatBoost: AUCs from the first
    run (the fits are deterministic), fit-wall ratios as medians of the runs present."""
    runs = [all_run(suffix) for suffix in ("", "_r2", "_r3")
            if (RESULTS / f"s23_all_fourth{suffix}.json").exists()]
    first = runs[0]
    for run in runs[1:]:  # same fits, same AUCs: only the walls differ between runs
        assert all(abs(run[t][0] - first[t][0]) < 1e-9 for t in first), "AUCs moved"
    rows = [(name, *first[name][:3], median(run[name][3] for run in runs),
             [run[name][3] for run in runs]) for name in first]
    real = [r for r in rows if not r[0].startswith("make_credit_frame")]  # synthetic
    ahead = [r for r in real if r[1] > r[2]]
    within = [r for r in real if r[2] - r[3] <= r[1] <= r[2]]
    behind = [r for r in real if r[1] < r[2] - r[3]]
    print(f"\n| table | default AUC | CatBoost AUC (std) | Δ | fit wall / CatBoost, median of "
          f"{len(runs)} (each run) |")
    print("|---|---|---|---|---|")
    for name, d, c, std, wall, walls in rows:
        each = ", ".join(f"{w:.2f}" for w in walls)
        print(f"| {name} | {d:.4f} | {c:.4f} ({std:.4f}) | {d - c:+.4f} | {wall:.2f}x "
              f"({each}) |")
    diffs = np.array([r[1] - r[2] for r in real])
    over = [r[0] for r in real if r[4] > 1.05]
    print(f"\n{len(real)} real tables: ahead {len(ahead)}, within 1 std {len(within)} "
          f"({', '.join(f'{r[0]} {r[1] - r[2]:+.4f}' for r in within)}), behind "
          f"{len(behind)} ({', '.join(r[0] for r in behind) or 'none'}); mean default "
          f"{np.mean([r[1] for r in real]):.4f} vs CatBoost {np.mean([r[2] for r in real]):.4f} "
          f"({diffs.mean():+.4f}, s.e. {diffs.std(ddof=1) / np.sqrt(len(diffs)):.4f})")
    print(f"fit wall over CatBoost's (median > 1.00x): "
          f"{[r[0] for r in real if r[4] > 1.0] or 'none'}; highest "
          f"{max(r[4] for r in real):.2f}x")
    print(f"3b. tables over CatBoost's fit wall (> 1.05x): {len(over)} "
          f"({', '.join(over) or 'none'}): {'holds' if len(over) <= 4 else 'FAILS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true",
                        help="also restate the 22 real tables from the run on all 23")
    args = parser.parse_args()
    reached_tables()
    if args.all:
        all_tables()


if __name__ == "__main__":
    main()
