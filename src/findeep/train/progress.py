"""A Rich progress bar for long fits, on stderr, gone when the fit ends."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from findeep.long_work import long_work_starts
from findeep.train.trainer import ProgressHook


@contextmanager
def epoch_progress(
    description: str, max_epochs: int, verbose: int
) -> Iterator[ProgressHook | None]:
    """Yield an ``on_epoch_end`` hook that advances a bar, or ``None`` when ``verbose`` is 0."""
    if not verbose:
        yield None
        return
    long_work_starts()
    console = Console(file=sys.stderr)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("epoch {task.completed}"),
               TextColumn("{task.fields[score]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=max_epochs, score="")

        def hook(epoch: int, record: dict[str, float]) -> None:
            progress.update(task, completed=epoch, score=f"valid {record['valid_score']:.4f}")

        yield hook
