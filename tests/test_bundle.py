from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import findeep
from findeep.bundle import write_bundle
from findeep.errors import BundleError
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def model_and_data() -> tuple[findeep.TabularClassifier, pd.DataFrame]:
    frame = make_credit_frame(600, seed=11).drop(columns=["applied_on"])
    y = frame.pop("default")
    # one network: bags are served, saved, explained and exported in tests/train/test_bagging.py
    return findeep.TabularClassifier(max_epochs=3, bagging=1).fit(frame, y), frame


def test_saved_bundle_reloads_with_identical_predictions(model_and_data, tmp_path: Path) -> None:
    """load(save(model)) predicts exactly what the model predicted."""
    model, frame = model_and_data
    model.save(tmp_path / "b")
    again = findeep.load(tmp_path / "b")
    np.testing.assert_array_equal(again.predict_proba(frame), model.predict_proba(frame))
    assert list(again.classes_) == list(model.classes_)


def test_bundle_holds_no_pickle_only_json_and_safetensors(model_and_data, tmp_path: Path) -> None:
    """Every file is JSON or safetensors; none starts with a pickle opcode."""
    model, _ = model_and_data
    path = model.save(tmp_path / "b")
    names = sorted(p.name for p in path.iterdir())
    assert names == ["bundle.json", "checksums.json", "model.safetensors"]
    for p in path.iterdir():
        assert not p.read_bytes().startswith(b"\x80")
    meta = json.loads((path / "bundle.json").read_text())
    for key in ("schema", "preprocessing", "model", "versions", "data_fingerprint",
                "weights_sha256", "target", "training"):
        assert key in meta


def test_one_flipped_byte_in_the_weights_is_refused(model_and_data, tmp_path: Path) -> None:
    """Tampering with model.safetensors makes load fail with a checksum error."""
    model, _ = model_and_data
    path = model.save(tmp_path / "b")
    weights = path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="checksum mismatch"):
        findeep.load(path)


def test_existing_bundle_is_kept_without_force(model_and_data, tmp_path: Path) -> None:
    """Saving over a bundle fails without force and leaves it intact; force replaces it."""
    model, _ = model_and_data
    path = model.save(tmp_path / "b")
    before = (path / "checksums.json").read_text()
    with pytest.raises(BundleError, match="already exists"):
        model.save(path)
    assert (path / "checksums.json").read_text() == before
    model.save(path, force=True)
    findeep.load(path)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_failed_save_leaves_no_partial_bundle(model_and_data, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing fails midway, neither the bundle nor a temp dir remains."""
    import findeep.bundle as bundle_module

    model, _ = model_and_data

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(bundle_module, "_write_json", explode)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "b")
    assert list(tmp_path.iterdir()) == []


def test_loading_a_non_bundle_is_a_clear_error(tmp_path: Path) -> None:
    """A plain directory is not mistaken for a bundle."""
    with pytest.raises(BundleError, match="not a findeep bundle"):
        findeep.load(tmp_path)


@pytest.mark.parametrize(("umask", "file_mode", "folder_mode"),
                         [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_a_bundle_gets_the_permissions_the_umask_gives(
        tmp_path: Path, umask: int, file_mode: int, folder_mode: int) -> None:
    """Every file of a bundle, weights included, and its folder are as readable as what the
    user makes (0644/0755 under umask 022), so a bundle on a team share can be loaded."""
    previous = os.umask(umask)
    try:
        path = write_bundle(tmp_path / "model", kind="test", meta={},
                            tensors={"weight": torch.zeros(3)}, metrics={"rows": 1})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == folder_mode
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.iterdir()}
    assert set(modes) == {"bundle.json", "model.safetensors", "metrics.json", "checksums.json"}
    assert set(modes.values()) == {file_mode}


def _dead_pid() -> int:
    """The id of a process that has already exited."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_save_removes_what_a_killed_save_left(tmp_path: Path) -> None:
    """kill -9 mid-save leaves a hidden staging copy (or the bundle it was retiring); the
    next save of that path removes those of dead processes and keeps a live save's own."""
    import subprocess
    import sys

    dead = _dead_pid()
    leftovers = [tmp_path / f".m.staging-{dead}-x1y2", tmp_path / f".m.old-{dead}"]
    runner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".m.staging-{runner.pid}-a1b2"  # another save still running
        unrelated = tmp_path / ".m.notes"  # not a findeep staging name: never touched
        for folder in (*leftovers, live, unrelated):
            folder.mkdir()
            (folder / "model.safetensors").write_bytes(b"half")
        write_bundle(tmp_path / "m", kind="test", meta={}, tensors={"w": torch.zeros(2)})
        assert not any(folder.exists() for folder in leftovers)
        assert live.exists() and unrelated.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [".m.notes", live.name, "m"])
    finally:
        runner.kill()
        runner.wait()
