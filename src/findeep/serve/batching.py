"""Score small requests that arrive together in one forward pass.

Under concurrent load many single-record requests are parsed in the same turn of the
event loop. Each one queues its records and awaits; one callback scheduled with
``call_soon`` — so it runs as soon as the requests already in hand have been parsed, with
no timer and no added wait — encodes and scores them all at once. A lone request is a
batch of one. Results match scoring each request alone up to float rounding (~1e-7).
A request of ``max_rows`` records or more is scored alone on a worker thread (``OffLoop``),
so a 10,000-record batch does not stall the small requests behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from findeep.serve.offload import OffLoop
from findeep.serve.scorer import Findings, Outputs, Scorer

_Pending = tuple[Sequence[Mapping[str, Any]], asyncio.Future[tuple[Outputs, Findings]]]


class RequestCoalescer:
    """``await coalescer.outputs(records)`` == ``scorer.outputs(records)``, batched with peers."""

    def __init__(self, scorer: Scorer, *, max_rows: int = 256,
                 off_loop: OffLoop | None = None) -> None:
        self.scorer = scorer
        self.max_rows = max_rows
        # big requests' own forward pass is already split over the cores (Scorer), so
        # two at a time is enough to keep the cores busy
        self.off_loop = off_loop or OffLoop(2)
        self._pending: list[_Pending] = []
        self._pending_rows = 0

    async def outputs(self, records: Sequence[Mapping[str, Any]],
                      ) -> tuple[Outputs, Findings]:
        if len(records) >= self.max_rows:  # big enough to be efficient on its own
            return await self.off_loop.run(self.scorer.outputs, records)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Outputs, Findings]] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((records, future))
        self._pending_rows += len(records)
        if self._pending_rows >= self.max_rows:
            self._flush()
        return await future

    def _flush(self) -> None:
        pending, self._pending, self._pending_rows = self._pending, [], 0
        if not pending:
            return
        rows = [record for records, _ in pending for record in records]
        try:
            prediction, unseen = self.scorer.predict_rows(rows)
        except Exception as exc:  # every waiting request gets the error, none hangs
            for _, future in pending:
                if not future.done():
                    future.set_exception(exc)
            return
        bounds = np.cumsum([0] + [len(records) for records, _ in pending])
        for (records, future), start, stop in zip(pending, bounds[:-1], bounds[1:], strict=True):
            if future.done():  # a client that disconnected cancelled its future
                continue
            try:  # each request's findings are its own: 25 records, not the merged batch
                result = (self.scorer.format(prediction[start:stop]),
                          self.scorer.findings(unseen[start:stop], records))
            except Exception as exc:  # as above: this request gets the error, none hangs
                future.set_exception(exc)
                continue
            future.set_result(result)
