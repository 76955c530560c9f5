"""Where a job may write: refused in one sentence before any work, never a user's folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from findeep.bundle import check_writable
from findeep.errors import BundleError
from findeep.output_paths import (
    refuse_folder_overwrite,
    refuse_overwrite,
    staged_file,
    write_text_atomic,
)
from findeep.spark import is_spark_output
from findeep.workflow import write_json_atomic


def test_a_file_output_is_replaced_only_with_force_and_never_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    out.write_text("old")
    with pytest.raises(BundleError, match="force=True"):
        refuse_overwrite(out, force=False)
    assert refuse_overwrite(out, force=True) == out
    with pytest.raises(BundleError, match="is a folder"):
        refuse_overwrite(tmp_path, force=True)


def test_a_bundle_folder_is_replaced_but_not_a_folder_of_other_files(tmp_path: Path) -> None:
    """--force replaces a findeep bundle; a folder with a 'bundle.json' of its own (a web
    project's), or a bundle with a user's file put beside it, is never deleted."""
    import json

    from findeep.bundle import FORMAT

    bundle = tmp_path / "model"
    bundle.mkdir()
    (bundle / "bundle.json").write_text(json.dumps({"format": FORMAT}))
    (bundle / "checksums.json").write_text(json.dumps({"bundle.json": "0"}))
    assert check_writable(bundle, force=True) == bundle
    (bundle / "thesis.docx").write_text("keep")
    with pytest.raises(BundleError, match="is not a findeep bundle"):
        check_writable(bundle, force=True)
    project = tmp_path / "project"
    project.mkdir()
    (project / "bundle.json").write_text('{"name": "webpack"}')
    (project / "thesis.docx").write_text("keep")
    with pytest.raises(BundleError, match="is not a findeep bundle"):
        check_writable(project, force=True)
    notes = tmp_path / "notes"
    notes.mkdir()
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (notes / name).write_text("keep")
    with pytest.raises(BundleError, match=r"'a.txt', 'b.txt', 'c.txt' and 1 more"):
        check_writable(notes, force=True)
    assert len(list(notes.iterdir())) == 4


def test_spark_output_folders_are_recognised_by_their_part_files(tmp_path: Path) -> None:
    """`findeep spark score --force` replaces its own Parquet folder, nothing else."""
    scores = tmp_path / "scores"
    scores.mkdir()
    for name in ("part-00000-x.snappy.parquet", ".part-00000-x.snappy.parquet.crc",
                 "_SUCCESS", "._SUCCESS.crc"):
        (scores / name).write_text("")
    assert is_spark_output(scores)
    assert refuse_folder_overwrite(scores, force=True, replaceable=is_spark_output,
                                   what="Spark output") == scores
    (scores / "report.docx").write_text("")
    assert not is_spark_output(scores)
    with pytest.raises(BundleError, match="not Spark output"):
        refuse_folder_overwrite(scores, force=True, replaceable=is_spark_output,
                                what="Spark output")


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640)])
def test_an_atomic_write_gets_the_permissions_the_umask_gives(
        tmp_path: Path, umask: int, expected: int) -> None:
    """A report or JSON file written atomically is as readable as any file the user makes
    (0644 under umask 022), not private like a temporary file (0600)."""
    previous = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "report.md", "# report\n")
        write_json_atomic(tmp_path / "metrics.json", {"rows": 1})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.md").stat().st_mode) == expected
    assert stat.S_IMODE((tmp_path / "metrics.json").stat().st_mode) == expected


def test_a_failed_staged_write_keeps_the_old_file_and_leaves_nothing_beside_it(
        tmp_path: Path) -> None:
    """An export that fails half-way (a parity check, a full disk) must leave the file a
    server is reading as it was, and no temporary file in the folder."""
    target = tmp_path / "model.onnx"
    target.write_text("the old model")
    with pytest.raises(RuntimeError, match="half-way"), staged_file(target) as staging:
        staging.write_text("half a new model")
        raise RuntimeError("failed half-way")
    assert target.read_text() == "the old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
    with staged_file(target) as staging:
        assert staging.parent == tmp_path and staging != target
        staging.write_text("the new model")
        assert target.read_text() == "the old model"  # nothing visible until the block ends
    assert target.read_text() == "the new model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
