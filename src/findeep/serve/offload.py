"""CPU-heavy request work runs on worker threads, so the event loop keeps answering others.

The server answers every client from one event loop. Work that holds it for long — an
explanation (Integrated Gradients: ~15 ms for one record, ~0.5 s for 100 on 2 cores), a
10,000-record batch — would make every other client wait that long, which is where a
latency tail under mixed traffic comes from. Such work is handed to a worker thread
instead: the loop keeps parsing and scoring small requests, and while the worker runs
Python, the interpreter still switches back to the loop every few milliseconds.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from findeep.errors import ConfigError

T = TypeVar("T")


class OffLoop:
    """``await off_loop.run(fn, *args)``: ``fn(*args)`` on a worker thread, at most
    ``threads`` of them at once (the others wait without blocking the loop)."""

    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ConfigError(f"threads must be a positive integer, however: {threads=}")
        self.threads = threads
        # a limiter belongs to one event loop; a test client may run the app in several
        self._loop: asyncio.AbstractEventLoop | None = None
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            self._loop, self._limiter = loop, anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs),
                                              limiter=self._limiter)
