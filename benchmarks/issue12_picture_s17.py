"""Issue 12 in one picture with today's default: `default` against CatBoost on the 22 real
tables, accuracy and fit time, as the seventeenth session left it (`bagging="auto"` budgeted
on the lower of CatBoost's two projections; a one-epoch warm-up, narrow tables keeping 5%).

    python benchmarks/issue12_picture_s17.py   # -> docs/images/vs-catboost-22-tables-s17.png

Stored results only (nothing is fitted): each table's fold AUCs and CatBoost's on the same
folds, and the fit wall ratio as the median of three quiet same-run ratios: the warm-up's
three repeats (``issue12_s17_warmup.warmup``), the narrow tables' rows from the capped
reference (``issue12_s17_cap.capped`` over the sixteenth session's repeats), as
``issue12_s17_warmup.narrow_kept`` composes them (confirmation runs reproduced both). A
square marks a table where the default trains a bag on some fold. Panels as
``issue12_picture_s15.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from issue12_picture_s15 import draw
from issue12_s16_projection import candidate, reference
from issue12_s17_cap import capped
from issue12_s17_warmup import narrow_kept, warmup
from tables import UNSEEN_TABLE_4, UNSEEN_TABLES, UNSEEN_TABLES_2, UNSEEN_TABLES_3

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "images" / "vs-catboost-22-tables-s17.png"
SYNTHETIC = "make_credit_frame(5000, seed=1)"
SETS = {"unseen set 1": UNSEEN_TABLES, "unseen set 2": UNSEEN_TABLES_2,
        "unseen set 3": UNSEEN_TABLES_3, "never seen (MEPS)": UNSEEN_TABLE_4}


def table_rows() -> list[dict]:
    where = {t.name: label for label, tables in SETS.items() for t in tables}
    rows = []
    for table, row in narrow_kept(capped(reference(), candidate()), warmup()).items():
        if table == SYNTHETIC:
            continue
        rows.append({"table": table, "set": where.get(table, "development"),
                     "path": row["auc"], "catboost": row["catboost"],
                     "fit_ratio": float(np.median(row["ratios"])),
                     "cpu": float(np.median(row["cpu"])),  # CPU s, median of the repeats
                     "bag": max(row["members"]) > 1})
    return rows


def main() -> None:
    numbers = draw(table_rows(), OUT)
    (HERE / "results" / "issue12_picture_s17.json").write_text(
        json.dumps(numbers, indent=1) + "\n")
    print(f"wrote {OUT}: ahead {numbers['ahead']}, within {numbers['within']}, behind "
          f"{numbers['behind']}, faster {numbers['faster']}, level {numbers['level']} of "
          f"{len(numbers['tables'])}; mean {numbers['mean']}")


if __name__ == "__main__":
    main()
