"""A blend's CatBoost fitted on a thread while its network trains.

On 2 cores neither half keeps both busy all the time (on small tables CatBoost's second
thread gains ~15%, the network's small batches less), and both release Python's lock in
their numeric work, so fitted side by side a classifier blend's fit takes 2-27% less wall
than one after the other (six tables, medians of 3 alternated runs; BENCHMARKS.md, "the
blend fitted side by side"). CatBoost grows the same trees on any thread and at any pace,
and the network never sees it, so the bundle is the one a sequential fit gives (tested).

``PartnerFit`` starts the fit and counts its trees; ``result`` waits for it (with a bar for
the trees still to come, when the caller shows progress) and hands back the partner or
re-raises its error; ``cancel`` stops it at its next tree, for a network fit that failed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from findeep.evaluate.baselines import CATBOOST_TREES
from findeep.evaluate.partner import BlendPartner

POLL_SECONDS = 0.1


class PartnerFit:
    """``fit(on_tree)`` (``BlendPartner.fit`` with its data bound) run on a thread now."""

    def __init__(self, fit: Callable[[Callable[[int], bool]], BlendPartner]) -> None:
        self.trees = 0
        self.seconds = 0.0
        self._partner: BlendPartner | None = None
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fit,), daemon=True,
                                        name="findeep-blend-partner")
        self._thread.start()

    def _on_tree(self, done: int) -> bool:
        self.trees = done
        return not self._stop.is_set()

    def _run(self, fit: Callable[[Callable[[int], bool]], BlendPartner]) -> None:
        started = time.perf_counter()
        try:
            self._partner = fit(self._on_tree)
        except BaseException as error:  # re-raised by result() on the caller's thread
            self._error = error
        self.seconds = time.perf_counter() - started

    def cancel(self) -> None:
        """Stop at the next tree and wait for the thread (its model is dropped)."""
        self._stop.set()
        self._thread.join()

    def result(self, progress: Callable[[int], Any] | None = None) -> BlendPartner:
        """The fitted partner, once its thread ends. ``progress(total)``: a context manager
        yielding ``advance(done)`` or None (``train.progress.count_progress``), shown while
        the trees not yet grown are being grown."""
        if progress is None:
            self._thread.join()
        else:
            with progress(CATBOOST_TREES) as advance:
                while self._thread.is_alive():
                    if advance is not None:
                        advance(self.trees)
                    self._thread.join(POLL_SECONDS)
                if advance is not None:
                    advance(self.trees)
        if self._error is not None:
            raise self._error
        assert self._partner is not None
        return self._partner
