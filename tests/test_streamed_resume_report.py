"""A ``--resume`` run says where it took over: the checkpoint's epoch and what it trained since."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import findeep.streamed as streamed
from findeep.testing import make_credit_frame
from findeep.views import resume_line, training_lines

OPTIONS = {"max_epochs": 3, "batch_size": 128, "patience": 6}


@pytest.fixture(scope="module")
def checkpointed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished 3-epoch streamed run and its checkpoint directory (epochs 2 and 3 kept)."""
    folder = tmp_path_factory.mktemp("resume")
    data = folder / "data.parquet"
    make_credit_frame(2_000, seed=5).drop(columns=["applied_on"]).to_parquet(
        data, row_group_size=500)
    checkpoints = folder / "ckpt"
    streamed.train_streamed(data, target="default", out=folder / "first", verbose=0,
                            train_options=OPTIONS, checkpoint_dir=checkpoints)
    return data, checkpoints


def _point_latest_at(checkpoints: Path, epoch: int) -> None:
    """Make the epoch-``epoch`` checkpoint the latest, as if the run had died after it."""
    name = f"epoch-{epoch:04d}"
    digests = {f: hashlib.sha256((checkpoints / name / f).read_bytes()).hexdigest()
               for f in ("state.safetensors", "state.json")}
    (checkpoints / "latest.json").write_text(
        json.dumps({"checkpoint": name, "epoch": epoch, "sha256": digests}))


def _resume_from(checkpointed_run: tuple[Path, Path], epoch: int, out: Path) -> dict:
    """A --resume run whose latest checkpoint is epoch ``epoch``: its report."""
    data, checkpoints = checkpointed_run
    _point_latest_at(checkpoints, epoch)
    return streamed.train_streamed(data, target="default", out=out, verbose=0,
                                   train_options=OPTIONS, checkpoint_dir=checkpoints, resume=True)


def _lines(report: dict) -> list[str]:
    return [line for line in training_lines(report) if isinstance(line, str)]


def test_a_resumed_run_records_and_says_the_epoch_it_took_over_from(checkpointed_run, tmp_path):
    report = _resume_from(checkpointed_run, 2, tmp_path / "resumed")
    training = report["training"]
    assert training["resumed_after_epoch"] == 2
    assert training["epochs_run"] == 3
    assert [r["epoch"] for r in training.get("history", [])] in ([], [1, 2, 3])
    expected = ("resumed from the checkpoint after epoch 2: trained epoch 3; best epoch "
                f"{training['best_epoch']}.")
    assert resume_line(training) == expected
    assert expected in _lines(report)


def test_resuming_a_finished_run_says_nothing_was_trained(checkpointed_run, tmp_path):
    """The latest checkpoint ended the run (max epochs): epochs_run stays the checkpoint's."""
    training = _resume_from(checkpointed_run, 3, tmp_path / "again")["training"]
    assert training["resumed_after_epoch"] == 3 and training["epochs_run"] == 3
    assert resume_line(training).startswith(
        "resumed from the checkpoint after epoch 3: that run had already finished, so no "
        "epoch was trained")


def test_a_run_that_did_not_resume_has_no_resume_record(checkpointed_run, tmp_path):
    data, _ = checkpointed_run
    report = streamed.train_streamed(data, target="default", out=tmp_path / "plain",
                                     verbose=0, train_options=OPTIONS)
    assert "resumed_after_epoch" not in report["training"]
    assert not any(line.startswith("resumed from") for line in _lines(report))
