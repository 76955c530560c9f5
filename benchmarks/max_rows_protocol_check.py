"""`findeep benchmark --max-rows 10000 --n-folds 3` on a whole table reproduces the issue-12
protocol's run of it (forty-third session): the unseen sets' tables over 10,000 rows were
scored on a stratified sample of 10,000 rows (``unseen_tables.protocol_rows``: pandas'
``groupby(target).sample(frac=10_000 / rows, random_state=0)``) over 3 folds, and
``results/tally_panel/NAME-seed0.json`` holds that run through ``findeep benchmark``.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/max_rows_protocol_check.py

Each such table is written whole as Parquet under the system's temporary folder (never into
the repository), benchmarked with ``findeep benchmark TABLE --target T --max-rows 10000
--n-folds 3 --models default,logreg,catboost --random-state 0 --out ...``, and every model's
fold AUCs compared with the protocol run's. Prints one line per table and the largest
difference.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from probe_rule import TALLY_PANEL, table_file_name
from unseen_tables import MAX_ROWS, TABLE_SETS

MODELS = "default,logreg,catboost"


def main() -> None:
    folder = Path(tempfile.gettempdir()) / "findeep-max-rows-check"
    folder.mkdir(exist_ok=True)
    largest = 0.0
    for set_name in ("first", "second", "third", "fourth"):
        for table in TABLE_SETS[set_name]:
            frame = table.load()
            if len(frame) <= MAX_ROWS:
                continue
            name = f"{table.package}/{table.item}"
            path = folder / f"{table_file_name(name)}.parquet"
            frame.to_parquet(path)
            out = folder / f"{table_file_name(name)}.json"
            subprocess.run(["findeep", "benchmark", str(path), "--target", table.target,
                            "--max-rows", str(MAX_ROWS), "--n-folds", "3", "--random-state",
                            "0", "--models", MODELS, "--out", str(out), "--force", "--quiet"],
                           check=True, stdout=subprocess.DEVNULL)
            mine = json.loads(out.read_text())
            theirs = json.loads((TALLY_PANEL / f"{table_file_name(name)}-seed0.json").read_text())

            def aucs(document):
                return {(f["model"], f["fold"]): f["roc_auc"] for f in document["folds"]}

            ours, protocol = aucs(mine), aucs(theirs)
            gap = max(abs(ours[key] - protocol[key]) for key in protocol)
            largest = max(largest, gap)
            print(f"{name}: {len(frame):,} rows -> sample {mine['sample']['rows']:,} "
                  f"(protocol {theirs['rows']:,}); {len(protocol)} fold AUCs, largest "
                  f"difference {gap:.1e}", flush=True)
    print(f"largest difference over every table, model and fold: {largest:.1e}")


if __name__ == "__main__":
    main()
