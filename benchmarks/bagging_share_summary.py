"""Issue 12, tenth session: `bagging="auto"`'s budget re-fitted on the development panel.

    python benchmarks/bagging_share_summary.py  # writes results/s10_budget_share_summary.md

Reads only stored results; runs no model. The candidates (declared in BENCHMARKS.md, "Issue
12, tenth session", before their results were seen) are budget shares under three sets of
cost models. A fold's bag is fixed by its member count (same folds, seeds and epochs: a bag of
m members is the first m members of a bigger one), so each candidate's members per fold are
replayed from the share-0.8 run's first-member epochs (``bagging_budget.replay_members``) and
its AUC on a fold is read from a run that trained that many members there
(``ablations.py --panel development --only "bagging auto, budget share S;..." --out
results/s10_budget_share.md``).

The projected quiet ratio (bag wall / CatBoost wall) of a candidate on a table is the share-0.8
bag's highest quiet ratio on record × (fixed + its members' seconds) / (fixed + share 0.8's
members' seconds), seconds read per fold from the share-0.8 run (one torch thread; ``fixed``
is the fit's seconds outside the members: preprocessing, out-of-fold scoring). The network's
CPU under this machine's load (2.7x its quiet wall at load 6) is shown, not used.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from ablations_development import SEVENTH_SESSION_COSTS, TENTH_SESSION_CATBOOST_SECONDS
from bagging_budget import fold_shapes, replay_members

from findeep.train import bagging

RESULTS = Path(__file__).resolve().parent / "results"
RUN = "s10_budget_share"
BASE = "bagging auto, budget share 0.8"
SHARE_RUNS = [BASE, "bagging auto, budget share 0.7 (probe)", "bagging auto, budget share 0.6",
              "bagging auto, budget share 0.5", "bagging auto, re-fitted cost models, share 0.9"]
SEVENTH = (SEVENTH_SESSION_COSTS["catboost_seconds"], SEVENTH_SESSION_COSTS["network_cost"])
REFIT = (TENTH_SESSION_CATBOOST_SECONDS, bagging.NETWORK_CPU_PER_ROW_EPOCH)  # tenth session's
FAMILIES = {  # name: (CatBoost model, network model, shares), in the declared preference order
    "both cost models re-fitted to quiet walls": (*REFIT, [1.0, 0.9, 0.8, 0.7]),
    "CatBoost's model re-fitted, network's unchanged": (REFIT[0], SEVENTH[1], [0.9, 0.8]),
    "share only (seventh session's cost models)": (*SEVENTH, [0.8, 0.7, 0.6, 0.5]),
}
# share 0.8's bag wall / CatBoost's in the same quiet run, the highest on record per table
QUIET_RATIO_FILES = [("quiet_i12_s7_dev.json", "bagging auto (library: bagging='auto')"),
                     ("quiet_i12_s9_dev.json", "bagging auto (library: bagging='auto')"),
                     ("s9_budget_share_probe.json", "bagging auto (library: bagging='auto')")]
MARGIN = 0.90


def _read(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def quiet_ratios() -> dict[str, float]:
    ratios: dict[str, float] = {}
    for name, variant in QUIET_RATIO_FILES:
        result = _read(name)
        for table, row in result.get(variant, {}).items():
            ratio = row[-1] / result["catboost"][table][-1]
            ratios[table] = max(ratios.get(table, 0.0), ratio)
    return ratios


def fold_aucs(aucs: dict, bags: dict) -> dict[tuple[str, int, int], float]:
    """AUC by (table, fold, members), from every run; a clash would break the prefix claim."""
    found: dict[tuple[str, int, int], float] = {}
    for variant in SHARE_RUNS:
        for table, folds in bags.get(variant, {}).items():
            for i, fold in enumerate(folds):
                key = (table, i, fold["members"])
                auc = aucs[variant][table][i]
                if key in found and abs(found[key] - auc) > 1e-9:
                    raise SystemExit(f"{key}: {found[key]} vs {auc}: same members, other AUC")
                found[key] = auc
    return found


def main() -> None:
    aucs, cpu, bags = _read(f"{RUN}.json"), _read(f"{RUN}_cpu.json"), _read(f"{RUN}_bags.json")
    shapes, ratios, found = fold_shapes(), quiet_ratios(), fold_aucs(aucs, bags)
    names = list(bags[BASE])
    base = {t: np.array(aucs[BASE][t][:3]) for t in names}
    lines = ["## Issue 12, tenth session: bagging auto's budget on the development panel", "",
             "Per cell: mean AUC · members per fold · projected quiet ratio (bag wall / "
             "CatBoost's). Candidates and rule: BENCHMARKS.md, \"Issue 12, tenth session\".", "",
             "| cost models | share | " + " | ".join(names)
             + " | mean AUC | Δ vs share 0.8 (21 folds) | max ratio where it bags | passes |",
             "|---|---|" + "---|" * len(names) + "---|---|---|---|"]
    adopted = None
    for family, (catboost, network, shares) in FAMILIES.items():
        for share in shares:
            cells, deltas, means, worst, ok = [], [], [], 0.0, True
            for table in names:
                members, fold_auc, kept, full = [], [], 0.0, 0.0
                # member seconds from the run that trained the most members on this table
                source = max((v for v in SHARE_RUNS if table in bags.get(v, {})),
                             key=lambda v: sum(f["members"] for f in bags[v][table]))
                fixed = aucs[source][table][-1] - sum(
                    m["seconds"] for f in bags[source][table] for m in f["member_fits"])
                for i, (fold, shape) in enumerate(zip(bags[BASE][table], shapes[table],
                                                      strict=True)):
                    epochs = fold["member_fits"][0]["epochs_run"]
                    m = replay_members(epochs, shape, fold["d_in"], share=share,
                                       catboost=catboost, network=network)
                    members.append(m)
                    fold_auc.append(found.get((table, i, m), math.nan))
                    seconds = [x["seconds"] for x in bags[source][table][i]["member_fits"]]
                    kept += sum(seconds[:m]) if m <= len(seconds) else math.inf
                    full += sum(seconds[:fold["members"]])
                ratio = ratios.get(table, math.nan) * (fixed + kept) / (fixed + full)
                if max(members) > 1:
                    worst = max(worst, ratio)
                folds = np.array(fold_auc)
                delta = folds - base[table]
                deltas += list(delta)
                means.append(folds.mean())
                if delta.mean() < -base[table].std():
                    ok = False
                cells.append(f"{folds.mean():.4f} · {','.join(map(str, members))} · "
                             + (f"{ratio:.2f}x" if math.isfinite(ratio) else
                                "more members than share 0.8's run" if ratio == math.inf
                                else "no quiet record"))
            d = np.array(deltas)
            standard_error = d.std() / math.sqrt(len(d)) if np.isfinite(d).all() else math.nan
            passes = bool(ok and d.mean() >= -standard_error and worst <= MARGIN)
            if passes and adopted is None:
                adopted = (family, share)
            lines.append(f"| {family} | {share} | " + " | ".join(cells)
                         + f" | {np.mean(means):.4f} | {d.mean():+.4f} ± {d.std():.4f} (s.e. "
                         f"{standard_error:.4f}) | {worst:.2f}x | {'yes' if passes else 'no'} |")
    lines += ["", "Share 0.8's bag wall / CatBoost's on the quiet machine, the highest on record "
              "(the base of every projected ratio): " + "; ".join(
                  f"{t} {r:.2f}x" for t, r in ratios.items()) + ".", "",
              "The network's CPU seconds over the 3 folds in this run (load 6-7; ~2.7x the "
              "quiet wall, so not used): " + "; ".join(
                  f"{v.rsplit(' ', 1)[-1]}: " + ", ".join(
                      f"{t.split('/')[-1]} {s:.1f}" for t, s in cpu[v].items())
                  for v in SHARE_RUNS if v in cpu) + ".", "",
              f"Adopted by the declared rule: {adopted[0]}, share {adopted[1]}." if adopted
              else "No candidate passes the declared rule."]
    out = RESULTS / f"{RUN}_summary.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
