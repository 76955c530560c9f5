"""Issue 12, tenth session: the second unseen set, and every real table together.

    python benchmarks/issue12_s10_summary.py  # writes results/issue12_s10_summary.md

Reads only stored results (stratified folds, seed 0, every model on the same folds):

* the second unseen set: ``unseen2_issue12_s10.json`` (``unseen_tables.py --set second``,
  its one run): default, CatBoost, LightGBM, logistic regression and seed-mlp;
* the 11 real tables of the ninth session (5 of the first unseen set, 6 development), as
  ``issue12_s9_summary.collect()`` reads them: default with ``bagging="auto"`` as of the ninth
  session, CatBoost and logistic regression.

"Within" means default's mean is at most one CatBoost fold std below CatBoost's mean;
logistic regression "beats" default when default's mean is more than one logistic
regression fold std below it (the rules of the ninth session's summary).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from issue12_s9_summary import _verdict
from issue12_s9_summary import collect as ninth_session_rows

RESULTS = Path(__file__).resolve().parent / "results"
BASELINES = ("catboost", "lightgbm", "logreg", "seed-mlp")
NOT_FIT_TABULAR = ("logreg", "lightgbm", "xgboost", "catboost", "realmlp", "tabm")


def _folds(result: dict, model: str) -> np.ndarray:
    rows = sorted((f for f in result["folds"] if f["model"] == model), key=lambda f: f["fold"])
    return np.array([f["roc_auc"] for f in rows])


def second_set_rows(path: Path) -> list[dict]:
    """One row per table of the second unseen set: fold AUCs per model, members per fold,
    CPU seconds (whole table, and per model where recorded) and fit wall seconds."""
    rows = []
    for result in json.loads(path.read_text())["results"]:
        folds = len(_folds(result, "default"))
        cpu = {m: sum(s) for m, s in result.get("model_cpu_seconds", {}).items()}
        rows.append({
            "table": result["name"], "set": "unseen (second)",
            "auto": _folds(result, "default"),
            **{m: _folds(result, m) for m in BASELINES if m in result["summary"]},
            "members": _default_members(result, folds),
            "cpu": result.get("cpu_seconds"), "model_cpu": cpu,
            "fit_wall": {m: s["fit_seconds_total"] for m, s in result["summary"].items()}})
    return rows


def _default_members(result: dict, folds: int) -> list[int]:
    """Members `default` trained per fold. ``findeep_members`` lists every fit that went
    through ``fit_tabular`` (default and seed-mlp): one warm-up per such model, then each
    fold's fits in the benchmark's model order."""
    members = result.get("findeep_members", [])
    networks = [m for m in result["models"] if m not in NOT_FIT_TABULAR]
    if not members or len(members) != len(networks) * (folds + 1):
        return []
    step = len(networks)
    return members[step + networks.index("default")::step]


def _ratio(numerator: float | None, denominator: float | None) -> str:
    return f"{numerator / denominator:.2f}" if numerator and denominator else "—"


def render_second_set(rows: list[dict]) -> str:
    lines = ["| table | default | members per fold | CatBoost | default − CatBoost (paired) | "
             "vs CatBoost | LightGBM | seed-mlp | logreg | logreg − default (paired) | "
             "logreg beats it by > 1 std | fit wall s default / CatBoost | CPU s default / "
             "CatBoost (fit + scoring) | CPU s, whole table |", "|---" * 14 + "|"]
    for r in rows:
        auto, cat, lr = r["auto"], r["catboost"], r["logreg"]
        beats = "**yes**" if auto.mean() < lr.mean() - lr.std(ddof=1) else "no"
        wall, cpu = r["fit_wall"], r["model_cpu"]
        lines.append(
            f"| {r['table']} | {auto.mean():.4f} ± {auto.std(ddof=1):.4f} | "
            f"{','.join(map(str, r['members'])) or '—'} | "
            f"{cat.mean():.4f} ± {cat.std(ddof=1):.4f} | "
            f"{(auto - cat).mean():+.4f} ± {(auto - cat).std(ddof=1):.4f} | "
            f"{_verdict(auto.mean(), cat)} | {r['lightgbm'].mean():.4f} | "
            f"{r['seed-mlp'].mean():.4f} | {lr.mean():.4f} ± {lr.std(ddof=1):.4f} | "
            f"{(lr - auto).mean():+.4f} ± {(lr - auto).std(ddof=1):.4f} | {beats} | "
            f"{wall['default']:.1f} / {wall['catboost']:.1f} = "
            f"{_ratio(wall['default'], wall['catboost'])} | "
            f"{cpu.get('default', 0):.1f} / {cpu.get('catboost', 0):.1f} = "
            f"{_ratio(cpu.get('default'), cpu.get('catboost'))} | "
            f"{r['cpu']:.0f} |")
    return "\n".join(lines) + "\n"


def count(label: str, rows: list[dict]) -> str:
    """Means over the tables and the issue's counts against CatBoost and logistic regression."""
    means = {k: np.mean([r[k].mean() for r in rows]) for k in ("auto", "catboost", "logreg")}
    verdicts = [_verdict(r["auto"].mean(), r["catboost"]) for r in rows]
    beaten = sum(r["auto"].mean() < r["logreg"].mean() - r["logreg"].std(ddof=1) for r in rows)
    ahead = verdicts.count("ahead")
    return (f"Over {label} ({len(rows)}): mean ROC-AUC default {means['auto']:.4f}, CatBoost "
            f"{means['catboost']:.4f} (default − CatBoost {means['auto'] - means['catboost']:+.4f}"
            f"), logreg {means['logreg']:.4f}; vs CatBoost: ahead on {ahead}, within one std on "
            f"{verdicts.count('within')}, behind beyond one std on "
            f"{verdicts.count('**behind**')}; ahead on at least three quarters: "
            f"{'yes' if ahead >= 0.75 * len(rows) else 'no'} ({ahead}/{len(rows)}); logistic "
            f"regression ahead by more than one std on {beaten}.\n")


AUTO = "bagging auto (library: bagging='auto')"


def with_adopted_budget(rows: list[dict]) -> list[dict]:
    """The development rows as the adopted budget (re-fitted cost models) trains them: the
    tables ``s10_library_check`` re-ran (where the rule can bag) get its fold AUCs and members;
    the others train one member under both rules, so their stored rows stand."""
    check = json.loads((RESULTS / "s10_library_check.json").read_text())[AUTO]
    bags = json.loads((RESULTS / "s10_library_check_bags.json").read_text())[AUTO]
    adopted = []
    for row in rows:
        if row["set"] == "development" and row["table"] in check:
            row = {**row, "auto": np.array(check[row["table"]][:-1]),
                   "members": [bag["members"] for bag in bags[row["table"]]]}
        adopted.append(row)
    return adopted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--second", default=str(RESULTS / "unseen2_issue12_s10.json"))
    args = parser.parse_args()
    second = second_set_rows(Path(args.second))
    ninth = ninth_session_rows()
    text = (render_second_set(second) + "\n" + count("the second unseen set", second) + "\n"
            + count("the first unseen set (ninth session's run)",
                    [r for r in ninth if r["set"] == "unseen"]) + "\n"
            + count("the development panel's real tables (ninth session)",
                    [r for r in ninth if r["set"] == "development"]) + "\n"
            + count("all real tables: the ninth session's 11 and the second unseen set",
                    ninth + second) + "\n"
            + count("all real tables, development rows with the adopted budget (tenth "
                    "session; the first unseen set as run in the ninth)",
                    with_adopted_budget(ninth) + second))
    (RESULTS / "issue12_s10_summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
