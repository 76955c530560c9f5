"""Two torch.distributed processes on a table whose pass is cut into rounds: both ranks cut
it the same way, a rank killed with -9 stops the run in one line, and a resume from a
checkpoint inside a pass ends at the weights of the run that was never interrupted."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from safetensors.torch import load_file

import findeep
from findeep.streamed import train_streamed
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


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc, no extra dependency)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _kill_a_rank_after_the_first_round(command: list[str], checkpoints: Path) -> str:
    """Start ``command``, kill -9 rank 1 once the first round's checkpoint is written, and
    return what the launching command printed on stderr (it must exit 2)."""
    process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (checkpoints / "epoch-0001").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.01)
    ranks = [pid for parent in _children(process.pid) for pid in _children(parent)]
    assert len(ranks) == 2
    os.kill(ranks[1], signal.SIGKILL)
    stderr = process.communicate(timeout=300)[1]
    assert process.returncode == 2, stderr
    return stderr


def test_two_ranks_look_every_round_survive_a_dead_rank_and_resume_to_the_same_weights(
        tmp_path):
    """--nproc-per-node 2 (gloo, DDP) on a table whose pass is cut into rounds: kill -9 one
    rank after the first round -> one line, no bundle, checkpoints intact; --resume from
    inside the pass ends at the uninterrupted run's weights bit for bit, and the run scores
    like a one-process run."""
    # 60,000 rows: 38,400 fit (two ranks of 6 row groups' rows each), 9,600 validating, a
    # global batch of 512: 75 steps a pass, cut into 2 rounds of at most 64 steps
    data = tmp_path / "tall.parquet"
    make_credit_frame(60_000, seed=5).drop(columns=["applied_on"]).to_parquet(
        data, row_group_size=5_000)
    straight = subprocess.run(_command(data, tmp_path / "straight", "--checkpoint-dir",
                                       str(tmp_path / "straight-ckpt")), env=ENV,
                              capture_output=True, text=True)
    assert straight.returncode == 0, straight.stderr
    training = findeep.load(tmp_path / "straight").training_
    assert training["processes"] == 2 and training["epochs_run"] == 2  # 1 pass x 2 rounds
    assert 0 < training["epoch_rows"] < training["fit_rows"]
    assert [r["epoch"] for r in training["history"]] == [1, 2]

    checkpoints = tmp_path / "ckpt"
    command = _command(data, tmp_path / "resumed", "--checkpoint-dir", str(checkpoints))
    lines = _kill_a_rank_after_the_first_round(command, checkpoints).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("findeep: ") and "--resume" in lines[0]
    assert not (tmp_path / "resumed").exists()
    # the kill lands during the second round, or just after its checkpoint: resume from
    # the first round's, inside the pass, either way
    _point_latest_at(checkpoints, "epoch-0001")
    resumed = subprocess.run([*command, "--resume"], env=ENV, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.count("bundle written") == 1  # the launcher's report, not rank 0's too
    again = findeep.load(tmp_path / "resumed").training_
    assert again["resumed_after_epoch"] == 1 and again["epochs_run"] == 2
    assert again["history"] == training["history"]
    a, b = (load_file(tmp_path / name / "model.safetensors") for name in ("straight", "resumed"))
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)

    one = train_streamed(data, target="default", out=tmp_path / "one", verbose=0,
                         train_options={"max_epochs": 1, "patience": 50})
    auc_two = findeep.load(tmp_path / "straight").pipeline_.metrics["test"]["roc_auc"]
    assert abs(auc_two - one["test"]["roc_auc"]) < 0.01
