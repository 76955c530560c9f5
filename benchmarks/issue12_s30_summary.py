"""Issue 12, thirtieth session: the additive path's second form against today's code before
it, judged by the rule declared in BENCHMARKS before the runs.

    bash benchmarks/issue12_s30_runs.sh REF_SRC CAND_SRC   # the runs (results/s30_*)
    python benchmarks/issue12_s30_summary.py               # -> results/issue12_s30_summary.md
    bash benchmarks/issue12_s30_runs.sh --repeats CAND_SRC  # two more candidate runs
    python benchmarks/issue12_s30_summary.py --walls       # -> results/issue12_s30_walls.md
    python benchmarks/issue12_s30_summary.py --walls s32_amd1 s32_amd2 s32_amd3
        # any three runs' results/<run>_* files -> results/issue12_<first run>_walls.md
        # (the thirty-second session's AMD EPYC runs: issue12_s32_runs.sh --reference SRC)

Per table: the reference's and the candidate's fold AUCs (same folds), the paired Δ, the
reference's fold std, the fit walls over CatBoost's in each run, CPU seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
DEFAULT = "library default (bagging auto + additive path)"
SETS = ("first", "second", "third", "fourth")


def walls(names: list[str] | None = None) -> None:
    """Each table's fit wall / CatBoost's in three runs (same-run ratios; the candidate's by
    default, else the runs named), their median, and whether it is at or under 1.05x."""
    names = names or ["s30_cand", "s30_cand_r2", "s30_cand_r3"]
    runs = [run_rows(who, prefix="") for who in names]
    lines = ["| table | run 1 | run 2 | run 3 | median | under or level (≤ 1.05x) |",
             "|---|---|---|---|---|---|"]
    over = []
    for table in sorted(runs[0]):
        ratios = [run[table]["wall"] / run[table]["catboost_wall"] for run in runs]
        median = float(np.median(ratios))
        if median > 1.05 and not table.startswith("make_credit_frame"):
            over.append(f"{table} {median:.2f}x")
        lines.append(f"| {table} | " + " | ".join(f"{r:.2f}x" for r in ratios)
                     + f" | **{median:.2f}x** | {'yes' if median <= 1.05 else 'no'} |")
    lines += ["", "Real tables over CatBoost's wall (median > 1.05x): "
              f"{', '.join(over) or 'none'}."]
    text = "\n".join(lines) + "\n"
    stem = "s30" if names[0] == "s30_cand" else names[0]
    (RESULTS / f"issue12_{stem}_walls.md").write_text(text)
    print(text)


def run_rows(who: str, prefix: str = "s30_") -> dict[str, dict[str, float | np.ndarray]]:
    """Per table: default's fold AUCs, its wall and CatBoost's, default's CPU seconds."""
    rows: dict[str, dict] = {}
    for name in SETS:
        for result in json.loads((RESULTS / f"{prefix}{who}_{name}.json").read_text())["results"]:
            folds = sorted(result["folds"], key=lambda f: f["fold"])
            wall = {m: sum(f["fit_seconds"] for f in folds if f["model"] == m)
                    for m in ("default", "catboost")}
            rows[result["name"]] = {
                "auc": np.array([f["roc_auc"] for f in folds if f["model"] == "default"]),
                "wall": wall["default"], "catboost_wall": wall["catboost"],
                "cpu": float(sum(result["model_cpu_seconds"]["default"]))}
    dev = json.loads((RESULTS / f"{prefix}{who}_dev.json").read_text())
    cpu = json.loads((RESULTS / f"{prefix}{who}_dev_cpu.json").read_text())
    for table, cells in dev[DEFAULT].items():
        rows[table] = {"auc": np.array(cells[:-1]), "wall": cells[-1],
                       "catboost_wall": dev["catboost"][table][-1],
                       "cpu": cpu[DEFAULT][table]}
    return rows


def main(ref_run: str = "s30_ref", cand_run: str = "s30_cand",
         out: str = "issue12_s30_summary.md") -> None:
    """The declared rule's checks, the candidate run against the reference run."""
    ref, cand = run_rows(ref_run, prefix=""), run_rows(cand_run, prefix="")
    lines = ["| table | reference AUC | candidate AUC | Δ (paired std) | reference fold std "
             "| wall / CatBoost's, ref → cand | CPU s, ref → cand |",
             "|---|---|---|---|---|---|---|"]
    deltas, below, crossed = [], [], []
    for table in sorted(ref):
        r, c = ref[table], cand[table]
        delta = c["auc"] - r["auc"]
        std = r["auc"].std(ddof=1)
        ratio_r, ratio_c = r["wall"] / r["catboost_wall"], c["wall"] / c["catboost_wall"]
        real = not table.startswith("make_credit_frame")
        if real:
            deltas.append(delta.mean())
        if delta.mean() < -std:
            below.append(table)
        if ratio_r <= 1.05 < ratio_c:
            crossed.append(table)
        lines.append(f"| {table} | {r['auc'].mean():.4f} | {c['auc'].mean():.4f} | "
                     f"{delta.mean():+.4f} ({delta.std(ddof=1):.4f}) | {std:.4f} | "
                     f"{ratio_r:.2f}x → {ratio_c:.2f}x | {r['cpu']:.1f} → {c['cpu']:.1f} |")
    gains = np.array(deltas)
    cpu_ratio = sum(c["cpu"] for c in cand.values()) / sum(r["cpu"] for r in ref.values())
    checks = [
        ("1. mean per-table Δ over the 22 real tables above zero",
         gains.mean() > 0, f"{gains.mean():+.4f} (s.e. "
         f"{gains.std(ddof=1) / np.sqrt(len(gains)):.4f}; up on "
         f"{int((gains > 0).sum())} of {len(gains)})"),
        ("2. no table's mean Δ below minus the reference's fold std", not below,
         ", ".join(below) or "none"),
        ("3a. CPU over the 23 tables within 1.10x", cpu_ratio <= 1.10, f"{cpu_ratio:.3f}x"),
        ("3b. no table under CatBoost's wall (≤ 1.05x) in the reference goes over it",
         not crossed, ", ".join(crossed) or "none"),
    ]
    lines += ["", "| criterion | held | measured |", "|---|---|---|"]
    lines += [f"| {name} | {'yes' if ok else 'no'} | {value} |" for name, ok, value in checks]
    kept = all(ok for _, ok, _ in checks)
    lines += ["", f"Verdict by the declared rule: **{'kept' if kept else 'reverted'}**."]
    text = "\n".join(lines) + "\n"
    (RESULTS / out).write_text(text)
    print(text)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--walls"]:
        walls(sys.argv[2:] or None)
    else:
        main()
