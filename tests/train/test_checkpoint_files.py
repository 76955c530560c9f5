"""Checkpoints on disk: readable by the user's group as the umask allows, and loadable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import torch

from findeep.train.checkpoint import TrainingState, load_checkpoint, save_checkpoint


def _state(epoch: int) -> TrainingState:
    return TrainingState(epoch, epoch, 0.5, [{"epoch": epoch}], {"w": torch.arange(4.0)},
                         {"w": torch.arange(4.0)},
                         {"state": {}, "param_groups": []}, {"last_epoch": epoch},
                         torch.get_rng_state())


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_checkpoint_files_get_the_permissions_the_umask_gives(tmp_path: Path, umask: int):
    previous = os.umask(umask)
    try:
        folder = save_checkpoint(tmp_path / "ckpt", _state(1))
    finally:
        os.umask(previous)
    for path, full in ((folder, 0o777), (folder / "state.safetensors", 0o666),
                       (folder / "state.json", 0o666), (tmp_path / "ckpt" / "latest.json", 0o666)):
        assert stat.S_IMODE(path.stat().st_mode) == full & ~umask, path
    assert load_checkpoint(tmp_path / "ckpt").epoch == 1
