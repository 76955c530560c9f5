"""Issue 12 in one picture, restated on this session's machine (an Intel Xeon; earlier
pictures are of AMD EPYC runs): `default` with the twenty-third session's one-network recipe
against CatBoost on the 22 real tables, accuracy and fit time.

    python benchmarks/issue12_picture_s23.py   # -> docs/images/vs-catboost-22-tables-s23.png

Stored results only (nothing is fitted): the three quiet runs on all 23 tables of
``issue12_s23_runs.sh`` and ``issue12_s23_repeats.sh`` (results/s23_all_*): each table's fold
AUCs and CatBoost's on the same folds (the fits are deterministic: every run scores alike),
the fit wall ratio as the median of the three same-run ratios. A square marks a table where
the default trains a bag on some fold. Panels as ``issue12_picture_s15.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from issue12_picture_s15 import draw
from issue12_s23_summary import RESULTS, all_run, fold_values
from tables import UNSEEN_TABLE_4, UNSEEN_TABLES, UNSEEN_TABLES_2, UNSEEN_TABLES_3

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "images" / "vs-catboost-22-tables-s23.png"
SYNTHETIC = "make_credit_frame(5000, seed=1)"
SETS = {"unseen set 1": UNSEEN_TABLES, "unseen set 2": UNSEEN_TABLES_2,
        "unseen set 3": UNSEEN_TABLES_3, "never seen (MEPS)": UNSEEN_TABLE_4}
DEFAULT = "library default (bagging auto + additive path)"


def _fold_aucs() -> dict[str, dict]:
    """table -> default's and CatBoost's fold AUCs and whether some fold trained a bag."""
    out = {}
    for name in ("first", "second", "third", "fourth"):
        for result in json.loads((RESULTS / f"s23_all_{name}.json").read_text())["results"]:
            out[result["name"]] = {
                "path": np.array(fold_values(result, "default", "roc_auc")),
                "catboost": np.array(fold_values(result, "catboost", "roc_auc")),
                "bag": max(result["findeep_members"]) > 1}
    dev = json.loads((RESULTS / "s23_all_dev.json").read_text())
    bags = json.loads((RESULTS / "s23_all_dev_bags.json").read_text())[DEFAULT]
    for table, cells in dev[DEFAULT].items():
        out[table] = {"path": np.array(cells[:-1]),
                      "catboost": np.array(dev["catboost"][table][:-1]),
                      "bag": max(fold["members"] for fold in bags[table]) > 1}
    return out


def table_rows() -> list[dict]:
    where = {t.name: label for label, tables in SETS.items() for t in tables}
    runs = [all_run(suffix) for suffix in ("", "_r2", "_r3")]
    rows = []
    for table, row in _fold_aucs().items():
        if table == SYNTHETIC:
            continue
        rows.append({"table": table, "set": where.get(table, "development"), **row,
                     "fit_ratio": float(np.median([run[table][3] for run in runs]))})
    return rows


def main() -> None:
    numbers = draw(table_rows(), OUT)
    (RESULTS / "issue12_picture_s23.json").write_text(json.dumps(numbers, indent=1) + "\n")
    print(f"wrote {OUT}: ahead {numbers['ahead']}, within {numbers['within']}, behind "
          f"{numbers['behind']}, faster {numbers['faster']}, level {numbers['level']} of "
          f"{len(numbers['tables'])}; mean {numbers['mean']}")


if __name__ == "__main__":
    main()
