"""A bundle edited by hand with its checksums recomputed, and outputs aimed at planted links:
each is one clear refusal, never a traceback, a quiet wrong score or a write through a link
(found by a security walkthrough)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from safetensors.torch import load_file, save_file

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.bundle import CHECKSUMS_FILE, META_FILE, METRICS_FILE, WEIGHTS_FILE, sha256_file
from findeep.data.io import write_table
from findeep.errors import BundleError
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tamper")
    frame = make_credit_frame(600, seed=3)
    y = frame.pop("default")
    model = findeep.TabularClassifier(max_epochs=2, bagging=1).fit(frame, y)
    model.save(folder / "model", metrics={"auc": 0.7})
    frame.head(50).to_csv(folder / "rows.csv", index=False)
    return folder


def _copy(saved: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(saved / "model", tmp_path / "model"))


def _rechecksum(bundle: Path) -> None:
    """What someone who edits a bundle does next: recompute every checksum."""
    meta = json.loads((bundle / META_FILE).read_text())
    meta["weights_sha256"] = sha256_file(bundle / WEIGHTS_FILE)
    (bundle / META_FILE).write_text(json.dumps(meta))
    listed = json.loads((bundle / CHECKSUMS_FILE).read_text())
    (bundle / CHECKSUMS_FILE).write_text(json.dumps(
        {name: sha256_file(bundle / name) for name in listed}))


def _edit(bundle: Path, change: Any) -> None:
    meta = json.loads((bundle / META_FILE).read_text())
    change(meta)
    (bundle / META_FILE).write_text(json.dumps(meta))
    _rechecksum(bundle)


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda m: m["calibration"].update(temperature="x"), "cannot use"),
    (lambda m: m["calibration"].update(temperature=float("nan")), "calibration temperature"),
    (lambda m: m["calibration"].update(temperature=0), "calibration temperature"),
    (lambda m: m["target"].update(task="evil"), "task 'evil'"),
    (lambda m: m["target"].update(classes=[]), "fewer than two classes"),
    (lambda m: m.update(schema="x"), "cannot use"),
    (lambda m: m["model"]["config"].update(d_block="128"), "cannot use"),
])
def test_values_no_training_writes_are_a_bundle_error(saved, tmp_path, change, fragment) -> None:
    """Checksums recomputed after the edit: Python raises BundleError, the CLI says one
    line (exit 2), and nothing is scored."""
    bundle = _copy(saved, tmp_path)
    _edit(bundle, change)
    with pytest.raises(BundleError, match=fragment):
        findeep.load(bundle)
    result = run("predict", bundle, saved / "rows.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(result, "bundle.json")
    assert not (tmp_path / "p.csv").exists()


def test_weights_that_are_not_numbers_are_refused(saved, tmp_path) -> None:
    """A NaN weight scored every applicant 'not default' with exit 0."""
    bundle = _copy(saved, tmp_path)
    tensors = load_file(bundle / WEIGHTS_FILE)
    name = next(k for k, v in tensors.items() if v.is_floating_point() and v.numel() > 1)
    tensors[name] = tensors[name].clone()
    tensors[name].view(-1)[0] = float("nan")
    save_file(tensors, bundle / WEIGHTS_FILE)
    _rechecksum(bundle)
    with pytest.raises(BundleError, match="not finite numbers"):
        findeep.load(bundle)


def test_a_metrics_file_the_checksums_do_not_list_is_refused(saved, tmp_path) -> None:
    bundle = _copy(saved, tmp_path)
    listed = json.loads((bundle / CHECKSUMS_FILE).read_text())
    listed.pop(METRICS_FILE)
    (bundle / CHECKSUMS_FILE).write_text(json.dumps(listed))
    (bundle / METRICS_FILE).write_text(json.dumps({"auc": 0.99}))
    from findeep.bundle import read_metrics

    with pytest.raises(BundleError, match="not the one saved with the bundle"):
        read_metrics(bundle)


@pytest.mark.parametrize("damage", ["deep", "huge_number"])
def test_json_python_cannot_read_is_one_line(saved, tmp_path, damage) -> None:
    """A deeply nested bundle.json (text routing read it before any checksum) and a
    5,000-digit number in checksums.json were tracebacks."""
    bundle = _copy(saved, tmp_path)
    if damage == "deep":
        (bundle / META_FILE).write_text("[" * 100_000 + "]" * 100_000)
    else:
        (bundle / CHECKSUMS_FILE).write_text('{"x": ' + "9" * 5_000 + "}")
    result = run("predict", bundle, saved / "rows.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(result, str(bundle))
    with pytest.raises(BundleError):
        findeep.load(bundle)


def test_a_write_never_goes_through_a_planted_link(tmp_path) -> None:
    """Links planted at every temporary name the old scheme could pick (.NAME.tmp-PID) are
    left alone: the table lands at its own name and the link's target is untouched."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    shared = tmp_path / "shared"
    shared.mkdir()
    for pid in range(os.getpid() - 5, os.getpid() + 5):
        os.symlink(victim, shared / f".scores.csv.tmp-{pid}")
    write_table(pd.DataFrame({"p": np.arange(3.0)}), shared / "scores.csv")
    assert victim.read_text() == "keep"
    assert not (shared / "scores.csv").is_symlink()
    assert pd.read_csv(shared / "scores.csv")["p"].tolist() == [0.0, 1.0, 2.0]


def test_a_link_at_the_output_name_is_kept_without_force(saved, tmp_path) -> None:
    """A dangling link at --out was replaced without --force."""
    (tmp_path / "scores.csv").symlink_to(tmp_path / "nowhere")
    result = run("predict", saved / "model", saved / "rows.csv", "--out", tmp_path / "scores.csv")
    assert_one_line_error(result, "already exists", "--force")
    assert (tmp_path / "scores.csv").is_symlink()
