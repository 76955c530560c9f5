"""Issue 12, ninth session: `bagging="auto"` as the default, on the 11 real tables.

    python benchmarks/issue12_s9_summary.py  # writes results/issue12_s9_summary.md

Reads only stored results (same stratified folds, seed 0, everywhere):

* unseen set, the new default: ``unseen_issue12_s9.json`` (``unseen_tables.py --models
  default``, this session's one run); the previous one-network default: ``unseen_issue12_s6.json``
  (patience 4) and, for credit_cards, ``unseen_issue12_s7_credit_cards.json`` (k=2 on narrow
  tables); CatBoost and logistic regression: ``unseen_issue12.json`` (the first run);
* development panel (the 6 real tables), the new default: ``s7_dev_auto.json`` (seventh
  session), ISLR Default from ``s9_dev_islr_default.json`` (re-run: the k=2 narrow-table rule
  came after the seventh session's run); the one-network default, CatBoost and logistic
  regression: ``ablations_development_s7.json`` (ISLR Default's one network from the s9 file).

"Within" means the default's mean is at most one CatBoost fold std below CatBoost's mean;
logistic regression "beats" the default when the default's mean is more than one logistic
regression fold std below its mean (the issue's rule, as the sixth session read it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
AUTO = "bagging auto (library: bagging='auto')"
DEVELOPMENT = ["sample:credit", "sample:creditcard", "wooldridge/loanapp", "ISLR/Caravan",
               "ISLR/Default", "causaldata/social_insure"]


def _read(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def _benchmark_folds(result: dict, model: str) -> np.ndarray:
    rows = sorted((f for f in result["folds"] if f["model"] == model), key=lambda f: f["fold"])
    return np.array([f["roc_auc"] for f in rows])


def _by_name(name: str) -> dict[str, dict]:
    return {r["name"]: r for r in _read(name)["results"]}


def collect() -> list[dict]:
    """One row per table: fold AUCs of the new default, the one-network default, CatBoost
    and logistic regression, with the new default's CPU seconds and members where known."""
    rows = []
    first, new = _by_name("unseen_issue12.json"), _by_name("unseen_issue12_s9.json")
    before = _by_name("unseen_issue12_s6.json") | _by_name(
        "unseen_issue12_s7_credit_cards.json")
    for name, result in new.items():
        folds = len(_benchmark_folds(result, "default"))
        rows.append({"table": name, "set": "unseen", "auto": _benchmark_folds(result, "default"),
                     "one": _benchmark_folds(before[name], "default"),
                     "catboost": _benchmark_folds(first[name], "catboost"),
                     "logreg": _benchmark_folds(first[name], "logreg"),
                     "cpu": result.get("cpu_seconds"),
                     # the benchmark's warm-up fit comes first; then one fit per fold
                     "members": result.get("findeep_members", [])[-folds:]})
    s7 = _read("ablations_development_s7.json")["roc_auc_folds_then_wall_s"]
    auto, auto_cpu = _read("s7_dev_auto.json")[AUTO], _read("s7_dev_auto_cpu.json")[AUTO]
    members = _read("s7_dev_auto_members.json")
    islr = _read("s9_dev_islr_default.json")
    islr_cpu = _read("s9_dev_islr_default_cpu.json")
    for name in DEVELOPMENT:
        rerun = name == "ISLR/Default"
        rows.append({
            "table": name, "set": "development",
            "auto": np.array((islr[AUTO] if rerun else auto)[name][:-1]),
            "one": np.array((islr["default"] if rerun else s7["default"])[name][:-1]),
            "catboost": np.array(s7["catboost"][name][:-1]),
            "logreg": np.array(s7["logreg"][name][:-1]),
            "cpu": (islr_cpu[AUTO] if rerun else auto_cpu)[name],
            "members": _islr_members() if rerun else members[name]})
    return rows


def _islr_members() -> list[int]:
    """Members per fold of the ISLR Default re-run (written from its log, ``bagged members:``)."""
    path = RESULTS / "s9_dev_islr_default_members.json"
    return json.loads(path.read_text()) if path.exists() else []


def _verdict(mean: float, other: np.ndarray) -> str:
    if mean > other.mean():
        return "ahead"
    return "within" if mean >= other.mean() - other.std(ddof=1) else "**behind**"


def render(rows: list[dict]) -> str:
    lines = ["| table | set | default, bagging auto | members per fold | CPU s (auto, all "
             "folds) | one network (before) | auto − one (paired) | CatBoost | auto − CatBoost"
             " (paired) | vs CatBoost | logreg | logreg − auto (paired) | logreg beats it by "
             "> 1 std |", "|---" * 13 + "|"]
    for r in rows:
        auto, one, cat, lr = r["auto"], r["one"], r["catboost"], r["logreg"]
        beats = "**yes**" if auto.mean() < lr.mean() - lr.std(ddof=1) else "no"
        cpu = f"{r['cpu']:.1f}" if r["cpu"] is not None else "—"
        lines.append(
            f"| {r['table']} | {r['set']} | {auto.mean():.4f} ± {auto.std(ddof=1):.4f} | "
            f"{','.join(map(str, r['members'])) or '—'} | {cpu} | {one.mean():.4f} | "
            f"{(auto - one).mean():+.4f} ± {(auto - one).std(ddof=1):.4f} | "
            f"{cat.mean():.4f} ± {cat.std(ddof=1):.4f} | "
            f"{(auto - cat).mean():+.4f} ± {(auto - cat).std(ddof=1):.4f} | "
            f"{_verdict(auto.mean(), cat)} | {lr.mean():.4f} ± {lr.std(ddof=1):.4f} | "
            f"{(lr - auto).mean():+.4f} ± {(lr - auto).std(ddof=1):.4f} | {beats} |")
    text = "\n".join(lines) + "\n\n"
    for label, chosen in (("the 11 tables", rows),
                          ("the 5 unseen tables", [r for r in rows if r["set"] == "unseen"]),
                          ("the 6 development tables",
                           [r for r in rows if r["set"] == "development"])):
        means = {k: np.mean([r[k].mean() for r in chosen])
                 for k in ("auto", "one", "catboost", "logreg")}
        verdicts = [_verdict(r["auto"].mean(), r["catboost"]) for r in chosen]
        deltas = np.concatenate([r["auto"] - r["one"] for r in chosen])
        text += (f"Mean ROC-AUC over {label}: default (bagging auto) {means['auto']:.4f}, "
                 f"one network {means['one']:.4f}, CatBoost {means['catboost']:.4f}, logreg "
                 f"{means['logreg']:.4f}; vs CatBoost: ahead on "
                 f"{verdicts.count('ahead')}, within one std on {verdicts.count('within')}, "
                 f"behind beyond one std on {verdicts.count('**behind**')}; auto − one network "
                 f"over {len(deltas)} folds {deltas.mean():+.4f} ± {deltas.std(ddof=1):.4f} "
                 f"({int((deltas > 0).sum())} up).\n\n")
    return text


def main() -> None:
    text = render(collect())
    (RESULTS / "issue12_s9_summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
