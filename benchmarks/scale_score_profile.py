"""Where streamed scoring spends its CPU: each stage of ``findeep predict --stream`` timed in
CPU seconds (``time.process_time``, torch on one thread), so the split holds under load.

    python benchmarks/scale_score_profile.py BUNDLE DATA.parquet

Stages per row group: Parquet read (to Arrow), Arrow -> pandas, checks + preprocessing
transform, network forward, score frame, Arrow conversion + Parquet write (to /dev/null).
Run twice: ``per-row`` scales every value on its own (the preprocessor before columns of
repeated values were scaled once per distinct value), ``per-distinct`` is the code now.
Appends both to benchmarks/results/scale_score_profile.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import torch

import findeep.features.tabular as tabular
from findeep.data.stream import ParquetSource
from findeep.loading import load
from findeep.pipeline import score_table

RESULTS = Path(__file__).parent / "results" / "scale_score_profile.json"


def main(bundle: str, data: str) -> None:
    torch.set_num_threads(1)
    repeat_min_rows = tabular.REPEAT_MIN_ROWS
    records = []
    for variant in ("per-row", "per-distinct"):
        tabular.REPEAT_MIN_ROWS = 1 << 62 if variant == "per-row" else repeat_min_rows
        records.append({"variant": variant, **profile(bundle, data)})
        print(json.dumps(records[-1], indent=1))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    results.append({"at": datetime.now(UTC).isoformat(timespec="seconds"), "data": data,
                    "torch_threads": 1, "load_average": os.getloadavg()[0],
                    "runs": records})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def profile(bundle: str, data: str) -> dict:
    pipeline = load(bundle).pipeline_
    source = ParquetSource(data)
    columns = list(pipeline.schema.used_names)
    stages = dict.fromkeys(["read", "to_pandas", "transform", "forward", "score_frame",
                            "write"], 0.0)
    writer = None
    rows = 0
    for unit in source.units:
        t = time.process_time()
        table = pq.ParquetFile(unit.path).read_row_group(unit.row_group, columns=columns)
        stages["read"] += time.process_time() - t
        t = time.process_time()
        frame = table.to_pandas(split_blocks=True, self_destruct=True)
        stages["to_pandas"] += time.process_time() - t
        t = time.process_time()
        x_num, x_cat, _ = pipeline.transform(frame)
        stages["transform"] += time.process_time() - t
        t = time.process_time()
        prediction = pipeline._prediction(pipeline._network_logits(x_num, x_cat))
        stages["forward"] += time.process_time() - t
        t = time.process_time()
        scores = score_table(pipeline, frame, prediction, None, 0.5)
        stages["score_frame"] += time.process_time() - t
        t = time.process_time()
        out = pa.Table.from_pandas(scores, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter("/dev/null", out.schema)
        writer.write_table(out)
        stages["write"] += time.process_time() - t
        rows += len(frame)
    writer.close()
    total = sum(stages.values())
    return {"rows": rows, "cpu_s": {k: round(v, 3) for k, v in stages.items()},
            "share": {k: round(v / total, 3) for k, v in stages.items()},
            "rows_per_cpu_second": round(rows / total)}


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
