"""Peak memory of the in-memory training path (``fit_tabular``) on a Parquet table.

One epoch with big batches: the peak comes from data copies (frames, float64 matrices,
tensors), not from the epochs, so this isolates what memory discipline can cut.

    /usr/bin/time -v python benchmarks/scale_memory.py credit-1m.parquet
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc

import pandas as pd

from findeep.pipeline import fit_tabular


def main(path: str) -> None:
    started = time.perf_counter()
    frame = pd.read_parquet(path)
    table_mb = frame.memory_usage(deep=True).sum() / 1024**2
    y = frame.pop("default")
    frame = frame.drop(columns=["applied_on"])
    tracemalloc.start()
    fit_tabular(frame, y, max_epochs=1, batch_size=4096, verbose=0)
    _, traced_peak = tracemalloc.get_traced_memory()
    print(json.dumps({
        "rows": len(frame), "table_mb": round(table_mb, 1),
        "fit_traced_peak_mb": round(traced_peak / 1024**2, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                     1),
        "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main(sys.argv[1])
