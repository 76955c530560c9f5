"""Issue 12, fifteenth session: the additive path's cost criteria re-measured as medians of
three repeats (stored results only; the runs are in BENCHMARKS, "the additive path's cost,
medians of three repeats").

    python benchmarks/issue12_s15_repeats.py   # -> results/issue12_s15_repeats.md

Repeat r (1, 2, 3) fitted every one of the 22 tables of the fourteenth session's rule again:
the 7 development tables side by side (``s15r{r}_dev_additive[_reference].json`` and their
CPU files) and the 15 unseen-set tables with ``default``, ``default-additive`` and CatBoost
on the same folds in one process per set (``s15r{r}_additive_unseen{1,2,3}.json``; the
models' order rotated from repeat to repeat). Per table this takes the median over the
repeats of each model's CPU seconds and fit wall, and checks that every repeat's fold AUCs
equal the fourteenth session's run 3 (the same model; a difference stops the script); then
it applies the fourteenth session's four criteria (``issue12_s14_additive.report``)
unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from issue12_s14_additive import RUNS, report, rows

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = (1, 2, 3)
for _r in REPEATS:
    RUNS[10 + _r] = (f"s15r{_r}_dev_additive", f"s15r{_r}_additive_unseen")


def median_rows() -> list[dict]:
    """Run 3's fold AUCs (checked equal in every repeat) with the repeats' median CPU and wall."""
    base = {row["table"]: row for row in rows(3)}
    repeats = [{row["table"]: row for row in rows(10 + r)} for r in REPEATS]
    out = []
    for table, row in base.items():
        runs = [repeat[table] for repeat in repeats]
        for run in runs:
            for key in ("reference", "additive", "catboost"):
                if key in row and not np.array_equal(run[key], row[key]):
                    raise SystemExit(f"{table}: {key} fold AUCs differ from run 3's: "
                                     f"{run[key]} vs {row[key]}")
        merged = dict(row)
        merged["cpu"] = tuple(np.median([run["cpu"] for run in runs], axis=0))
        if "wall" in row:
            merged["wall"] = tuple(np.median([run["wall"] for run in runs], axis=0))
            merged["walls"] = [run["wall"] for run in runs]
        out.append(merged)
    return out


def main() -> None:
    table_rows = median_rows()
    spread = ["| table | fit wall s per repeat: default / path / CatBoost |", "|---|---|"]
    for row in table_rows:
        if "walls" in row:
            spread.append(f"| {row['table']} | " + "; ".join(
                " / ".join(f"{s:.1f}" for s in wall) for wall in row["walls"]) + " |")
    text = (report(table_rows) + "\nEach repeat's walls (the table above shows their "
            "medians):\n\n" + "\n".join(spread) + "\n")
    (RESULTS / "issue12_s15_repeats.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
