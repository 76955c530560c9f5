"""Issue 12, thirty-seventh session: the 22 real tables through the commands a user runs —
`findeep benchmark --out` on each, under seeds 0 and 1, then `findeep tally` over the results.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/tally_panel.py            # ~25 min, both seeds
    OMP_WAIT_POLICY=PASSIVE python benchmarks/tally_panel.py --seeds 0  # ~12 min
    python benchmarks/tally_panel.py --tally-only                       # the tallies alone

Each table (``issue12_s31_headroom.real_tables``: the panel's and the unseen sets' protocol
rows, 3 folds, 5 on the smallest) is written as Parquet to one folder under the system's
temporary directory (never into the repository: the data stays in its PyPI package; the same
path for every seed, so `tally` knows a table's runs as one table) and benchmarked with
``findeep benchmark TABLE --target T --n-folds N --random-state S --models
default,logreg,catboost --out results/tally_panel/NAME-seedS.json``. Then ``findeep tally``
over seed 0's results (``results/tally_panel.{md,json}``) and over both seeds, each table's
runs pooled (``results/tally_panel_2_seeds.{md,json}``). Seed 0's folds are those of
``results/blend_budget_probe.json``, so `default`'s fold AUCs are checked against that
reference's as they are written; seed 1 draws other folds and other network seeds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from issue12_s31_headroom import real_tables
from probe_rule import TALLY_PANEL, table_file_name

HERE = Path(__file__).resolve().parent
OUT = TALLY_PANEL
REFERENCE = HERE / "results" / "blend_budget_probe.json"
MODELS = "default,logreg,catboost"


def benchmark_all(seeds: list[int]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    folder = Path(tempfile.gettempdir()) / "findeep-tally-panel"
    folder.mkdir(exist_ok=True)
    for name, frame, target, n_folds in real_tables():
        table = folder / f"{table_file_name(name)}.parquet"
        frame.to_parquet(table)
        for seed in seeds:
            result = OUT / f"{table_file_name(name)}-seed{seed}.json"
            subprocess.run(["findeep", "benchmark", str(table), "--target", target,
                            "--n-folds", str(n_folds), "--random-state", str(seed),
                            "--models", MODELS, "--out", str(result), "--force", "--quiet"],
                           check=True, stdout=subprocess.DEVNULL)
            if seed != 0:
                print(f"{name}: seed {seed} done", flush=True)
                continue
            written = json.loads(result.read_text())
            mine = [f["roc_auc"] for f in written["folds"] if f["model"] == "default"]
            theirs = [f["auc"]["default"] for f in reference[name]["folds"]]
            same = max(abs(a - b) for a, b in zip(mine, theirs, strict=True))
            print(f"{name}: default's fold AUCs within {same:.1e} of the reference",
                  flush=True)


def tally() -> None:
    against = ["--against", "catboost,logreg,best-baseline"]
    seed_0 = sorted(str(p) for p in OUT.glob("*-seed0.json"))
    subprocess.run(["findeep", "tally", *seed_0, *against,
                    "--out", str(HERE / "results" / "tally_panel.json"), "--report",
                    str(HERE / "results" / "tally_panel.md"), "--force"], check=True)
    if any(OUT.glob("*-seed1.json")):
        subprocess.run(["findeep", "tally", str(OUT), *against,
                        "--out", str(HERE / "results" / "tally_panel_2_seeds.json"),
                        "--report", str(HERE / "results" / "tally_panel_2_seeds.md"),
                        "--force"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tally-only", action="store_true")
    parser.add_argument("--seeds", default="0,1", help="comma-separated benchmark seeds")
    args = parser.parse_args()
    if not args.tally_only:
        benchmark_all([int(s) for s in args.seeds.split(",")])
    tally()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
