"""CPU seconds of this process and of its finished children (a bag's member workers).

``time.process_time`` counts only this process; since the default network's bag trains its
later members in forked workers (``findeep.train.member_processes``), a fit's CPU is this
process's plus its joined children's.
"""

from __future__ import annotations

import os


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
