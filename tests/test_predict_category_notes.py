"""`findeep predict`: unseen levels and missing values scored as the unknown level are a
warning on stderr (counted apart), on the in-memory and the streamed path alike; the streamed
path reads each chunk as training read its table (empty columns, off-scale numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from findeep.testing import make_credit_frame
from tests.cli_helpers import run


@pytest.fixture(scope="module")
def bundle_and_rows(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("notes")
    frame = make_credit_frame(800, seed=2).drop(columns=["applied_on"])
    y = frame.pop("default")
    findeep.TabularClassifier(max_epochs=2, bagging=1).fit(frame, y).save(folder / "m")
    rows = make_credit_frame(200, seed=9).drop(columns=["applied_on", "default"])
    return folder / "m", rows


@pytest.mark.parametrize("streamed", [False, True])
def test_unseen_levels_are_a_warning_on_stderr_not_a_result_line(bundle_and_rows, tmp_path,
                                                                 streamed):
    bundle, rows = bundle_and_rows
    column = "purpose"  # a categorical column of make_credit_frame
    rows = rows.assign(**{column: ["never-seen"] * 10 + list(rows[column].iloc[10:])})
    data = tmp_path / "rows.parquet"
    rows.to_parquet(data, row_group_size=50)
    result = run("predict", bundle, data, "--out", tmp_path / "s.csv",
                 *(["--stream"] if streamed else []))
    assert result.exit_code == 0, result.output
    assert "never seen in training" in result.stderr and f"'{column}' 10" in result.stderr
    assert "never seen" not in result.stdout and "unknown" not in result.stdout


def test_streamed_scoring_names_a_column_with_no_values(bundle_and_rows, tmp_path):
    """A broken join upstream: a column empty in every row is named, as in memory."""
    bundle, rows = bundle_and_rows
    numeric = next(c for c in rows.columns if rows[c].dtype.kind == "f")
    data = tmp_path / "rows.parquet"
    rows.assign(**{numeric: np.nan}).to_parquet(data, row_group_size=50)
    result = run("predict", bundle, data, "--out", tmp_path / "s.csv", "--stream")
    assert result.exit_code == 0, result.output
    assert "have no value in any" in result.stderr and f"'{numeric}'" in result.stderr


@pytest.mark.parametrize("command", [
    ("evaluate",),
    ("dependence", "--column", "income"),
    ("explain", "--surrogate"),
    ("fairness", "--protected", "purpose"),
    ("drift",),
])
def test_every_command_that_scores_rows_says_which_categories_it_never_saw(
        bundle_and_rows, tmp_path, command):
    """evaluate, dependence, the surrogate, fairness and drift score the rows as predict
    does, so they warn
    as predict does: once, counting the rows as given (a sweep scores each row once per grid
    value, which must not multiply the count). They used to say nothing: metrics of rows
    whose 'purpose' the model scored as unknown, with no hint."""
    bundle, rows = bundle_and_rows
    labelled = rows.assign(default=np.arange(len(rows)) % 2,
                           purpose=["never-seen"] * 10 + list(rows["purpose"].iloc[10:]))
    data = tmp_path / "rows.csv"
    labelled.to_csv(data, index=False)
    result = run(command[0], bundle, data, *command[1:])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "never seen in training" in line]
    assert len(notes) == 1, result.stderr
    assert "'purpose' 10" in notes[0] and "of 200 rows" in notes[0]
    assert "never seen in training" not in result.stdout  # said once, with the warnings
