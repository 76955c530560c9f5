"""The exported blend's CatBoost trees scored two ways, the findeep on ``PYTHONPATH`` against
another: onnxruntime's generic ``TreeEnsembleRegressor`` (today's graph) against a probe.
Prints one JSON line (the file's size too); run it ABAB with the two versions. Probes so far,
each slower and reverted:

* forty-second session: each tree's split bits gathered into a leaf index, then one gather
  of leaf values (commit 4bf0c75)::

    git worktree add /tmp/wt_trees bf6640d    # the tree operator
    git worktree add /tmp/wt_gather 4bf0c75   # the gathers
    for round in 1 2; do for src in /tmp/wt_trees/src /tmp/wt_gather/src; do
      OMP_WAIT_POLICY=PASSIVE PYTHONPATH=$src python benchmarks/blend_onnx_trees_ab.py; done; done

* forty-third session: every tree's leaf index as one matrix product of the 0/1 split
  columns and a splits x trees weight matrix (2**level where a tree reads a split), then one
  gather of leaf values (commit f2a6d65): the same loop over ``f69fd75`` and ``f2a6d65``.

A `default+catboost` blend fitted on 10,000 rows of the synthetic credit table (seed 0),
exported; then the graph alone scores 3,000 held-out rows (median of 5) and 200 of them one
at a time (p50, p99); max |graph - bundle| over the 3,000 rows.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from onnx_timing import cpu_session, one_record_ms

import findeep
from findeep.export.onnx import export_onnx, onnx_inputs
from findeep.pipeline import fit_tabular
from findeep.testing import make_credit_frame


def main() -> None:
    warnings.simplefilter("ignore")
    frame = make_credit_frame(13_000, seed=1).drop(columns=["applied_on"])
    y = frame.pop("default")
    pipeline = fit_tabular(frame.iloc[:10_000], y.iloc[:10_000], model="default+catboost",
                           seed=0)
    rows = frame.iloc[10_000:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blend.onnx"
        started = time.perf_counter()
        export_onnx(pipeline, path)
        export_seconds = time.perf_counter() - started
        file_mb = path.stat().st_size / 2**20
        session = cpu_session(path)
        feeds = onnx_inputs(pipeline, rows)
        (graph,) = session.run(None, feeds)
        batch = []
        for _ in range(5):
            started = time.perf_counter()
            session.run(None, feeds)
            batch.append(time.perf_counter() - started)
        p50, p99 = one_record_ms(session, [{name: value[i:i + 1] for name, value in
                                             feeds.items()} for i in range(220)])
        bundle, _ = pipeline.predict_raw(rows)
    print(json.dumps({
        "findeep": str(Path(findeep.__file__).parents[1]), "rows": len(rows),
        "export_s": round(export_seconds, 2), "file_mb": round(file_mb, 2),
        "batch_s": round(statistics.median(batch), 4),
        "rows_per_s": round(len(rows) / statistics.median(batch)),
        "one_record_ms_p50": round(p50, 3), "one_record_ms_p99": round(p99, 3),
        "max_abs_diff": float(np.abs(np.ravel(graph) - np.ravel(bundle)).max())}))


if __name__ == "__main__":
    main()
