"""Issue 12, thirty-seventh session: `default`'s fit against CatBoost's under five seeds, on the
four tables where it sits nearest CatBoost's (VietNamI, credit_cards, DoctorVisits,
creditcard: 0.82-0.98x in the seed-0 medians).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/fit_seeds_check.py   # ~4 min; needs the tables
    # written by benchmarks/tally_panel.py (under the system's temporary folder)

Each is ``findeep benchmark TABLE --target T --n-folds N --random-state S --models
default,catboost`` for S = 0..4 (N the panel's: 5 for DoctorVisits, 3 for the others; a
seed draws the folds and the network's initialisation); the fit seconds over the folds of
both, one run each, in ``results/fit_seeds_check.json``.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FOLDER = Path(tempfile.gettempdir()) / "findeep-tally-panel"
# table -> (target, the panel's folds for it)
TABLES = {"Ecdat-VietNamI": ("insurance", 3), "causaldata-credit_cards": ("LateSept", 3),
          "AER-DoctorVisits": ("private", 5), "sample-creditcard": ("__target", 3)}


def main() -> None:
    out = {}
    for table, (target, n_folds) in TABLES.items():
        for seed in range(5):
            with tempfile.TemporaryDirectory() as scratch:
                result = Path(scratch) / "r.json"
                subprocess.run(["findeep", "benchmark", str(FOLDER / f"{table}.parquet"),
                                "--target", target, "--n-folds", str(n_folds), "--random-state",
                                str(seed), "--models", "default,catboost", "--out",
                                str(result), "--quiet"], check=True,
                               stdout=subprocess.DEVNULL)
                folds = json.loads(result.read_text())["folds"]
            seconds = {m: sum(f["fit_seconds"] for f in folds if f["model"] == m)
                       for m in ("default", "catboost")}
            out.setdefault(table, []).append(seconds)
            print(f"{table} seed {seed}: default {seconds['default']:.2f} s, CatBoost "
                  f"{seconds['catboost']:.2f} s, "
                  f"{seconds['default'] / seconds['catboost']:.2f}x", flush=True)
    (HERE / "results" / "fit_seeds_check.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
