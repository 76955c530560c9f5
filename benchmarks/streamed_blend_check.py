"""Issue 12, fortieth session: `findeep train --stream --model default+catboost` on tall
tables — the streamed network and CatBoost fitted on the preprocessing sample (at most
200,000 of the fit rows), blended half each, against the streamed network alone.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/streamed_blend_check.py   # ~6 min
    python benchmarks/streamed_blend_check.py --report-only

The four tall tables of `streamed_rounds_probe.py` (AER/Fertility 254,654 rows, mortgages
214,144, generated bureau and card default 400,000), written as Parquet in row groups of
16,384 rows, `train_streamed` with its defaults (20% hash-drawn test rows, 20% of the rest
validating), seed 0: the same network in both runs, so the difference is CatBoost's half.
A measurement of an option, not a rule for a default. Results:
``results/streamed_blend_check.{json,md}``.
"""

from __future__ import annotations

import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from probe_rule import HERE, records_command_line
from streamed_rounds_probe import ROW_GROUP, tables

from findeep.streamed import train_streamed

STORE = HERE / "results" / "streamed_blend_check.json"
REPORT = HERE / "results" / "streamed_blend_check.md"


def fit(path: Path, target: str, model: str, out: Path) -> dict:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = train_streamed(path, target=target, out=out, seed=0, verbose=0, model=model)
    blend = report["training"].get("blend", {})
    return {"auc": report["test"]["roc_auc"], "test_rows": report["test"]["rows"],
            "wall_seconds": time.perf_counter() - started,
            "fit_rows": report["training"]["fit_rows"],
            "partner_rows": blend.get("partner_rows"),
            "partner_fit_seconds": blend.get("partner_fit_seconds")}


def measure(store: Path) -> None:
    records = []
    for name, frame, target in tables():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "table.parquet"
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                           row_group_size=ROW_GROUP)
            record = {"name": name, "rows": len(frame)}
            for model in ("default", "default+catboost"):
                record[model] = fit(path, target, model, Path(folder) / model)
        print(record, flush=True)
        records.append(record)
        store.write_text(json.dumps(records, indent=1) + "\n")


def report(records: list[dict]) -> str:
    lines = ["| table | rows | network alone: test AUC, wall s | blend: test AUC, wall s "
             "(CatBoost on how many rows, its fit s) | Δ AUC |", "|---|---|---|---|---|"]
    deltas, walls = [], []
    for r in records:
        alone, blend = r["default"], r["default+catboost"]
        deltas.append(blend["auc"] - alone["auc"])
        walls.append(blend["wall_seconds"] / alone["wall_seconds"])
        lines.append(f"| {r['name']} | {r['rows']:,} | {alone['auc']:.4f}, "
                     f"{alone['wall_seconds']:.0f} | {blend['auc']:.4f}, "
                     f"{blend['wall_seconds']:.0f} ({blend['partner_rows']:,} of "
                     f"{blend['fit_rows']:,}; {blend['partner_fit_seconds']:.0f} s) | "
                     f"{deltas[-1]:+.4f} |")
    lines += ["", f"Mean Δ AUC {np.mean(deltas):+.4f} (blend minus network alone, one test "
              f"split each, the same network); the blend's wall {min(walls):.2f}–"
              f"{max(walls):.2f}x the network's."]
    return "\n".join(lines) + "\n"


def main() -> None:
    records_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
