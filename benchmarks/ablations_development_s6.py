"""Merge issue 12's sixth-session development ablations into one table (CPU seconds).

The runs were split over parallel processes (``ablations.py --panel development --only …
--out benchmarks/results/s6_dev_X.md``) on a shared, loaded machine, so wall-clock fit times
are meaningless and this table reports **CPU seconds** per variant (``time.process_time``
around transforms + fits + scoring, all threads of the process). Accuracy is unaffected by
load. CatBoost's AUCs on tables it was not re-run on this session come from
``ablations_development.json`` (same folds, same seed, 2026-12-01 00:20 UTC run).

    python benchmarks/ablations_development_s6.py  # writes ablations_development_s6.{json,md}
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from ablations_development import TABLE_NAMES, VARIANTS

RESULTS = Path(__file__).parent / "results"
SHORT = {"sample:credit": "credit", "sample:creditcard": "creditcard",
         "make_credit_frame(5000, seed=1)": "synthetic", "wooldridge/loanapp": "loanapp",
         "ISLR/Caravan": "Caravan", "ISLR/Default": "ISLR Default",
         "causaldata/social_insure": "social_insure"}


def merged(prefix: str = "s6_dev_") -> tuple[dict, dict]:
    aucs: dict[str, dict[str, list[float]]] = {}
    cpu: dict[str, dict[str, float]] = {}
    for path in sorted(RESULTS.glob(f"{prefix}*.json")):
        if path.stem.endswith("_cpu"):
            continue
        for variant, rows in json.loads(path.read_text()).items():
            aucs.setdefault(variant, {}).update(rows)
        cpu_path = path.with_name(path.stem + "_cpu.json")
        if cpu_path.exists():
            for variant, rows in json.loads(cpu_path.read_text()).items():
                cpu.setdefault(variant, {}).update(rows)
    earlier = json.loads((RESULTS / "ablations_development.json").read_text())["catboost"]
    for name, row in earlier.items():
        aucs.setdefault("catboost", {}).setdefault(name, row)
    return aucs, cpu


def render(aucs: dict, cpu: dict) -> str:
    base = aucs["default"]
    lines = ["| variant | " + " | ".join(SHORT[n] for n in TABLE_NAMES)
             + " | mean AUC | mean Δ | Δ>0 folds | CPU s (all tables) | × default |",
             "|---|" + "---|" * len(TABLE_NAMES) + "---|---|---|---|---|"]
    for variant in (v for v in VARIANTS if v in aucs):
        cells, means, deltas = [], [], []
        for name in TABLE_NAMES:
            row = aucs[variant].get(name)
            if row is None:
                cells.append("—")
                continue
            folds = np.array(row[:-1])
            means.append(folds.mean())
            text = f"{folds.mean():.4f} ± {folds.std(ddof=1):.4f}"
            if variant != "default":
                d = folds - np.array(base[name][:-1])
                deltas.extend(d)
                text += f" ({d.mean():+.4f})"
            seconds = cpu.get(variant, {}).get(name)
            if seconds is not None:
                text += f" · {seconds:.1f} s"
            cells.append(text)
        complete = len(means) == len(TABLE_NAMES)
        mean = f"{np.mean(means):.4f}" if complete else "(partial)"
        mean_delta = (f"{np.mean(deltas):+.4f} ± {np.std(deltas, ddof=1):.4f}"
                      if complete and deltas else "—")
        wins = f"{int(np.sum(np.array(deltas) > 0))}/{len(deltas)}" if deltas else "—"
        mine = cpu.get(variant, {})
        total = (sum(mine[n] for n in TABLE_NAMES)
                 if all(n in mine for n in TABLE_NAMES) else None)
        base_total = sum(cpu["default"][n] for n in TABLE_NAMES)
        total_text = f"{total:.0f}" if total is not None else "—"
        ratio = f"{total / base_total:.2f}" if total is not None else "—"
        lines.append(f"| {variant} | " + " | ".join(cells)
                     + f" | {mean} | {mean_delta} | {wins} | {total_text} | {ratio} |")
    return "\n".join(lines) + "\n"


def fold_aucs(result: dict, model: str) -> np.ndarray:
    return np.array([f["roc_auc"] for f in sorted(
        (f for f in result["folds"] if f["model"] == model), key=lambda f: f["fold"])])


def unseen_second_look() -> str:
    """`default` with patience 4 (unseen_issue12_s6.json) against the first run's models
    (unseen_issue12.json: same tables, same folds, same seed), table by table."""
    new_path = RESULTS / "unseen_issue12_s6.json"
    if not new_path.exists():
        return ""
    first = {r["name"]: r for r in json.loads(
        (RESULTS / "unseen_issue12.json").read_text())["results"]}
    lines = ["| table | default, patience 6 (first run) | default, patience 4 (this run) | "
             "Δ (paired) | CatBoost | patience 4 − CatBoost | within 1 CatBoost std or "
             "ahead | logreg − patience 4 |", "|---|---|---|---|---|---|---|---|"]
    means: dict[str, list[float]] = {"old": [], "new": [], "catboost": [], "logreg": []}
    for result in json.loads(new_path.read_text())["results"]:
        old = first[result["name"]]
        new_folds, old_folds = fold_aucs(result, "default"), fold_aucs(old, "default")
        catboost, logreg = fold_aucs(old, "catboost"), fold_aucs(old, "logreg")
        gap = new_folds.mean() - catboost.mean()
        within = "ahead" if gap > 0 else ("yes" if -gap <= catboost.std(ddof=1) else "**no**")
        lines.append(
            f"| {result['name']} | {old_folds.mean():.4f} ± {old_folds.std(ddof=1):.4f} | "
            f"{new_folds.mean():.4f} ± {new_folds.std(ddof=1):.4f} | "
            f"{(new_folds - old_folds).mean():+.4f} | {catboost.mean():.4f} ± "
            f"{catboost.std(ddof=1):.4f} | {gap:+.4f} | {within} | "
            f"{(logreg - new_folds).mean():+.4f} ± {(logreg - new_folds).std(ddof=1):.4f} |")
        for key, folds in (("old", old_folds), ("new", new_folds), ("catboost", catboost),
                           ("logreg", logreg)):
            means[key].append(folds.mean())
    lines.append(f"| mean | {np.mean(means['old']):.4f} | {np.mean(means['new']):.4f} | | "
                 f"{np.mean(means['catboost']):.4f} | "
                 f"{np.mean(means['new']) - np.mean(means['catboost']):+.4f} | | |")
    return "\n".join(lines) + "\n"


def main() -> None:
    second = unseen_second_look()
    if second:
        (RESULTS / "unseen_issue12_s6_vs_first.md").write_text(second)
        print(second)
    aucs, cpu = merged()
    (RESULTS / "ablations_development_s6.json").write_text(
        json.dumps({"roc_auc_folds_then_wall_s": aucs, "cpu_s": cpu}, indent=1) + "\n")
    table = render(aucs, cpu)
    (RESULTS / "ablations_development_s6.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
