"""The CLI's progress bar for long row-by-row work."""

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
