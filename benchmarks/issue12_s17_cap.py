"""Issue 12, seventeenth session: `bagging="auto"` budgeted on the lower of CatBoost's two
projections, read off the sixteenth session's stored runs fold by fold (stored results only).

    python benchmarks/issue12_s17_cap.py   # -> results/issue12_s17_cap.md

A bag's members grow with its budget, so with the budget on the lower of the tenth session's
projection (the reference) and the sixteenth session's one-hot-aware one (the candidate that
run tried alone), each fold trains min(reference's members, candidate's members). Where the
two runs trained the same members the fits are the same (same seeds, same folds: the fold
AUCs agree to the last digit), so each fold of the capped rule is the fold of whichever run
trained the fewer members: its AUC is that run's, and a table whose folds all come from one
run takes that run's fit walls and CPU. The sixteenth session's three repeats of both runs
(``issue12_s16_projection.py``'s ``reference`` and ``candidate``) are all it reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from issue12_s14_additive import _versus
from issue12_s16_projection import candidate, reference

RESULTS = Path(__file__).resolve().parent / "results"


def capped(ref: dict[str, dict], new: dict[str, dict]) -> dict[str, dict]:
    """Per table, the capped rule's row: each fold from the run with fewer members."""
    out: dict[str, dict] = {}
    for table, old in ref.items():
        row = new[table]
        take_new = [n < o for n, o in zip(row["members"], old["members"], strict=True)]
        same = [n == o for n, o in zip(row["members"], old["members"], strict=True)]
        for fold, equal in enumerate(same):
            if equal and row["auc"][fold] != old["auc"][fold]:
                raise SystemExit(f"{table} fold {fold + 1}: same members, different AUC")
        source = new if any(take_new) else ref
        if any(take_new) and not all(t or s for t, s in zip(take_new, same, strict=True)):
            raise SystemExit(f"{table}: folds from both runs; walls cannot be read per table")
        out[table] = {**source[table], "members": [min(n, o) for n, o in zip(
            row["members"], old["members"], strict=True)]}
    return out


def report(ref: dict[str, dict], cap: dict[str, dict]) -> str:
    lines = ["| table | members per fold: reference → capped | mean Δ AUC (folds up/down) | "
             "fit wall / CatBoost's, median of 3: reference → capped | CPU s (median): "
             "reference → capped | vs CatBoost |", "|---" * 6 + "|"]
    deltas, cpu, bagged_over, over, tallies, changed = [], np.zeros(2), [], [], {}, 0
    for table, row in cap.items():
        old = ref[table]
        delta = row["auc"] - old["auc"]
        deltas.extend(delta)
        ratio_old, ratio_new = np.median(old["ratios"]), np.median(row["ratios"])
        cpu += (np.median(old["cpu"]), np.median(row["cpu"]))
        if max(row["members"]) > 1 and ratio_new > 1.00:
            bagged_over.append(f"{table} ({ratio_new:.2f}x)")
        if ratio_new > 1.05:
            over.append(f"{table} ({ratio_new:.2f}x{', a bag' if max(row['members']) > 1 else ''})")
        versus = _versus(row["auc"], row["catboost"])
        tallies[versus] = tallies.get(versus, 0) + 1
        if row["members"] != old["members"]:
            changed += 1
            lines.append(
                f"| {table} | {old['members']} → {row['members']} | {delta.mean():+.4f} "
                f"({int((delta > 0).sum())}/{int((delta < 0).sum())}) | {ratio_old:.2f}x → "
                f"{ratio_new:.2f}x | {np.median(old['cpu']):.1f} → {np.median(row['cpu']):.1f} "
                f"| {versus} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    return "\n".join([
        *lines, "",
        f"The other {len(cap) - changed} tables train the same members as the reference "
        "on every fold (same fits).",
        f"Tables: {len(cap)}. Mean Δ over {len(deltas)} table-folds: {deltas.mean():+.4f} ± "
        f"{deltas.std(ddof=1):.4f} (s.e. {se:.4f}); CPU capped / reference {cpu[1]:.1f} / "
        f"{cpu[0]:.1f} s = {cpu[1] / cpu[0]:.3f}x (medians of the three repeats per table).",
        f"Tables with a bag over CatBoost's wall (> 1.00x): {', '.join(bagged_over) or 'none'}; "
        f"tables over CatBoost's wall (> 1.05x): {len(over)} ({', '.join(over) or 'none'}).",
        f"Against CatBoost: ahead {tallies.get('ahead', 0)}, within {tallies.get('within', 0)}, "
        f"behind {tallies.get('**behind**', 0)}.", ""])


def main() -> None:
    ref = reference()
    text = report(ref, capped(ref, candidate()))
    (RESULTS / "issue12_s17_cap.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
