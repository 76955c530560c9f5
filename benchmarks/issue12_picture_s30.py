"""Issue 12 in one picture, today's default (the additive path's second form, thirtieth
session) against CatBoost on the 22 real tables, under BENCHMARKS.md's own noise rule (a
difference counts beyond one paired std of the fold differences), with the fit time.

    python benchmarks/issue12_picture_s30.py   # -> docs/images/vs-catboost-22-tables-s30.png

Stored results only (nothing is fitted): the candidate's three runs on all 23 tables
(results/s30_cand*, ``issue12_s30_runs.sh``, plain and ``--repeats``) give each table's
fold AUCs (first run) and the median of its three same-run wall ratios; the reference run
(the first form, the default before) gives the hollow markers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from issue12_picture_s15 import draw
from issue12_s30_summary import RESULTS, run_rows
from tables import UNSEEN_TABLE_4, UNSEEN_TABLES, UNSEEN_TABLES_2, UNSEEN_TABLES_3

OUT = Path(__file__).resolve().parent.parent / "docs" / "images" / "vs-catboost-22-tables-s30.png"
SETS = {"unseen set 1": UNSEEN_TABLES, "unseen set 2": UNSEEN_TABLES_2,
        "unseen set 3": UNSEEN_TABLES_3, "never seen (MEPS)": UNSEEN_TABLE_4}


def catboost_folds() -> dict[str, np.ndarray]:
    """CatBoost's fold AUCs per table in the candidate's first run."""
    out = {}
    for name in ("first", "second", "third", "fourth"):
        for result in json.loads((RESULTS / f"s30_cand_{name}.json").read_text())["results"]:
            folds = sorted(result["folds"], key=lambda f: f["fold"])
            out[result["name"]] = np.array([f["roc_auc"] for f in folds
                                            if f["model"] == "catboost"])
    dev = json.loads((RESULTS / "s30_cand_dev.json").read_text())
    out |= {table: np.array(cells[:-1]) for table, cells in dev["catboost"].items()}
    return out


def table_rows() -> list[dict]:
    where = {t.name: label for label, tables in SETS.items() for t in tables}
    runs = [run_rows(who) for who in ("cand", "cand_r2", "cand_r3")]
    reference, catboost = run_rows("ref"), catboost_folds()
    return [{"table": table, "set": where.get(table, "development"), "path": row["auc"],
             "plain": reference[table]["auc"], "catboost": catboost[table],
             "fit_ratio": float(np.median([r[table]["wall"] / r[table]["catboost_wall"]
                                           for r in runs]))}
            for table, row in runs[0].items() if not table.startswith("make_credit_frame")]


def main() -> None:
    numbers = draw(table_rows(), OUT, rule="paired",
                   plain_label="the first form of the additive path (the default before)")
    (RESULTS / "issue12_picture_s30.json").write_text(json.dumps(numbers, indent=1) + "\n")
    accuracy = numbers["accuracy"]
    print(f"wrote {OUT}: ahead {accuracy['ahead']}, level {accuracy['level']}, behind "
          f"{accuracy['behind']}; fit faster {numbers['faster']}, level {numbers['level']} of "
          f"{len(numbers['tables'])}; mean {numbers['mean']}")


if __name__ == "__main__":
    main()
