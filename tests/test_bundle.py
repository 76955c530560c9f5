from __future__ import annotations

import json
import os
import shutil
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


def test_a_save_that_finishes_first_is_not_overwritten_without_force(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two saves of one path at once: when another save's bundle appears after this one's
    early check, the final move refuses it ("already exists"), keeps the other bundle and
    leaves no staging folder; with force the later save replaces it."""
    import findeep.bundle as bundle_module

    path = tmp_path / "m"
    real_check = bundle_module.check_writable
    rivals: list[str] = []

    def check_then_a_rival_saves(target, *, force):
        checked = real_check(target, force=force)
        if not rivals:  # the rival's own save goes through this check too
            rivals.append("rival")
            write_bundle(target, kind="test", meta={"who": "rival"},
                         tensors={"w": torch.zeros(2)})
        return checked

    monkeypatch.setattr(bundle_module, "check_writable", check_then_a_rival_saves)
    with pytest.raises(BundleError, match="already exists; pass --force"):
        write_bundle(path, kind="test", meta={"who": "late"}, tensors={"w": torch.ones(2)})
    meta, tensors = bundle_module.read_bundle(path)
    assert meta["who"] == "rival" and torch.equal(tensors["w"], torch.zeros(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]

    shutil.rmtree(path)
    rivals.clear()
    write_bundle(path, kind="test", meta={"who": "late"}, tensors={"w": torch.ones(2)},
                 force=True)
    assert bundle_module.read_bundle(path)[0]["who"] == "late"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


@pytest.mark.parametrize("appeared", ["bundle", "file", "empty folder"])
def test_the_move_without_renameat2_still_refuses_what_appeared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, appeared: str) -> None:
    """Where the system has no no-replace rename, the final move still refuses a bundle, a
    file or a folder that appeared at the path, and leaves it as it was."""
    import findeep.bundle as bundle_module

    monkeypatch.setattr(bundle_module, "_renameat2", lambda: None)
    staging = tmp_path / ".m.staging"
    staging.mkdir()
    (staging / "bundle.json").write_text("{}")
    path = tmp_path / "m"
    if appeared == "bundle":
        path.mkdir()
        (path / "bundle.json").write_text('{"who": "rival"}')
    elif appeared == "file":
        path.write_text("notes")
    else:
        path.mkdir()
    with pytest.raises(BundleError, match="already exists"):
        bundle_module._swap_into_place(staging, path, force=False)
    assert staging.is_dir()  # write_bundle removes it
    if appeared == "bundle":
        assert (path / "bundle.json").read_text() == '{"who": "rival"}'
    elif appeared == "file":
        assert path.read_text() == "notes"
    else:
        assert list(path.iterdir()) == []
    if path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path)
    bundle_module._swap_into_place(staging, path, force=False)
    assert (path / "bundle.json").is_file() and not staging.exists()


def test_parallel_saves_of_one_path_leave_one_success(model_and_data, tmp_path: Path) -> None:
    """Saves racing in forked processes: exactly one succeeds, the others say "already
    exists", and the bundle on disk is the one that succeeded."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    model, _ = model_and_data
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()

    def save(verbose: int) -> None:
        model.set_params(verbose=verbose)  # in a forked copy: nothing shared
        go.wait()
        try:
            model.save(tmp_path / "race")
            results.put((verbose, "ok"))
        except BundleError as error:
            results.put((verbose, str(error)))

    racers = [context.Process(target=save, args=(i,)) for i in range(3)]
    for racer in racers:
        racer.start()
    go.set()
    for racer in racers:
        racer.join(timeout=120)
    outcomes = dict(results.get(timeout=5) for _ in racers)
    winners = [i for i, outcome in outcomes.items() if outcome == "ok"]
    assert len(winners) == 1, outcomes
    assert all("already exists" in outcome for outcome in outcomes.values() if outcome != "ok")
    saved = json.loads((tmp_path / "race" / "bundle.json").read_text())
    assert saved["params"]["verbose"] == winners[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race"]


def _saved_bundle(model_and_data, tmp_path: Path) -> Path:
    model, _ = model_and_data
    return model.save(tmp_path / "b")


def _rewrite_with_checksum(path: Path, name: str, text: str) -> None:
    """Damage ``name`` and record its new checksum, as a careless hand edit would."""
    import hashlib

    (path / name).write_text(text)
    checksums = json.loads((path / "checksums.json").read_text())
    checksums[name] = hashlib.sha256(text.encode()).hexdigest()
    (path / "checksums.json").write_text(json.dumps(checksums))


@pytest.mark.parametrize(("checksums", "says"), [
    ('"bundle.json model.safetensors"', "holds a JSON string, not an object"),
    ("5", "holds a JSON number, not an object"),
    ('["bundle.json", "model.safetensors"]', "holds a JSON list, not an object"),
    ('{"bundle.json": 5, "model.safetensors": "ab"}', "gives 5 for bundle.json, not a sha256"),
])
def test_a_checksums_file_that_is_not_a_map_of_digests_is_a_bundle_error(
        model_and_data, tmp_path: Path, checksums: str, says: str) -> None:
    """checksums.json that is not {file name: sha256 hex} names the file and what is wrong."""
    path = _saved_bundle(model_and_data, tmp_path)
    (path / "checksums.json").write_text(checksums)
    with pytest.raises(BundleError, match=says) as caught:
        findeep.load(path)
    assert "checksums.json" in str(caught.value)


@pytest.mark.parametrize(("document", "says"), [
    ("{broken", "bundle.json' is not valid JSON"),
    ("[1, 2]", "bundle.json' holds a JSON list, not an object"),
    ('{"format": "findeep-bundle", "format_version": "2"}', "gives format_version '2'"),
])
def test_a_damaged_document_with_a_matching_checksum_is_a_bundle_error(
        model_and_data, tmp_path: Path, document: str, says: str) -> None:
    """bundle.json that is not a readable document is refused with BundleError, even when
    its checksum was updated to match."""
    path = _saved_bundle(model_and_data, tmp_path)
    _rewrite_with_checksum(path, "bundle.json", document)
    with pytest.raises(BundleError, match=says):
        findeep.load(path)


def test_a_damaged_metrics_file_with_a_matching_checksum_is_a_bundle_error(tmp_path: Path) -> None:
    """metrics.json that is not a JSON object is refused with BundleError naming it."""
    from findeep.bundle import read_metrics

    path = write_bundle(tmp_path / "m", kind="test", meta={}, tensors={"w": torch.zeros(2)},
                        metrics={"auc": 0.7})
    _rewrite_with_checksum(path, "metrics.json", "{broken")
    with pytest.raises(BundleError, match=r"metrics\.json' is not valid JSON"):
        read_metrics(path)


def test_the_cli_reports_a_damaged_bundle_in_one_line(model_and_data, tmp_path: Path) -> None:
    """`findeep predict` on a bundle whose checksums.json is a string: exit 2, one line."""
    from cli_helpers import assert_one_line_error, run

    _, frame = model_and_data
    path = _saved_bundle(model_and_data, tmp_path)
    (path / "checksums.json").write_text('"bundle.json model.safetensors"\n')
    frame.head(5).to_csv(tmp_path / "rows.csv", index=False)
    result = run("predict", path, tmp_path / "rows.csv", "--out", tmp_path / "scores.csv")
    assert_one_line_error(result, "checksums.json", "not an object")
    assert not (tmp_path / "scores.csv").exists()


@pytest.mark.parametrize("entry", ["calibration", "schema", "model"])
def test_a_document_missing_an_entry_is_a_bundle_error_naming_it(
        model_and_data, tmp_path: Path, entry: str) -> None:
    """bundle.json without an entry its loader needs (checksum updated to match, as a hand
    edit would) is refused with BundleError naming the file and the entry, not KeyError;
    the CLI says so in one line with exit 2."""
    from cli_helpers import assert_one_line_error, run

    path = _saved_bundle(model_and_data, tmp_path)
    document = json.loads((path / "bundle.json").read_text())
    del document[entry]
    _rewrite_with_checksum(path, "bundle.json", json.dumps(document))
    with pytest.raises(BundleError, match=rf"bundle\.json' has no entry '{entry}'"):
        findeep.load(path)
    _, frame = model_and_data
    frame.head(5).to_csv(tmp_path / "rows.csv", index=False)
    result = run("predict", path, tmp_path / "rows.csv", "--out", tmp_path / "scores.csv")
    assert_one_line_error(result, "has no entry", entry)


def test_a_bundle_written_before_a_new_empty_buffer_still_loads(model_and_data,
                                                              tmp_path: Path) -> None:
    """Bundles written before the network gained its (empty unless used) `level_values`
    buffer were refused as "weights do not fit"; they score as they did. A missing weight
    that holds values is still refused."""
    from findeep.bundle import read_bundle

    model, frame = model_and_data
    model.save(tmp_path / "new")
    meta, tensors = read_bundle(tmp_path / "new")
    empty = [name for name, value in tensors.items() if value.numel() == 0]
    assert any(name.endswith("level_values") for name in empty)
    meta.pop("weights_sha256", None)  # write_bundle records the new file's digest
    older = {name: value for name, value in tensors.items() if name not in empty}
    write_bundle(tmp_path / "old", kind=meta["kind"], meta=meta, tensors=older)
    np.testing.assert_array_equal(findeep.load(tmp_path / "old").predict_proba(frame),
                                  model.predict_proba(frame))
    weight = next(name for name, value in tensors.items() if value.numel() > 1)
    write_bundle(tmp_path / "damaged", kind=meta["kind"], meta=meta,
                 tensors={name: value for name, value in tensors.items() if name != weight})
    with pytest.raises(BundleError, match="do not fit"):
        findeep.load(tmp_path / "damaged")
