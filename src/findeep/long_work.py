"""A signal that long work is about to start, for whoever shows messages to the user.

The command line holds back the warnings a command raises while it checks its input, so a
command that fails on its input shows only its one-line error; it shows them as soon as the
library says that long work (training, a progress bar, a server) starts. The library calls
``long_work_starts()``; the command line registers in ``BEFORE_LONG_WORK``. No imports: the
CLI reads this module without loading torch.
"""

from __future__ import annotations

from collections.abc import Callable

BEFORE_LONG_WORK: list[Callable[[], None]] = []


def long_work_starts() -> None:
    """Tell whoever listens (``BEFORE_LONG_WORK``) that long work is about to start."""
    for hook in list(BEFORE_LONG_WORK):
        hook()
