"""Issue 12, twelfth session: the third unseen set, and every real table under both budgets.

    python benchmarks/issue12_s12_summary.py  # writes results/issue12_s12_summary.md

Reads only stored results (stratified folds, seed 0, every model on the same folds):

* the third unseen set: ``unseen3_issue12_s12.json`` (``unseen_tables.py --set third``, its
  one run): default, CatBoost, LightGBM, logistic regression and seed-mlp;
* `default` with the twelfth session's `bagging="auto"` budget on the other real tables:
  the 6 development tables from the adoption run (``s12_budget_candidates.json``, share 0.9),
  the first and second unseen sets from their re-runs (``unseen_s12_first.json``,
  ``unseen2_s12.json``: ``--models default,catboost``);
* the baselines of those tables as stored (the ninth session's development and first-set
  rows, the second set's one run): the same folds, so the same AUCs.

The rows before this session (the tenth session's 16-table count) are printed beside it.
The budget tried this session was reverted (it overspent CatBoost's fit time out of sample),
so the last counts are the library's: the 16 stored rows and the third set's `default` re-run
with the restored rule (``unseen3_s12_restored.json``, its second look; baselines as stored).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from issue12_s9_summary import collect as ninth_session_rows
from issue12_s10_summary import _folds, count, render_second_set, second_set_rows

RESULTS = Path(__file__).resolve().parent / "results"
ADOPTED = "bagging auto, 2 cores, twelfth-session costs, share 0.9"


def _read(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def _rerun_folds(name: str) -> dict[str, np.ndarray]:
    """`default`'s fold AUCs per table in a re-run of an unseen set."""
    return {r["name"]: _folds(r, "default") for r in _read(name)["results"]}


def with_new_budget(ninth: list[dict], second: list[dict]) -> list[dict]:
    """The 16 tables of the tenth session's count, `default` replaced by this session's."""
    development = _read("s12_budget_candidates.json")[ADOPTED]
    bags = _read("s12_budget_candidates_bags.json")[ADOPTED]
    first = _rerun_folds("unseen_s12_first.json")
    second_new = _rerun_folds("unseen2_s12.json")
    rows = []
    for row in ninth + second:
        table = row["table"]
        if row["set"] == "development":
            new = {"auto": np.array(development[table][:-1]),
                   "members": [bag["members"] for bag in bags[table]]}
        else:
            new = {"auto": (first if row["set"] == "unseen" else second_new)[table]}
        rows.append({**row, **new, "before": row["auto"]})
    return rows


def render_changes(rows: list[dict], before: str = "default before",
                   now: str = "default now") -> str:
    """Per table, `default`'s fold AUCs under two rules (``before`` → ``now``), paired."""
    lines = [f"| table | set | {before} | {now} | now − before (paired) | CatBoost "
             "| vs CatBoost now |", "|---" * 7 + "|"]
    for r in rows:
        now, before, cat = r["auto"], r["before"], r["catboost"]
        verdict = ("ahead" if now.mean() > cat.mean() else "within"
                   if now.mean() >= cat.mean() - cat.std(ddof=1) else "**behind**")
        lines.append(f"| {r['table']} | {r['set']} | {before.mean():.4f} | {now.mean():.4f} | "
                     f"{(now - before).mean():+.4f} ± {(now - before).std(ddof=1):.4f} | "
                     f"{cat.mean():.4f} ± {cat.std(ddof=1):.4f} | {verdict} |")
    return "\n".join(lines) + "\n"


def restored_third_set(third: list[dict]) -> list[dict]:
    """The third set with `default` as the restored rule trains it (its re-run)."""
    rerun = {r["name"]: r for r in _read("unseen3_s12_restored.json")["results"]}
    rows = []
    for row in third:
        result = rerun[row["table"]]
        rows.append({**row, "auto": _folds(result, "default"), "before": row["auto"],
                     "members": _members(result)})
    return rows


def _members(result: dict) -> list[int]:
    """Members per fold of `default` in a ``--models default,catboost`` run (its warm-up
    first)."""
    return result.get("findeep_members", [])[1:]


def main() -> None:
    third = second_set_rows(RESULTS / "unseen3_issue12_s12.json")
    for row in third:
        row["set"] = "unseen (third)"
    restored = restored_third_set(third)
    ninth = ninth_session_rows()
    second = second_set_rows(RESULTS / "unseen2_issue12_s10.json")
    now = with_new_budget(ninth, second)
    text = "\n".join([
        render_second_set(third),
        count("the third unseen set", third),
        count("the tenth session's 16 real tables as counted then", ninth + second),
        render_changes(now),
        count("the same 16 tables, `default` with this session's budget", now),
        count("the first unseen set, this session's budget", [r for r in now
                                                             if r["set"] == "unseen"]),
        count("the second unseen set, this session's budget",
              [r for r in now if r["set"] == "unseen (second)"]),
        count("all 21 real tables (the 16 with this session's budget and the third set)",
              now + third),
        count("the 15 unseen tables (three sets; the first two re-run)",
              [r for r in now if r["set"] != "development"] + third),
        "With the restored rule (the library's): the third set's `default` re-run "
        "(`unseen3_s12_restored.json`; tried budget → restored rule, paired)\n",
        render_changes(restored, before="tried budget", now="restored rule"),
        count("the third unseen set, restored rule", restored),
        count("all 21 real tables, restored rule (the 16 as stored, the third set re-run)",
              ninth + second + restored),
        count("the 15 unseen tables, restored rule",
              [r for r in ninth + second if r["set"] != "development"] + restored),
    ])
    (RESULTS / "issue12_s12_summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
