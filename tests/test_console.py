"""The CLI's progress bar for long row-by-row work, and its warnings around one-line errors."""

from __future__ import annotations

import io

from rich.console import Console

from findeep import console


def test_rows_progress_draws_a_bar_on_a_terminal_and_nothing_elsewhere(monkeypatch) -> None:
    """On a terminal the hook drives a bar naming the job and the row count; when stderr is a
    file or pipe, or before any progress is reported, nothing is written."""
    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, force_terminal=True, width=100))
    with console.rows_progress("explaining") as hook:
        assert hook is not None
        hook(64, 128)
        hook(128, 128)
    assert "explaining" in screen.getvalue() and "128/128" in screen.getvalue()

    quiet_screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=quiet_screen, force_terminal=True))
    with console.rows_progress("explaining"):
        pass  # failed before any progress
    assert quiet_screen.getvalue() == ""

    piped = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=piped, force_terminal=False))
    with console.rows_progress("explaining") as hook:
        assert hook is None
    assert piped.getvalue() == ""


def test_a_command_that_fails_on_its_input_prints_its_error_alone(monkeypatch) -> None:
    """Warnings raised while a command checks its input are held: if the input is then
    refused, the user sees one line, the error; if the command goes on, the warnings are
    shown, before its long work when a bar starts (and after it nothing is held)."""
    import warnings

    import pytest
    import typer

    from findeep.errors import DataError
    from findeep.long_work import long_work_starts

    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, width=200))

    @console.friendly
    def refused() -> None:
        warnings.warn("2 column(s) have no name in the header", stacklevel=2)
        raise DataError("column(s) 'Unnamed: 1' have no values at all.")

    with pytest.raises(typer.Exit):
        refused()
    assert screen.getvalue().splitlines() == [
        "findeep: column(s) 'Unnamed: 1' have no values at all."]

    screen.truncate(0), screen.seek(0)
    events = []

    @console.friendly
    def trains() -> None:
        warnings.warn("batch size 32 leaves 1 step per epoch", stacklevel=2)
        events.append(screen.getvalue())  # held: nothing shown yet
        long_work_starts()
        events.append(screen.getvalue())  # shown as the long work starts
        warnings.warn("a second warning, during the work", stacklevel=2)
        events.append(screen.getvalue())

    trains()
    assert events[0] == ""
    assert events[1] == "findeep: warning: batch size 32 leaves 1 step per epoch\n"
    assert events[2].endswith("findeep: warning: a second warning, during the work\n")

    screen.truncate(0), screen.seek(0)

    @console.friendly
    def succeeds_quietly() -> None:
        warnings.warn("held until the end", stacklevel=2)

    succeeds_quietly()
    assert screen.getvalue() == "findeep: warning: held until the end\n"


def test_training_announces_long_work_even_without_a_bar() -> None:
    """A quiet fit shows no bar, yet its warnings should not wait for the end of a long run:
    the trainer itself says that long work starts."""
    from findeep import TabularClassifier
    from findeep.long_work import BEFORE_LONG_WORK
    from findeep.testing import make_credit_frame

    calls = []

    def hook() -> None:
        calls.append("long work")

    frame = make_credit_frame(200, seed=0).drop(columns=["applied_on"])
    BEFORE_LONG_WORK.append(hook)
    try:
        TabularClassifier(max_epochs=1, verbose=0).fit(frame.drop(columns=["default"]),
                                                        frame["default"])
    finally:
        BEFORE_LONG_WORK.remove(hook)
    assert calls


def test_tables_written_to_a_log_are_wide_enough_not_to_cut_numbers(monkeypatch) -> None:
    """Piped to a file, Rich's 80 columns cut a benchmark's cells to '0.…'; output that is
    not a terminal is 160 wide unless COLUMNS says otherwise."""
    import io

    from findeep.console import LOG_WIDTH, _Console

    monkeypatch.delenv("COLUMNS", raising=False)
    assert _Console(file=io.StringIO()).width == LOG_WIDTH
    log = io.StringIO()  # what is printed, not only the width asked: Rich lays out by size
    _Console(file=log).print("word " * 30)
    assert len(log.getvalue().splitlines()[0]) > 120
    monkeypatch.setenv("COLUMNS", "100")
    assert _Console(file=io.StringIO()).width == 100
    assert _Console(file=io.StringIO(), width=90).width == 90


def test_a_full_disk_is_one_line_and_exit_1_but_a_bug_is_not_hidden(monkeypatch) -> None:
    """ENOSPC (and a read-only or forbidden folder) is the machine's state: one line naming
    the file, exit 1; any other OSError still surfaces as the bug it is."""
    import errno

    import pytest
    import typer

    screen = io.StringIO()
    monkeypatch.setattr(console, "err", Console(file=screen, force_terminal=False, width=200))

    @console.friendly
    def full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "scores.csv")

    with pytest.raises(typer.Exit) as ended:
        full()
    assert ended.value.exit_code == 1
    assert screen.getvalue().strip() == (
        "findeep: cannot write or read 'scores.csv': No space left on device.")

    @console.friendly
    def broken() -> None:
        raise OSError(errno.EBADF, "Bad file descriptor")

    with pytest.raises(OSError, match="Bad file descriptor"):
        broken()
