"""Progress on long fits: a live bar on a terminal, one rewritten line in a notebook (where
Rich's live bar needs ipywidgets), nothing in a log file."""

from __future__ import annotations

import pytest
from rich.console import Console

from findeep.train.progress import EpochBar, LineBar, epoch_progress


def test_a_notebook_gets_one_rewritten_line_per_fit(monkeypatch, capsys) -> None:
    """verbose=1 showed nothing in Jupyter: Rich calls a notebook's console no terminal."""
    import rich.console

    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)
    with epoch_progress("training default", 3, verbose=1) as bar:
        assert isinstance(bar, LineBar)
        for epoch in (1, 2, 3):
            bar(epoch, {"valid_score": 0.8 + epoch / 100})
    err = capsys.readouterr().err
    assert err.count("\r") == 3 and err.endswith("\n")
    assert "training default: epoch 3/3  valid 0.8300" in err


@pytest.mark.parametrize(("terminal", "expected"), [(False, type(None)), (True, EpochBar)])
def test_a_terminal_gets_a_bar_and_a_log_file_nothing(monkeypatch, terminal, expected) -> None:
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: terminal))
    with epoch_progress("training default", 3, verbose=1) as bar:
        assert isinstance(bar, expected)
    with epoch_progress("training default", 3, verbose=0) as bar:
        assert bar is None
