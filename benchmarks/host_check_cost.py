"""CPU cost per request of the loopback server's Host check (``serve.server.LoopbackHostsOnly``).

Calls the middleware in front of an app that does nothing, against the app alone, in one
process, alternated; prints microseconds of CPU per request. The served requests it sits
in front of cost ~350 us each (2,864 req/s at 32 clients, BENCHMARKS.md), so a cost of
about 1 us is below what the load test can resolve.

    python benchmarks/host_check_cost.py
"""

from __future__ import annotations

import asyncio
import statistics
import time

from findeep.serve.server import LoopbackHostsOnly

CALLS = 200_000
SCOPE = {"type": "http", "headers": [(b"host", b"127.0.0.1:8000"),
                                     (b"content-type", b"application/json"),
                                     (b"content-length", b"200"), (b"user-agent", b"python")]}


async def nothing(scope: dict, receive: object, send: object) -> None:
    return None


def cpu_us_per_call(app: object) -> float:
    async def loop() -> None:
        for _ in range(CALLS):
            await app(SCOPE, None, None)

    started = time.process_time()
    asyncio.run(loop())
    return (time.process_time() - started) / CALLS * 1e6


def main() -> None:
    checked = LoopbackHostsOnly(nothing)
    plain, with_check = [], []
    for _ in range(5):
        plain.append(cpu_us_per_call(nothing))
        with_check.append(cpu_us_per_call(checked))
    added = statistics.median(with_check) - statistics.median(plain)
    print(f"app alone {statistics.median(plain):.3f} us, with the Host check "
          f"{statistics.median(with_check):.3f} us CPU per request (medians of 5): "
          f"+{added:.3f} us")


if __name__ == "__main__":
    main()
