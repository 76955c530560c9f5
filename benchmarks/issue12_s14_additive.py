"""Issue 12, fourteenth session: the additive path on 22 tables, by the rule declared before
the run (stored results only).

    python benchmarks/issue12_s14_additive.py          # -> results/issue12_s14_additive.md
    python benchmarks/issue12_s14_additive.py --run 2  # -> ..._additive_run2.md
    python benchmarks/issue12_s14_additive.py --run 3  # -> ..._additive_run3.md

Run 1 (the path's logistic regression by L-BFGS, as built in the thirteenth session) reads
* the 15 tables of the three unseen sets, run once more with ``default``,
  ``default-additive`` and CatBoost on the same folds in one process per set
  (``s14_additive_unseen{1,2,3}.json``, ``unseen_tables.py --models
  default,default-additive,catboost``); these tables had their one never-seen look before and
  are development evidence for this decision;
* the 7 development tables as run in the thirteenth session (``s13_dev_additive.json`` and
  ``s13_dev_additive_reference.json``, with their CPU files; ``issue12_s13_additive.py``).

Run 2 (the same path fitted by Newton-Cholesky to its optimum, every table re-run) reads
``s14b_additive_unseen{1,2,3}.json`` and ``s14b_dev_additive[_reference].json``; run 3 (the
same fit without the basis columns that are zero on every fitting row, one BLAS thread)
``s14c_*``.

The rule (BENCHMARKS, "Issue 12, fourteenth session"): adopted only if (i) the mean paired Δ
over all table-folds is beyond 2 standard errors, (ii) no table's mean Δ is below minus the
reference's fold std there, (iii) the path's CPU over the 22 tables is within 1.15x of
``default``'s, (iv) no table where ``default`` fitted in less wall time than CatBoost in the
run goes over CatBoost's wall with the path.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from issue12_s13_additive import REFERENCE, VARIANT

RESULTS = Path(__file__).resolve().parent / "results"
RUNS = {1: ("s13_dev_additive", "s14_additive_unseen"),
        2: ("s14b_dev_additive", "s14b_additive_unseen"),
        3: ("s14c_dev_additive", "s14c_additive_unseen")}


def _read(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def _folds(result: dict, model: str) -> np.ndarray:
    rows = sorted((f for f in result["folds"] if f["model"] == model), key=lambda f: f["fold"])
    return np.array([f["roc_auc"] for f in rows])


def rows(run: int = 1) -> list[dict]:
    """One row per table: fold AUCs with and without the path, CPU of each, and (for the
    unseen-set tables) CatBoost's fold AUCs and every model's fit wall in the same run."""
    out = []
    development, unseen = RUNS[run]
    reference = _read(f"{development}_reference.json")[REFERENCE]
    variant = _read(f"{development}.json")[VARIANT]
    reference_cpu = _read(f"{development}_reference_cpu.json")[REFERENCE]
    variant_cpu = _read(f"{development}_cpu.json")[VARIANT]
    for table, folds in reference.items():
        out.append({"table": table, "set": "development", "reference": np.array(folds[:-1]),
                    "additive": np.array(variant[table][:-1]),
                    "cpu": (reference_cpu[table], variant_cpu[table])})
    for number in (1, 2, 3):
        name = f"{unseen}{number}.json"
        if not (RESULTS / name).exists():
            continue
        for result in _read(name)["results"]:
            cpu = result["model_cpu_seconds"]
            wall = {m: s["fit_seconds_total"] for m, s in result["summary"].items()}
            out.append({"table": result["name"], "set": f"unseen set {number}",
                        "reference": _folds(result, "default"),
                        "additive": _folds(result, "default-additive"),
                        "catboost": _folds(result, "catboost"),
                        "cpu": (sum(cpu["default"]), sum(cpu["default-additive"])),
                        "wall": (wall["default"], wall["default-additive"], wall["catboost"])})
    return out


def _versus(auc: np.ndarray, catboost: np.ndarray) -> str:
    if auc.mean() > catboost.mean():
        return "ahead"
    return "within" if auc.mean() >= catboost.mean() - catboost.std(ddof=1) else "**behind**"


def report(table_rows: list[dict]) -> str:
    lines = ["| table | set | `default` (fold std) | + additive path | mean Δ (folds up/down) | "
             "CatBoost (fold std) | default vs CatBoost → with the path | CPU s default → path "
             "| fit wall s default / path / CatBoost |", "|---" * 9 + "|"]
    deltas, per_table, worse, breaks = [], [], [], []
    cpu = np.zeros(2)
    for row in table_rows:
        ref, new = row["reference"], row["additive"]
        delta = new - ref
        deltas.extend(delta)
        per_table.append(delta.mean())
        if delta.mean() < -ref.std(ddof=1):
            worse.append(row["table"])
        cpu += row["cpu"]
        catboost = row.get("catboost")
        cb_text = versus = "— (not in this run)"
        if catboost is not None:
            cb_text = f"{catboost.mean():.4f} ({catboost.std(ddof=1):.4f})"
            versus = f"{_versus(ref, catboost)} → {_versus(new, catboost)}"
        wall_text = "—"
        if "wall" in row:
            w_ref, w_new, w_cb = row["wall"]
            wall_text = f"{w_ref:.1f} / {w_new:.1f} / {w_cb:.1f}"
            if w_ref < w_cb <= w_new:
                breaks.append(row["table"])
        lines.append(
            f"| {row['table']} | {row['set']} | {ref.mean():.4f} ({ref.std(ddof=1):.4f}) | "
            f"{new.mean():.4f} | {delta.mean():+.4f} ({int((delta > 0).sum())}/"
            f"{int((delta < 0).sum())}) | {cb_text} | {versus} | {row['cpu'][0]:.1f} → "
            f"{row['cpu'][1]:.1f} | {wall_text} |")
    deltas, per_table = np.array(deltas), np.array(per_table)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    se_table = per_table.std(ddof=1) / np.sqrt(len(per_table))
    ratio = cpu[1] / cpu[0]
    passed = {"i": deltas.mean() > 2 * se, "ii": not worse, "iii": ratio <= 1.15,
              "iv": not breaks}
    verdict = "adopted" if all(passed.values()) else "not adopted"
    return "\n".join([
        *lines, "",
        f"Tables: {len(table_rows)}. Mean Δ over {len(deltas)} table-folds: "
        f"{deltas.mean():+.4f} ± {deltas.std(ddof=1):.4f} (s.e. {se:.4f}; "
        f"{deltas.mean() / se:.1f} s.e.), {int((deltas > 0).sum())} up, "
        f"{int((deltas < 0).sum())} down. Per table (reported, not deciding): "
        f"{per_table.mean():+.4f} (s.e. {se_table:.4f}; {per_table.mean() / se_table:.1f} s.e.), "
        f"{int((per_table > 0).sum())} of {len(per_table)} up.",
        f"(i) beyond 2 s.e.: {'yes' if passed['i'] else 'no'}; (ii) tables below minus the "
        f"reference's fold std: {', '.join(worse) or 'none'}; (iii) CPU path / default over "
        f"the tables: {ratio:.2f}x ({'within' if passed['iii'] else 'beyond'} 1.15x); (iv) "
        f"tables pushed over CatBoost's fit wall: {', '.join(breaks) or 'none'}.",
        f"**Verdict by the declared rule: {verdict}.**", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=int, choices=sorted(RUNS), default=1)
    run = parser.parse_args().run
    text = report(rows(run))
    (RESULTS / f"issue12_s14_additive{'' if run == 1 else f'_run{run}'}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
