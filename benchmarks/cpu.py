"""CPU seconds of this process and of its finished children (a bag's member workers), and
the median wall seconds of a call repeated.

``time.process_time`` counts only this process; since the default network's bag trains its
later members in forked workers (``findeep.train.member_processes``), a fit's CPU is this
process's plus its joined children's.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def median_seconds(call: Callable[[], object], repeats: int = 3) -> float:
    """The median wall seconds of ``call()`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
