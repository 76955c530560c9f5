"""What the command line shows: the consoles, one-line errors and warnings, metric tables.

Kept apart from ``cli.py`` so sub-apps (``findeep forecast``) can share it without
importing the CLI module that imports them.
"""

from __future__ import annotations

import errno
import functools
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console, ConsoleDimensions
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from findeep.errors import ConfigError, FindeepError
from findeep.long_work import BEFORE_LONG_WORK

LOG_WIDTH = 160  # characters a line, where output goes to a file or pipe


class _Console(Console):
    """Rich's console, but 160 characters wide where output goes to a log file or pipe
    (Rich's 80 there cut a benchmark's columns to '0.…'); a terminal keeps its own width,
    and COLUMNS still decides where it is set."""

    @property  # type: ignore[override]
    def width(self) -> int:
        if self._width is None and not self.is_terminal and "COLUMNS" not in os.environ:
            return LOG_WIDTH
        return super().width

    @width.setter
    def width(self, width: int) -> None:
        self._width = width

    @property  # type: ignore[override]
    def size(self) -> ConsoleDimensions:
        """Rich lays text out by ``size`` (its ``options``), not by ``width``: the same rule."""
        size = super().size
        if self._width is None and not self.is_terminal and "COLUMNS" not in os.environ:
            return ConsoleDimensions(LOG_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


out = _Console()
err = _Console(stderr=True)


def check_json_out(path: Path, what: str) -> None:
    """A ``--out`` that a command writes as JSON must be named .json: JSON in 'x.csv' opens
    as one broken column in a spreadsheet. ``what``: what it holds ("the metrics")."""
    if path.suffix.lower() != ".json":
        raise ConfigError(f"--out writes {what} as JSON; name it with .json, however: "
                           f"'{path}'.")


def _flags_take_no_value() -> None:
    """Typer 0.29 shows a type for every option in ``--help``, flags too (``--force
    <bool>``), though ``--force=1`` is refused: a flag's type column is left empty."""
    option = getattr(getattr(typer, "core", None), "TyperOption", None)
    shown = getattr(option, "display_type_rich", None)
    if shown is None or getattr(shown, "_findeep", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        return None if getattr(self, "is_flag", False) else shown(self, ctx)

    display_type_rich._findeep = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich


_flags_take_no_value()


class _OneNameColumn(Table):
    """Typer lays an option's names out in four columns (long, short, ``--no-`` long,
    ``--no-`` short), each as wide as its longest entry, so ``--row-sketch`` beside
    ``--no-row-sketch`` and an alias (``--text-columns,--text-column``) took 46 of an
    80-column terminal and squeezed every help text to ~22 characters. Here an options row
    has its names stacked in one column, one name a line (help text ~40 characters there);
    any other table (the commands panel) is built as before."""

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        from rich.text import Text

        start = 1 if len(cells) == 7 else 0  # a leading "required" marker column
        names = cells[start:start + 4]
        if len(cells) in (6, 7) and all(isinstance(c, Text) for c in names):
            lines = [part for cell in names for part in cell.split(",")  # styles kept
                     if part.plain.strip()]
            stacked = Text("\n").join(lines) if lines else Text("")
            cells = (*cells[:start], stacked, *cells[start + 4:])
        super().add_row(*cells, **kwargs)


def _option_names_in_one_column() -> None:
    """``--help`` tables with each option's names in one column (``_OneNameColumn``); a
    Typer without that layout keeps its own."""
    rich_utils = getattr(typer, "rich_utils", None)
    if rich_utils is None:
        try:
            from typer import rich_utils
        except ImportError:  # Typer without Rich: Click's plain help, which wraps by itself
            return
    if getattr(rich_utils, "Table", None) is Table:
        rich_utils.Table = _OneNameColumn


_option_names_in_one_column()

# options several commands share, worded once
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")]
# scoring's cut-off (predict, serve; tabular and text bundles alike)
CutoffOpt = Annotated[float | None, typer.Option(
    "--threshold", help="Binary models: an event probability at or above this is predicted "
                        "as the event (default 0.5).")]
TableOutOpt = Annotated[Path | None, typer.Option(
    "--out", help="Also write the table, .csv or .parquet.")]
# the estimators' parameter names; the old spellings (--seed, --folds, --repeats, --grid)
# stay as aliases so earlier scripts keep working
RandomStateOpt = Annotated[int, typer.Option(
    "--random-state", "--seed", help="Seed for splits, initialisation, batches and sampling.")]
F = TypeVar("F", bound=Callable[..., Any])


# warnings a running command holds back until its inputs have passed their checks: a command
# that then fails on its input shows its one-line error alone (docs/hostile-inputs.md)
_held: list[str] | None = None


def _show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                  line: str | None = None) -> None:
    text = f"findeep: warning: {one_line(str(message))}"
    if _held is not None:
        _held.append(text)
    else:
        err.print(text, highlight=False, soft_wrap=True, markup=False)


def release_warnings() -> None:
    """Print the warnings held so far and show later ones as they come (long work starts,
    or the command got past its checks)."""
    global _held
    held, _held = _held or [], None
    for text in held:
        err.print(text, highlight=False, soft_wrap=True, markup=False)


def one_line(message: str) -> str:
    """``message`` on one line: a newline or carriage return that came in with the data
    (a column name, a category) is shown escaped, as ``\\n``."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


# what Ctrl-C leaves: every output is written whole, to a temporary name first, or not at all
INTERRUPTED = "interrupted; outputs not finished were not written."


# the machine's state rather than findeep's or the input's: said in one line, exit 1
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES,
                                 errno.EPERM, errno.EIO})


def friendly(command: F) -> F:
    """Turn FindeepError into one stderr line and exit 2; print warnings as one line each.

    Warnings are held until long work starts (``long_work.long_work_starts``: training, a bar,
    a server) or the command ends, so a command that fails on its input prints its error
    alone."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _held
        previous, outer = warnings.showwarning, _held
        warnings.showwarning = _show_warning
        _held = []
        BEFORE_LONG_WORK.append(release_warnings)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default")
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                warnings.showwarning = _show_warning
                return command(*args, **kwargs)
        except FindeepError as exc:
            _held = None  # what was held is left unsaid: the error names the problem
            err.print(f"findeep: {one_line(str(exc))}", highlight=False, soft_wrap=True,
                      markup=False)
            raise typer.Exit(2) from None
        except OSError as exc:
            if exc.errno not in _ENVIRONMENT_ERRNOS:
                raise
            _held = None  # a full disk, a read-only or forbidden folder: the machine's
            where = f" '{exc.filename}'" if exc.filename else ""  # state, not a bug: one line
            err.print(f"findeep: cannot write or read{where}: {exc.strerror or exc}.",
                      highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:  # Ctrl-C: one line, not typer's silent exit
            _held = None
            err.print(f"findeep: {INTERRUPTED}", highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(130) from None
        finally:
            release_warnings()
            BEFORE_LONG_WORK.remove(release_warnings)
            _held = outer
            warnings.showwarning = previous

    return wrapper  # type: ignore[return-value]


def warn_categories(summary: dict[str, Any]) -> None:
    """A scoring job's unseen levels and missing values scored as the unknown level
    (``summary``: its ``rows``, ``unseen_categories``, ``missing_categories``): one warning
    on stderr with the others, not a line among the results."""
    from findeep.features.tabular import TransformReport

    message = TransformReport(
        unseen_categories=summary.get("unseen_categories") or {},
        missing_categories=summary.get("missing_categories") or {},
        rows=summary["rows"]).category_message()
    if message:
        from findeep.data.schema import FindeepWarning

        warnings.warn(message, FindeepWarning, stacklevel=2)


def metrics_table(title: str, columns: dict[str, dict[str, Any]], keys: list[str],
                  labels: dict[str, str] | None = None) -> Table:
    """One row per metric, one column per model (or split); ``labels`` rename rows."""
    # as wide as its title, so the title stays on one line where the terminal allows
    table = Table(title=title, title_justify="left", min_width=min(len(title), out.width))
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    for key in keys:
        values = [columns[name].get(key) for name in columns]
        if all(v is None for v in values):
            continue
        table.add_row((labels or {}).get(key, key), *[fmt(v) for v in values])
    return table


def gains_view(title: str, bands: list[dict[str, Any]]) -> Table:
    """The gains table on the terminal, riskiest band first."""
    from findeep.evaluate.metrics import GAINS_HEADER, gains_cells  # scikit-learn: ~2 s

    table = Table(title=title, title_justify="left", min_width=min(len(title), out.width))
    for name in GAINS_HEADER:
        table.add_column(name, justify="right")
    for band in bands:
        table.add_row(*gains_cells(band))
    return table


def fmt(value: Any) -> str:
    """A metric value as the tables show it: 4 decimals for floats, '-' for missing or NaN."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return "-" if value != value else f"{value:.4f}"  # NaN: undefined, e.g. IC of a constant
    return str(value)


@contextmanager
def stage_progress() -> Iterator[tuple[Callable[[str], None] | None,
                                        Callable[[int, int], None] | None]]:
    """Two hooks on one transient bar on stderr, for work in stages: ``stage(label)`` names
    the stage now running (the bar pulses), ``rows(done, total)`` counts a stage's rows.
    ``(None, None)`` when stderr is not a terminal. Nothing is drawn before the first call,
    so a job that fails on its input prints only its one-line error."""
    if not err.is_terminal:
        yield None, None
        return
    progress: Progress | None = None
    task = None

    def started() -> Progress:
        nonlocal progress, task
        if progress is None:
            release_warnings()
            progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                TextColumn("{task.fields[count]}"), TimeElapsedColumn(),
                                console=err, transient=True)
            progress.start()
            task = progress.add_task("", total=None, count="")
        return progress

    def stage(label: str) -> None:
        started().update(task, description=label, total=None, completed=0,  # type: ignore[arg-type]
                         count="")

    def rows(done: int, total: int) -> None:
        started().update(task, total=total, completed=done,  # type: ignore[arg-type]
                         count=f"{done:,}/{total:,} rows")

    try:
        yield stage, rows
    finally:
        if progress is not None:
            progress.stop()


@contextmanager
def rows_progress(description: str) -> Iterator[Callable[[int, int], None] | None]:
    """A hook ``(done, total)`` that drives a transient bar on stderr, or None when stderr
    is not a terminal (a log file gets no bar remnants).

    The bar only appears once work reports progress, so a job that fails on its input
    first prints nothing but its one-line error.
    """
    if not err.is_terminal:
        yield None
        return
    progress: Progress | None = None
    task = None

    def hook(done: int, total: int) -> None:
        nonlocal progress, task
        if progress is None:
            release_warnings()
            progress = Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(),
                                TextColumn("rows"), TimeElapsedColumn(), console=err,
                                transient=True)
            progress.start()
            task = progress.add_task(description, total=total)
        progress.update(task, completed=done)  # type: ignore[arg-type]

    try:
        yield hook
    finally:
        if progress is not None:
            progress.stop()


def http_address(host: str, port: int) -> str:
    """The URL a client uses: an IPv6 host in brackets (``http://[::1]:8000``)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
