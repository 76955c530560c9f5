"""Progress on long fits: a live bar on a terminal, one rewritten line in a notebook (where
Rich's live bar needs ipywidgets), nothing in a log file."""

from __future__ import annotations

import pytest
from rich.console import Console

from findeep.train.progress import EpochBar, LineBar, count_progress, epoch_progress


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


def test_work_counted_in_its_own_units_gets_a_bar_a_line_or_nothing(monkeypatch,
                                                                      capsys) -> None:
    import rich.console

    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)
    with count_progress("training catboost", 1000, "trees", verbose=1) as advance:
        for done in (1, 500, 1000):
            advance(done)
    err = capsys.readouterr().err
    assert err.count("\r") == 3 and err.endswith("\n")
    assert "training catboost: 1,000/1,000 trees" in err
    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: False)
    for terminal in (False, True):
        monkeypatch.setattr(Console, "is_terminal", property(lambda self, t=terminal: t))
        with count_progress("training catboost", 1000, "trees", verbose=1) as advance:
            assert callable(advance) if terminal else advance is None
            if terminal:
                advance(10)
        with count_progress("training catboost", 1000, "trees", verbose=0) as advance:
            assert advance is None
