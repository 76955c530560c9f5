"""Streamed training and scoring treat a table as the in-memory path does: column kinds from
the whole table, options checked before any row is read, counts over every row group; and
what a killed or interrupted job leaves behind is cleared or explained."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
import findeep.streamed as streamed
import findeep.train.distributed as distributed
from findeep.data.schema import infer_schema
from findeep.errors import FindeepError
from findeep.testing import make_credit_frame
from tests.cli_helpers import assert_one_line_error, run


@pytest.fixture(scope="module")
def credit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 rows in row groups of 500."""
    path = tmp_path_factory.mktemp("credit") / "credit.parquet"
    make_credit_frame(2_000, seed=3).drop(columns=["applied_on"]).to_parquet(
        path, row_group_size=500)
    return path


@pytest.fixture(scope="module")
def bundle(credit: Path) -> Path:
    out = credit.parent / "bundle"
    streamed.train_streamed(credit, target="default", out=out, verbose=0,
                            train_options={"max_epochs": 1})
    return out


def _drifting_table(path: Path) -> pd.DataFrame:
    """6,000 rows whose first rows mislead: 'bonus' is empty for the first 3,000, 'age' turns
    to text codes from row 3,500, 'branch' from "0"-"8" to "B0"-"B8" at row 4,500, 'flag' takes
    two values and then nine, 'plan' one value and then a second."""
    rng = np.random.default_rng(0)
    frame = make_credit_frame(6_000, seed=8).drop(columns=["applied_on"])
    n = len(frame)
    rows = np.arange(n)
    age = frame["age"].astype(str).astype(object)
    age[(rows >= 3_500) & (rng.random(n) < 0.3)] = "X9"
    frame["age"] = age
    frame["branch"] = [f"B{i % 9}" if i >= 4_500 else str(i % 9) for i in rows]
    frame["bonus"] = np.where(rows < 3_000, np.nan, rng.normal(1_000, 100, n))
    frame["flag"] = np.where(rows < 2_000, rng.integers(0, 2, n), rng.integers(0, 9, n))
    frame["plan"] = np.where(rows == 5_000, "premium", "basic")
    frame.to_parquet(path, row_group_size=500)
    return frame


def test_streamed_column_kinds_are_the_whole_tables_not_the_first_rows(tmp_path, monkeypatch):
    """Kinds told from the first rows only (here 1,000, as if they were 50,000) are corrected
    by the rest of the table: the bundle's kinds are those infer_schema gives the whole table
    in memory (was: 'bonus has no values at all', 'age' and 'branch' numeric); a column empty
    in every row is still refused."""
    monkeypatch.setattr(streamed, "SCHEMA_ROWS", 1_000)
    frame = _drifting_table(tmp_path / "drift.parquet")
    result = run("train", tmp_path / "drift.parquet", "--target", "default", "--out",
                 tmp_path / "model", "--stream", "--max-epochs", "1", "--quiet")
    assert result.exit_code == 0, result.output
    kinds = {c.name: c.kind for c in findeep.load(tmp_path / "model").pipeline_.schema.columns}
    whole = infer_schema(frame.drop(columns=["default"]), warn=False)
    assert kinds == {c.name: c.kind for c in whole.columns}
    assert kinds["bonus"] == "numeric" and kinds["flag"] == "numeric"
    assert kinds["age"] == kinds["branch"] == kinds["plan"] == "categorical"
    # looking past the first rows does not hide a column that has no value in any of them
    frame.assign(bonus=np.nan).to_parquet(tmp_path / "empty.parquet", row_group_size=500)
    result = run("train", tmp_path / "empty.parquet", "--target", "default", "--out",
                 tmp_path / "empty", "--stream", "--quiet")
    assert_one_line_error(result, "'bonus' have no values at all")


@pytest.mark.parametrize(("option", "value", "named"), [
    ("--validation-fraction", "1.5", "validation_fraction"),
    ("--validation-fraction", "0", "validation_fraction"),
    ("--model-options", '{"nonsense": 1}', "nonsense"),
    ("--max-epochs", "0", "max_epochs"),
])
def test_streamed_training_refuses_a_bad_option_naming_it(credit, tmp_path, monkeypatch,
                                                          option, value, named):
    """A bad option is refused as in memory, naming the option, before any row is read (was:
    'too few rows with a default value', or accepted silently)."""
    def no_reading(*args, **kwargs):
        raise AssertionError("the data was read before the options were checked")

    monkeypatch.setattr(streamed, "ParquetSource", no_reading)
    result = run("train", credit, "--target", "default", "--out", tmp_path / "model",
                 "--stream", "--quiet", option, value)
    assert_one_line_error(result, named)
    assert "too few rows" not in result.stderr


