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

from ablations_development_s6 import RESULTS, merged, render

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
    table = render(aucs, cpu)
    (RESULTS / "ablations_development_s7.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
