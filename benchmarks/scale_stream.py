"""Scale benchmarks: in-memory vs streamed vs 2-process training, streamed scoring.

``train-spark`` launches the same 2-process training through Spark's TorchDistributor in
local mode (``findeep spark train``, needs findeep[spark] and Java); its wall and CPU
include Spark's JVM start-up and the driver.

Each call runs ONE case as a ``findeep`` command under ``/usr/bin/time -v`` (peak RSS of
the command; for ``--nproc-per-node`` runs GNU time reports the largest single process),
then scores the bundle on an independent hold-out table (same generator, another seed)
outside the timing, and appends a record to benchmarks/results/scale_stream.json.

    python benchmarks/scale_make_data.py 1000000 credit-1m.parquet
    python benchmarks/scale_make_data.py 200000 holdout-200k.parquet 99
    python benchmarks/scale_stream.py train-memory credit-1m.parquet --holdout holdout-200k.parquet
    python benchmarks/scale_stream.py train-stream credit-1m.parquet --holdout holdout-200k.parquet
    python benchmarks/scale_stream.py train-ddp credit-1m.parquet --holdout holdout-200k.parquet
    python benchmarks/scale_stream.py train-spark credit-1m.parquet --holdout holdout-200k.parquet
    python benchmarks/scale_stream.py predict-stream credit-10m.parquet --bundle BUNDLE
    python benchmarks/scale_stream.py predict-memory credit-1m.parquet --bundle BUNDLE --compare S
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "scale_stream.json"


def timed(command: list[str]) -> dict:
    """Run ``command`` under /usr/bin/time -v: wall seconds, peak RSS in MB, exit code."""
    started = time.perf_counter()
    finished = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", finished.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", finished.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", finished.stderr)
    if finished.returncode != 0:
        sys.stderr.write(finished.stderr[-3000:])
        raise SystemExit(f"command failed: {' '.join(command)}")
    return {"command": " ".join(command), "wall_s": round(wall, 1),
            "peak_rss_mb": round(int(peak.group(1)) / 1024, 1) if peak else None,
            "cpu_s": round(float(user.group(1)) + float(system.group(1)), 1)
            if user and system else None}


def holdout_auc(bundle: Path, holdout: str) -> float:
    from findeep.workflow import evaluate_bundle

    return float(evaluate_bundle(bundle, holdout)["roc_auc"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["train-memory", "train-stream", "train-ddp",
                                         "train-spark", "predict-stream", "predict-memory"])
    parser.add_argument("data")
    parser.add_argument("--holdout")
    parser.add_argument("--bundle")
    parser.add_argument("--compare", help="scores file to compare predictions with")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--batch-size", default="512")
    parser.add_argument("--work", default="/tmp/findeep-scale")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = _rows(args.data)
    record: dict = {"case": args.case, "rows": rows, "data": args.data,
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "cpu_count": os.cpu_count(),
                    "load_average_before": os.getloadavg()[0]}
    findeep = [sys.executable, "-m", "findeep"]
    if args.case.startswith("train"):
        out = work / f"{args.case}-{rows}"
        mode = {"train-memory": ["--no-stream"], "train-stream": ["--stream"],
                "train-ddp": ["--nproc-per-node", str(args.nproc)],
                "train-spark": []}[args.case]
        train_args = [args.data, "--target", "default", "--out", str(out), "--force",
                      "--batch-size", args.batch_size, "--max-epochs", str(args.epochs)]
        if args.case == "train-spark":  # findeep spark train adds --stream --quiet itself
            command = [*findeep, "spark", "train", "--num-processes", str(args.nproc),
                       "--master", f"local[{args.nproc}]", "--", *train_args]
        else:
            command = [*findeep, "train", *train_args, "--quiet", *mode]
        record.update(timed(command))
        training = json.loads((out / "metrics.json").read_text())
        record.update({
            "epochs": training["training"]["epochs_run"],
            "fit_rows": training["training"]["fit_rows"],
            "train_seconds": round(training["training"]["seconds"], 1),
            "rows_per_second": round(training["training"]["rows_per_second"]),
            "processes": training["training"].get("processes", 1),
            "test_auc_own_split": round(training["test"]["roc_auc"], 4),
            "bundle": str(out)})
        if args.holdout:
            record["holdout_auc"] = round(holdout_auc(out, args.holdout), 4)
            record["holdout"] = args.holdout
    else:
        scores = work / f"{args.case}-{rows}.parquet"
        mode = ["--stream"] if args.case == "predict-stream" else ["--no-stream"]
        command = [*findeep, "predict", args.bundle, args.data, "--out", str(scores),
                   "--force", *mode]
        record.update(timed(command))
        record["rows_per_second"] = round(rows / record["wall_s"])
        record["rows_per_cpu_second"] = round(rows / record["cpu_s"]) if record["cpu_s"] else None
        record["scores"] = str(scores)
        if args.compare:
            import numpy as np
            import pyarrow.parquet as pq

            a = pq.read_table(scores).column(0).to_numpy()
            b = pq.read_table(args.compare).column(0).to_numpy()
            n = min(len(a), len(b))
            record["compared_rows"] = n
            record["max_abs_difference"] = float(np.abs(a[:n] - b[:n]).max())
    record["load_average_after"] = os.getloadavg()[0]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    results.append(record)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(record, indent=1))


def _rows(path: str) -> int:
    from findeep.data.stream import ParquetSource

    return ParquetSource(path).n_rows


if __name__ == "__main__":
    main()