def test_missing_dates_are_counted_over_every_row_group_as_in_memory(tmp_path):
    """The time column's missing values are counted over the whole table: the streamed
    error names the same count as the in-memory one (was: one row group's count)."""
    frame = make_credit_frame(2_000, seed=6)
    frame.loc[frame.index % 50 == 7, "applied_on"] = None  # 40 rows, in every row group
    frame.to_parquet(tmp_path / "dated.parquet", row_group_size=500)
    errors = []
    for stream in ("--stream", "--no-stream"):
        result = run("train", tmp_path / "dated.parquet", "--target", "default", "--out",
                     tmp_path / "model", "--time-column", "applied_on", "--quiet", stream)
        assert_one_line_error(result, "has 40 missing value(s)")
        errors.append(result.stderr)
    assert errors[0] == errors[1]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_rerun_removes_the_partial_file_a_killed_streamed_predict_left(bundle, credit,
                                                                        tmp_path):
    """A streamed predict killed with -9 leaves '.NAME.tmp-PID'; the next streamed predict of
    the same output removes it, and leaves alone the one of a write still running."""
    out = tmp_path / "scores.parquet"
    dead = tmp_path / f".scores.parquet.tmp-{_dead_pid()}"
    running = tmp_path / f".scores.parquet.tmp-{os.getppid()}"
    other = tmp_path / f".other.parquet.tmp-{_dead_pid()}"
    for partial in (dead, running, other):
        partial.write_bytes(b"PAR1 half a row group")
    result = run("predict", bundle, credit, "--out", out, "--stream")
    assert result.exit_code == 0, result.output
    assert not dead.exists()
    assert running.exists() and other.exists()
    assert len(pd.read_parquet(out)) == 2_000


def test_streamed_predict_reports_its_progress_in_rows(bundle, credit, tmp_path):
    """``on_rows`` hears (rows scored, rows in all) after every chunk, ending at the total."""
    calls: list[tuple[int, int]] = []
    streamed.predict_streamed(bundle, credit, tmp_path / "scores.csv", chunk_rows=500,
                              on_rows=lambda done, total: calls.append((done, total)))
    assert calls == [(500, 2_000), (1_000, 2_000), (1_500, 2_000), (2_000, 2_000)]


def test_an_interrupted_streamed_training_mentions_resume_only_with_checkpoints(tmp_path):
    """Without --checkpoint-dir there is nothing to resume, and the line does not say so."""
    assert "--resume" not in streamed.interrupted_message(None)
    line = streamed.interrupted_message(tmp_path / "ckpt")
    assert "--resume" in line and str(tmp_path / "ckpt") in line


KILLED_RANK = """Root Cause (first observed failure):
[0]:
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 1234)
"""


def _failed_launch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str,
                   rank_error: str | None = None) -> str:
    """The one line ``launch`` raises when its ranks fail as given (no process started)."""
    logs = tmp_path / f"logs-{len(list(tmp_path.iterdir()))}"

    def ranks_fail(command, *, stderr, **kwargs):
        if rank_error is None:
            stderr.write(KILLED_RANK)
        else:
            (logs / "attempt_0" / "0").mkdir(parents=True)
            (logs / "attempt_0" / "0" / "stderr.log").write_text(f"findeep: {rank_error}\n")
        return subprocess.CompletedProcess(command, 1)

    monkeypatch.setattr(distributed.subprocess, "run", ranks_fail)
    with pytest.raises(FindeepError) as caught:
        distributed.launch(2, ["train", "data", "--target", "default", *args], log_dir=logs)
    return str(caught.value)


def test_the_resume_hint_follows_only_failures_a_resume_can_help(tmp_path, monkeypatch):
    """A killed rank of a checkpointed run says 'rerun with --resume'; a rank's own error
    (a misspelt target, a refused resume) and any run without --checkpoint-dir do not."""
    killed = _failed_launch(tmp_path, monkeypatch, "--checkpoint-dir", "ckpt")
    assert killed.startswith("rank 1 was stopped by signal 9") and "--resume" in killed
    assert "--resume" not in _failed_launch(tmp_path, monkeypatch)
    refused = _failed_launch(tmp_path, monkeypatch, "--checkpoint-dir=ckpt",
                             rank_error="target column 'defualt' is not in the data.")
    assert refused == "rank 0 stopped: target column 'defualt' is not in the data."


