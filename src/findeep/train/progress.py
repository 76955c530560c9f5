"""A Rich progress bar for long fits, on stderr, gone when the fit ends."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from findeep.long_work import long_work_starts
from findeep.train.trainer import ProgressHook

StepHook = Callable[[int, int, int], None]  # (epoch, steps done, steps per epoch)


class EpochBar:
    """An ``on_epoch_end`` hook that advances a bar, and, for fits whose epochs are long
    (streamed tables), ``step`` moves it within an epoch."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task = progress, task

    def __call__(self, epoch: int, record: dict[str, float]) -> None:
        self.progress.update(self.task, completed=epoch, epoch=str(epoch),
                             score=f"valid {record['valid_score']:.4f}")

    def step(self, epoch: int, done: int, per_epoch: int) -> None:
        """``done`` of the epoch's ``per_epoch`` steps are taken."""
        self.progress.update(self.task, completed=epoch - 1 + done / max(per_epoch, 1),
                             epoch=f"{epoch} ({done:,}/{per_epoch:,} steps)")


class LineBar:
    """``EpochBar``'s hook for a notebook, where Rich's live bar needs ipywidgets: one line
    on stderr, rewritten in place each epoch (a carriage return, as notebooks render it)."""

    def __init__(self, description: str, max_epochs: int) -> None:
        self.description, self.max_epochs = description, max_epochs
        self.written = False

    def __call__(self, epoch: int, record: dict[str, float]) -> None:
        self._write(f"epoch {epoch}/{self.max_epochs}  valid {record['valid_score']:.4f}")

    def step(self, epoch: int, done: int, per_epoch: int) -> None:
        self._write(f"epoch {epoch}/{self.max_epochs} ({done:,}/{per_epoch:,} steps)")

    def _write(self, text: str) -> None:
        sys.stderr.write(f"\r{self.description}: {text}    ")
        sys.stderr.flush()
        self.written = True

    def close(self) -> None:
        if self.written:
            sys.stderr.write("\n")
            sys.stderr.flush()


def step_hook(on_epoch_end: ProgressHook | None) -> StepHook | None:
    """The within-epoch hook of a progress hook that has one (``EpochBar.step``)."""
    return getattr(on_epoch_end, "step", None)


def _where_to_show(verbose: int) -> Console | str | None:
    """Where a bar goes: None (``verbose`` 0, or stderr a log file, where a live bar would
    leave a line per refresh), ``"line"`` (a notebook: one line, rewritten) or the terminal's
    console (a live bar). Anything shown means long work starts (``long_work_starts``)."""
    if not verbose:
        return None
    long_work_starts()
    console = Console(file=sys.stderr)
    if console.is_jupyter and not console.is_terminal:
        return "line"
    return console if console.is_terminal else None


@contextmanager
def epoch_progress(
    description: str, max_epochs: int, verbose: int
) -> Iterator[ProgressHook | None]:
    """Yield an ``on_epoch_end`` hook that advances a bar (an ``EpochBar``; in a notebook a
    ``LineBar``), or ``None`` when ``verbose`` is 0 or stderr is a file or pipe."""
    where = _where_to_show(verbose)
    if where is None:
        yield None
        return
    if where == "line":
        bar = LineBar(description, max_epochs)
        try:
            yield bar
        finally:
            bar.close()
        return
    console = where
    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("epoch {task.fields[epoch]}"), TextColumn("{task.fields[score]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield EpochBar(progress, progress.add_task(description, total=max_epochs, score="",
                                                   epoch="0"))


@contextmanager
def count_progress(description: str, total: int, unit: str, verbose: int,
                   ) -> Iterator[Callable[[int], None] | None]:
    """``epoch_progress`` for work counted in units of its own (a blend's CatBoost: its
    trees): yields ``advance(done)``, or ``None`` when ``verbose`` is 0 or stderr is a file
    or pipe; in a notebook one line, rewritten."""
    where = _where_to_show(verbose)
    if where is None:
        yield None
        return
    if where == "line":
        line = LineBar(description, total)
        try:
            yield lambda done: line._write(f"{done:,}/{total:,} {unit}")
        finally:
            line.close()
        return
    console = where
    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn(f"{{task.completed:,.0f}}/{{task.total:,.0f}} {unit}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda done: progress.update(task, completed=done)
