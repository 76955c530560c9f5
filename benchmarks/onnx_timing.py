"""An onnxruntime session as the ONNX benchmarks time it, and one record's latency."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def cpu_session(path: str | Path):
    """An onnxruntime session on the CPU, its log quiet but for errors."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def one_record_ms(session, feeds: list[dict], warm: int = 20) -> tuple[float, float]:
    """p50 and p99 ms of ``session.run`` on one record's feed, over ``feeds`` after the
    first ``warm`` (run, not timed)."""
    for feed in feeds[:warm]:
        session.run(None, feed)
    times = []
    for feed in feeds[warm:]:
        started = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - started)
    return float(np.quantile(times, 0.5)) * 1e3, float(np.quantile(times, 0.99)) * 1e3