@pytest.mark.parametrize("checkpoints", [False, True])
def test_ctrl_c_in_streamed_training_is_one_line_and_exit_130(credit, tmp_path, monkeypatch,
                                                              checkpoints):
    """typer used to turn Ctrl-C into a silent exit 130: the line now says whether the saved
    epochs can be resumed from (only when there are checkpoints)."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(streamed, "train_streamed", interrupted)
    extra = ("--checkpoint-dir", tmp_path / "ckpt") if checkpoints else ("--stream",)
    result = run("train", credit, "--target", "default", "--out", tmp_path / "m", *extra)
    assert result.exit_code == 130
    said = " ".join(result.stderr.split())
    assert said.startswith("findeep: interrupted;") and ("--resume" in said) == checkpoints
    assert "Traceback" not in result.output


def test_ctrl_c_in_any_command_is_one_line_and_exit_130(bundle, credit, tmp_path,
                                                        monkeypatch):
    import findeep.workflow as workflow

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(workflow, "predict_bundle", interrupted)
    data = tmp_path / "rows.csv"
    pd.read_parquet(credit).head(50).to_csv(data, index=False)
    result = run("predict", bundle, data, "--out", tmp_path / "s.csv")
    assert result.exit_code == 130
    assert result.stderr.strip() == "findeep: interrupted; outputs not finished were not written."


def test_a_misspelt_target_is_refused_before_any_rank_is_launched(credit, tmp_path,
                                                                  monkeypatch):
    """It took 27 s of two ranks starting and failing; now one line from the schema alone."""
    import findeep.cli as cli

    launched: list[int] = []
    monkeypatch.setattr(cli, "_launch_ranks", lambda *a, **k: launched.append(1))
    assert_one_line_error(run("train", credit, "--target", "defualt", "--out", tmp_path / "m",
                              "--nproc-per-node", "2"),
                          "target column 'defualt' is not in the data", "Did you mean")
    assert launched == []


def test_an_in_memory_predict_also_removes_what_a_killed_write_left(bundle, credit, tmp_path):
    """The whole-table writer names its temporary file the same way, and clears it alike."""
    out = tmp_path / "scores.csv"
    dead = tmp_path / f".scores.csv.tmp-{_dead_pid()}"
    dead.write_text("half a")
    result = run("predict", bundle, credit, "--out", out, "--no-stream")
    assert result.exit_code == 0, result.output
    assert not dead.exists() and len(pd.read_csv(out)) == 2_000


def test_a_long_streamed_epoch_moves_the_bar_within_the_epoch(credit, tmp_path, monkeypatch):
    """The bar moved only at each epoch's end (25 s apart on 1M rows): the hook's ``step``
    now hears steps taken within the epoch, in order, before the epoch ends."""
    from contextlib import contextmanager

    heard: list[tuple] = []

    class Recorder:
        def __call__(self, epoch, record):
            heard.append(("end", epoch))

        def step(self, epoch, done, per_epoch):
            heard.append(("step", epoch, done, per_epoch))

    @contextmanager
    def recorded(description, max_epochs, verbose):
        yield Recorder()

    monkeypatch.setattr(streamed, "epoch_progress", recorded)
    streamed.train_streamed(credit, target="default", out=tmp_path / "m", verbose=1,
                            train_options={"max_epochs": 2, "batch_size": 64})
    steps = [h for h in heard if h[0] == "step" and h[1] == 1]
    assert len(steps) >= 5 and [h[2] for h in steps] == sorted(h[2] for h in steps)
    assert heard.index(("end", 1)) > heard.index(steps[-1])
    assert all(h[2] <= h[3] for h in steps)


def test_a_failed_launch_leaves_no_rank_logs_its_sentence_does_not_point_to(
        tmp_path, monkeypatch):
    """Without --log-dir the ranks' logs go to a temporary folder: removed when the one line
    already says what went wrong, kept (and named) when it does not."""
    import tempfile

    made = tmp_path / "made"
    monkeypatch.setattr(tempfile, "mkdtemp", lambda prefix="": (made.mkdir(), str(made))[1])

    def rank_refuses(command, *, stderr, **kwargs):
        (made / "attempt_0" / "0").mkdir(parents=True)
        (made / "attempt_0" / "0" / "stderr.log").write_text("findeep: no such target.\n")
        return subprocess.CompletedProcess(command, 1)

    monkeypatch.setattr(distributed.subprocess, "run", rank_refuses)
    with pytest.raises(FindeepError, match="rank 0 stopped: no such target"):
        distributed.launch(2, ["train", "data"])
    assert not made.exists()

    def rank_dies_silently(command, *, stderr, **kwargs):
        return subprocess.CompletedProcess(command, 1)

    monkeypatch.setattr(distributed.subprocess, "run", rank_dies_silently)
    with pytest.raises(FindeepError, match="the ranks' logs are in") as caught:
        distributed.launch(2, ["train", "data"])
    assert str(made) in str(caught.value) and made.exists()
