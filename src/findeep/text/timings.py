"""A debug record of where each served request's time went, written only when asked.

``FINDEEP_SERVE_TIMINGS=/path/timings.jsonl findeep serve BUNDLE`` appends one JSON line per
``/v1/predict`` request: ``{"rows", "tokens", "parse_ms", "tokenize_ms", "forward_ms",
"total_ms", "cpu_ms"}`` (``tokens``: the request's longest text, specials included).
Wall-clock milliseconds: reading and checking the body; the tokenizer (with the other
columns' preprocessing); the network; the whole handler (formatting and JSON too).
``cpu_ms`` is the CPU time spent on the request; well below ``total_ms``, the request waited
(for a core, or behind another request). Without the variable nothing is timed or written.
It is for measuring (``benchmarks/text_serve_latency.py --timings``), not for production.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import TextIO

from findeep.errors import ConfigError

TIMINGS_VARIABLE = "FINDEEP_SERVE_TIMINGS"


class Stopwatch:
    """Marks along one request: ``lap(name)`` records the milliseconds since the last mark."""

    __slots__ = ("_cpu_elsewhere", "_cpu_started", "_last", "_started", "laps", "notes")

    def __init__(self) -> None:
        self._started = self._last = time.perf_counter()
        self._cpu_started = time.thread_time()
        self._cpu_elsewhere = 0.0
        self.laps: dict[str, float] = {}
        self.notes: dict[str, int] = {}

    def note(self, name: str, value: int) -> None:
        """A count to keep beside the times (e.g. the request's longest text in tokens)."""
        self.notes[name] = value

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[f"{name}_ms"] = 1000 * (now - self._last)
        self._last = now

    def add_cpu(self, seconds: float) -> None:
        """CPU spent for this request on another thread (a batch scored on a worker)."""
        self._cpu_elsewhere += seconds

    def finish(self, rows: int) -> dict[str, float | int]:
        cpu = time.thread_time() - self._cpu_started + self._cpu_elsewhere
        return {"rows": rows, **self.notes, **self.laps,
                "total_ms": 1000 * (time.perf_counter() - self._started), "cpu_ms": 1000 * cpu}


class TimingsLog:
    """Appends one JSON line per request to ``path`` (opened once, line-buffered)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            # open for the app's lifetime: one open per request would cost more than it logs
            self._handle: TextIO = Path(path).open(  # noqa: SIM115
                "a", buffering=1, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{TIMINGS_VARIABLE}={path}: cannot write there ({exc.strerror})."
                              ) from None
        self._lock = threading.Lock()  # batches are scored on worker threads

    def write(self, record: dict[str, float | int]) -> None:
        line = json.dumps(record) + "\n"
        with self._lock:
            self._handle.write(line)


def timings_from_environment() -> TimingsLog | None:
    """The log ``FINDEEP_SERVE_TIMINGS`` names, or ``None`` when it is unset or empty."""
    path = os.environ.get(TIMINGS_VARIABLE, "").strip()
    return TimingsLog(path) if path else None
