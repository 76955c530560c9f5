"""Issue 12, thirty-seventh session: the 22 real tables through the commands a user runs —
`findeep benchmark --out` on each, then `findeep tally` over the results.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/tally_panel.py            # ~15 min
    python benchmarks/tally_panel.py --tally-only                       # the tally alone

Each table (``issue12_s31_headroom.real_tables``: the panel's and the unseen sets' protocol
rows, 3 folds, 5 on the smallest) is written as Parquet to a temporary folder (never into the
repository: the data stays in its PyPI package) and benchmarked with
``findeep benchmark TABLE --target T --n-folds N --models default,logreg,catboost --out
results/tally_panel/NAME.json``; then ``findeep tally results/tally_panel/*.json --against
catboost,logreg,best-baseline --report results/tally_panel.md``. The folds are those of
``results/blend_budget_probe.json`` (the benchmark's, seed 0), so `default`'s fold AUCs are
checked against that reference's as they are written.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from issue12_s31_headroom import real_tables

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "tally_panel"
REFERENCE = HERE / "results" / "blend_budget_probe.json"
MODELS = "default,logreg,catboost"


def file_name(name: str) -> str:
    return name.replace("/", "-").replace(":", "-")


def benchmark_all() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    with tempfile.TemporaryDirectory() as folder:
        for name, frame, target, n_folds in real_tables():
            table = Path(folder) / f"{file_name(name)}.parquet"
            frame.to_parquet(table)
            result = OUT / f"{file_name(name)}.json"
            subprocess.run(["findeep", "benchmark", str(table), "--target", target,
                            "--n-folds", str(n_folds), "--models", MODELS, "--out",
                            str(result), "--force", "--quiet"], check=True,
                           stdout=subprocess.DEVNULL)
            written = json.loads(result.read_text())
            mine = [f["roc_auc"] for f in written["folds"] if f["model"] == "default"]
            theirs = [f["auc"]["default"] for f in reference[name]["folds"]]
            same = max(abs(a - b) for a, b in zip(mine, theirs, strict=True))
            print(f"{name}: default's fold AUCs within {same:.1e} of the reference",
                  flush=True)


def tally() -> None:
    results = sorted(str(p) for p in OUT.glob("*.json"))
    subprocess.run(["findeep", "tally", *results, "--against", "catboost,logreg,best-baseline",
                    "--out", str(HERE / "results" / "tally_panel.json"), "--report",
                    str(HERE / "results" / "tally_panel.md"), "--force"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tally-only", action="store_true")
    if not parser.parse_args().tally_only:
        benchmark_all()
    tally()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
