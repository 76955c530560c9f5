"""Streamed scoring with its stages overlapped vs one after another, in one process.

``serial`` is what ``findeep predict --stream`` did before: read a chunk, preprocess it,
run the network, write it, then the next. ``overlapped`` is ``predict_streamed`` now: a
reader thread reads and preprocesses the next chunks while the network scores this one and a
writer thread writes the last. Both score the same rows with the same bundle; the script
checks that they write identical scores. Runs alternate (serial, overlapped, ...) so load
changes hit both; wall-clock and CPU seconds are recorded per run.

    python benchmarks/scale_score_overlap.py BUNDLE DATA.parquet [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from findeep.data.stream import ParquetSource
from findeep.loading import load
from findeep.pipeline import score_table
from findeep.streamed import SCORING_CHUNK_ROWS, _chunks, _write_chunk, predict_streamed

RESULTS = Path(__file__).parent / "results" / "scale_score_overlap.json"


def serial(bundle: str, data: str, out: Path, chunk_rows: int) -> int:
    pipeline = load(bundle).pipeline_
    source = ParquetSource(data)
    writer, rows = None, 0
    for frame in _chunks(source, list(pipeline.schema.used_names), chunk_rows):
        prediction, _ = pipeline.predict_raw(frame)
        writer = _write_chunk(writer, score_table(pipeline, frame, prediction, None, 0.5),
                              out, "parquet")
        rows += len(frame)
    writer.close()
    return rows


def overlapped(bundle: str, data: str, out: Path, chunk_rows: int) -> int:
    return predict_streamed(bundle, data, out, force=True, chunk_rows=chunk_rows)["rows"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle")
    parser.add_argument("data")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--chunk-rows", type=int, default=SCORING_CHUNK_ROWS)
    parser.add_argument("--work", default="/tmp/findeep-scale")
    args = parser.parse_args()
    runs = []
    outs = {}
    for repeat in range(args.repeats):
        for name, job in (("serial", serial), ("overlapped", overlapped)):
            out = Path(args.work) / f"overlap-{name}.parquet"
            load_before = os.getloadavg()[0]
            wall, cpu = time.perf_counter(), time.process_time()
            rows = job(args.bundle, args.data, out, args.chunk_rows)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            outs[name] = out
            runs.append({"path": name, "repeat": repeat, "rows": rows,
                         "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "rows_per_second": round(rows / wall),
                         "rows_per_cpu_second": round(rows / cpu),
                         "cores_busy": round(cpu / wall, 2), "load_average": load_before})
            print(json.dumps(runs[-1]))
    identical = pd.read_parquet(outs["serial"]).equals(pd.read_parquet(outs["overlapped"]))
    by = {name: [r for r in runs if r["path"] == name] for name in ("serial", "overlapped")}
    wall = {name: sum(r["wall_s"] for r in rs) for name, rs in by.items()}
    record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "data": args.data,
              "bundle": args.bundle, "chunk_rows": args.chunk_rows, "cpu_count": os.cpu_count(),
              "runs": runs, "scores_identical": bool(identical),
              "speedup_wall": round(wall["serial"] / wall["overlapped"], 2)}
    print(json.dumps({k: v for k, v in record.items() if k != "runs"}))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    results.append(record)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
