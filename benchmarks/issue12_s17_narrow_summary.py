"""Issue 12, seventeenth session: k=2 members on tables of 5 to 8 input columns, by the rule
declared before its runs (stored results only).

    python benchmarks/issue12_s17_narrow_summary.py   # -> results/issue12_s17_narrow.md

Reads the three repeats of ``issue12_s17_narrow.py`` (``results/s17_narrow_r{1,2,3}_{third,
second}.json``): per table the fold AUCs of ``default`` (k=2, the candidate), ``default-k4``
(the rule before) and CatBoost, their fit walls (same run, same folds) and CPU. Checks first
that every repeat reproduced the same fold AUCs and that ``default-k4`` equals the sixteenth
session's ``default`` there (``s16r1_unseen{2,3}.json``), then applies the declared rule
(BENCHMARKS, "Issue 12, seventeenth session"): (i) mean paired Δ over the folds not below
zero by more than 2 s.e.; (ii) no table's mean Δ below minus the k=4 fold std; (iii) no
table moves down against CatBoost; (iv) each table's median same-run wall ratio k=2 / k=4
below 1.00.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from issue12_s14_additive import _folds, _read, _versus

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = (1, 2, 3)
SETS = ("third", "second")
RANK = {"ahead": 2, "within": 1, "**behind**": 0}


def collect() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for repeat in REPEATS:
        for which in SETS:
            for result in _read(f"s17_narrow_r{repeat}_{which}.json")["results"]:
                wall = {m: s["fit_seconds_total"] for m, s in result["summary"].items()}
                aucs = {m: _folds(result, m) for m in ("default", "default-k4", "catboost")}
                row = out.setdefault(result["name"], {**aucs, "walls": [], "cpu": []})
                for model, auc in aucs.items():
                    if not np.array_equal(auc, row[model]):
                        raise SystemExit(f"{result['name']}: {model}'s fold AUCs differ between "
                                         "repeats")
                row["walls"].append(wall)
                row["cpu"].append({m: sum(s) for m, s in result["model_cpu_seconds"].items()})
    for which in SETS:
        for result in _read(f"s16r1_unseen{2 if which == 'second' else 3}.json")["results"]:
            if result["name"] in out and not np.array_equal(
                    _folds(result, "default"), out[result["name"]]["default-k4"]):
                raise SystemExit(f"{result['name']}: default-k4 is not the sixteenth session's "
                                 "default")
    return out


def report(rows: dict[str, dict]) -> str:
    lines = ["| table | k=4 (fold std) | k=2 | mean Δ (folds up/down) | CatBoost (fold std) | "
             "vs CatBoost: k=4 → k=2 | wall k=2 / k=4, median of 3 | wall / CatBoost's, median "
             "of 3: k=4 → k=2 | CPU s (median): k=4 → k=2 |", "|---" * 9 + "|"]
    deltas, worse, down, slower = [], [], [], []
    for table, row in rows.items():
        old, new, cb = row["default-k4"], row["default"], row["catboost"]
        delta = new - old
        deltas.extend(delta)
        if delta.mean() < -old.std(ddof=1):
            worse.append(table)
        before, after = _versus(old, cb), _versus(new, cb)
        if RANK[after] < RANK[before]:
            down.append(f"{table} ({before} → {after})")
        k2_k4 = np.median([w["default"] / w["default-k4"] for w in row["walls"]])
        k4_cb = np.median([w["default-k4"] / w["catboost"] for w in row["walls"]])
        k2_cb = np.median([w["default"] / w["catboost"] for w in row["walls"]])
        if k2_k4 >= 1.0:
            slower.append(table)
        cpu_k4 = np.median([c["default-k4"] for c in row["cpu"]])
        cpu_k2 = np.median([c["default"] for c in row["cpu"]])
        lines.append(
            f"| {table} | {old.mean():.4f} ({old.std(ddof=1):.4f}) | {new.mean():.4f} | "
            f"{delta.mean():+.4f} ({int((delta > 0).sum())}/{int((delta < 0).sum())}) | "
            f"{cb.mean():.4f} ({cb.std(ddof=1):.4f}) | {before} → {after} | {k2_k4:.2f}x | "
            f"{k4_cb:.2f}x → {k2_cb:.2f}x | {cpu_k4:.1f} → {cpu_k2:.1f} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    passed = {"i": bool(deltas.mean() >= -2 * se), "ii": not worse, "iii": not down,
              "iv": not slower}
    verdict = ("kept: NARROW_MAX_COLUMNS stays 8" if all(passed.values())
               else "not kept: NARROW_MAX_COLUMNS returns to 4")
    return "\n".join([
        *lines, "",
        f"Mean Δ over {len(deltas)} folds: {deltas.mean():+.4f} ± {deltas.std(ddof=1):.4f} "
        f"(s.e. {se:.4f}), {int((deltas > 0).sum())} up, {int((deltas < 0).sum())} down.",
        f"(i) not below zero by more than 2 s.e.: {'yes' if passed['i'] else 'no'}; (ii) tables "
        f"below minus the k=4 fold std: {', '.join(worse) or 'none'}; (iii) tables moving down "
        f"against CatBoost: {', '.join(down) or 'none'}; (iv) tables where k=2 is not faster: "
        f"{', '.join(slower) or 'none'}.",
        f"**Verdict by the declared rule: {verdict}.**", ""])


def main() -> None:
    text = report(collect())
    (RESULTS / "issue12_s17_narrow.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
