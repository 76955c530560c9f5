"""Merge issue 12's seventh-session development ablations into one table (CPU seconds).

Model-level levers for small and noisy tables (a wide linear path, unencoded low-cardinality
numerics, weight averaging around the best epoch, integers offered as one-hot) and the
deep-learning peers on the remaining tables. Runs were split over parallel processes
(``ablations.py --panel development --only … --out benchmarks/results/s7_dev_X.md``; peers
at nice 19 into ``s7_dev_peers``) on a shared, loaded machine, so the table reports **CPU
seconds** (``time.process_time`` around transforms + fits + scoring). `default` was re-run
this session (it reproduced the sixth session's patience-4 AUCs on every fold); the
baselines' and the sixth session's peer rows come from the ``s6_dev_*`` files (same folds,
same seed).

    python benchmarks/ablations_development_s7.py  # writes ablations_development_s7.{json,md}
"""

from __future__ import annotations

import json

import numpy as np
from ablations_development import TABLE_NAMES
from ablations_development_s6 import RESULTS, SHORT, merged, render

LEVELS = "one-hot <= 16 + numerics with 3-16 values also one-hot, inside the model"
REPLICATES = (("default", LEVELS), ("default, seed 1", f"{LEVELS}, seed 1"))
CARRIED = ("catboost", "logreg", "realmlp (RealMLP-TD, pytabkit)", "tabm (TabM-D, pytabkit)")


def main() -> None:
    aucs, cpu = merged("s7_dev_")
    earlier_aucs, earlier_cpu = merged("s6_dev_")
    for variant in CARRIED:
        for store, earlier in ((aucs, earlier_aucs), (cpu, earlier_cpu)):
            rows = store.setdefault(variant, {})
            for name, row in earlier.get(variant, {}).items():
                rows.setdefault(name, row)
    (RESULTS / "ablations_development_s7.json").write_text(
        json.dumps({"roc_auc_folds_then_wall_s": aucs, "cpu_s": cpu}, indent=1) + "\n")
    table = render(aucs, cpu) + replicates(aucs)
    (RESULTS / "ablations_development_s7.md").write_text(table)
    print(table)


def replicates(aucs: dict) -> str:
    """The level one-hot variant against `default` with network seeds 0 and 1 (same folds):
    paired per-fold Δ per table and pooled over the 42 table-fold-seeds."""
    done = [(b, v) for b, v in REPLICATES if all(n in aucs.get(b, {}) and n in aucs.get(v, {})
                                                 for n in TABLE_NAMES)]
    if not done:
        return ""
    lines = ["", "| seed | " + " | ".join(SHORT[n] for n in TABLE_NAMES)
             + " | mean Δ ± std | Δ>0 |", "|---|" + "---|" * len(TABLE_NAMES) + "---|---|"]
    pooled = []
    for seed, (base, variant) in enumerate(done):
        row = []
        for name in TABLE_NAMES:
            d = np.array(aucs[variant][name][:-1]) - np.array(aucs[base][name][:-1])
            pooled.extend(d)
            row.append(f"{d.mean():+.4f}")
        deltas = np.array(pooled[-3 * len(TABLE_NAMES):])
        lines.append(f"| {seed} | " + " | ".join(row) + f" | {deltas.mean():+.4f} ± "
                     f"{deltas.std(ddof=1):.4f} | {int((deltas > 0).sum())}/{deltas.size} |")
    everything = np.array(pooled)
    lines.append(f"| pooled | | | | | | | | {everything.mean():+.4f} ± {everything.std(ddof=1):.4f}"
                 f" (s.e. {everything.std(ddof=1) / np.sqrt(everything.size):.4f}) | "
                 f"{int((everything > 0).sum())}/{everything.size} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
