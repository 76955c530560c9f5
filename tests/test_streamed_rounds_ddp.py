"""Two torch.distributed processes on a table whose pass is cut into rounds: both ranks cut
it the same way, and a resume from a checkpoint inside a pass ends at the weights of the run
that was never interrupted."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from safetensors.torch import load_file

import findeep
from findeep.testing import make_credit_frame

ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1",
       "PYTHONPATH": str(Path(findeep.__file__).parents[1])}


def _command(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "findeep", "train", str(data), "--target", "default",
            "--out", str(out), "--nproc-per-node", "2", "--max-epochs", "1",
            "--patience", "50", "--quiet", *extra]


def _point_latest_at(checkpoints: Path, name: str) -> None:
    """``latest.json`` naming the checkpoint ``name``, as a run that stopped after it left it."""
    folder = checkpoints / name
    pointer = {"checkpoint": name, "epoch": int(name.split("-")[1]),
               "sha256": {f: hashlib.sha256((folder / f).read_bytes()).hexdigest()
                          for f in ("state.safetensors", "state.json")}}
    (checkpoints / "latest.json").write_text(json.dumps(pointer))


def test_two_ranks_look_every_round_and_resume_inside_a_pass_to_the_same_weights(tmp_path):
    # 60,000 rows: 38,400 fit (two ranks of 6 row groups' rows each), 9,600 validating, a
    # global batch of 512: 75 steps a pass, cut into 2 rounds of at most 64 steps
    data = tmp_path / "tall.parquet"
    make_credit_frame(60_000, seed=5).drop(columns=["applied_on"]).to_parquet(
        data, row_group_size=5_000)
    checkpoints = tmp_path / "ckpt"
    straight = subprocess.run(_command(data, tmp_path / "straight", "--checkpoint-dir",
                                       str(checkpoints)), env=ENV, capture_output=True,
                              text=True)
    assert straight.returncode == 0, straight.stderr
    training = findeep.load(tmp_path / "straight").training_
    assert training["processes"] == 2 and training["epochs_run"] == 2  # 1 pass x 2 rounds
    assert 0 < training["epoch_rows"] < training["fit_rows"]
    assert [r["epoch"] for r in training["history"]] == [1, 2]
    # the run as if it had been stopped after the pass's first round
    assert sorted(p.name for p in checkpoints.glob("epoch-*")) == ["epoch-0001", "epoch-0002"]
    _point_latest_at(checkpoints, "epoch-0001")
    resumed = subprocess.run(_command(data, tmp_path / "resumed", "--checkpoint-dir",
                                      str(checkpoints), "--resume"), env=ENV,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    again = findeep.load(tmp_path / "resumed").training_
    assert again["resumed_after_epoch"] == 1 and again["epochs_run"] == 2
    assert again["history"] == training["history"]
    a, b = (load_file(tmp_path / name / "model.safetensors") for name in ("straight", "resumed"))
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)
