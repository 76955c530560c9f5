"""Parquet read a row group at a time: schema checks, damaged files, hash-drawn splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.cli_helpers import assert_one_line_error, run

from findeep.data.stream import ParquetSource, row_uniform, should_stream
from findeep.errors import DataFileError
from findeep.testing import make_credit_frame


def test_row_uniform_is_fixed_by_position_and_seed_only():
    """The same row gets the same number however the rows are batched; seeds differ."""
    positions = np.arange(10_000, dtype=np.uint64)
    whole = row_uniform(positions, 0, 1)
    pieces = np.concatenate([row_uniform(positions[:3_333], 0, 1),
                             row_uniform(positions[3_333:], 0, 1)])
    assert np.array_equal(whole, pieces)
    assert whole.min() >= 0 and whole.max() < 1 and abs(whole.mean() - 0.5) < 0.02
    assert not np.array_equal(whole, row_uniform(positions, 1, 1))


def test_directory_units_cover_every_row_once_and_split_between_ranks(tmp_path: Path):
    """Row groups of several files get consecutive positions; two ranks share them all."""
    frame = make_credit_frame(900, seed=1)
    for i in range(3):
        frame.iloc[i * 300:(i + 1) * 300].to_parquet(tmp_path / f"part-{i}.parquet",
                                                     row_group_size=100)
    source = ParquetSource(tmp_path)
    assert source.n_rows == 900 and len(source.units) == 9
    assert [u.start for u in source.units] == list(range(0, 900, 100))
    shares = source.units_for(0, 2) + source.units_for(1, 2)
    assert sorted(u.start for u in shares) == [u.start for u in source.units]
    read = pd.concat([f for _, f in source.iter_frames()], ignore_index=True)
    pd.testing.assert_frame_equal(read, frame.reset_index(drop=True), check_dtype=False)


def test_files_that_disagree_on_columns_fail_with_one_line(tmp_path: Path):
    """A directory whose files have different columns names the file and the difference."""
    frame = make_credit_frame(200, seed=2)
    frame.to_parquet(tmp_path / "a.parquet")
    frame.drop(columns=["income"]).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(DataFileError, match=r"b\.parquet' lacks income"):
        ParquetSource(tmp_path)
    frame.assign(age=frame["age"].astype(str)).to_parquet(tmp_path / "b.parquet")
    result = run("train", tmp_path, "--target", "default", "--out", tmp_path / "m")
    assert_one_line_error(result, "changes the type of age")


def test_a_damaged_file_in_the_middle_of_a_stream_fails_with_one_line(tmp_path: Path):
    """Bytes overwritten inside a data page: the read of that row group names the file."""
    frame = make_credit_frame(3_000, seed=3)
    for i in range(3):
        frame.iloc[i * 1000:(i + 1) * 1000].to_parquet(
            tmp_path / f"part-{i}.parquet", row_group_size=500, compression=None)
    damaged = tmp_path / "part-1.parquet"
    raw = bytearray(damaged.read_bytes())
    raw[200:4200] = b"\xff" * 4000  # inside the first row group's pages; footer intact
    damaged.write_bytes(bytes(raw))
    source = ParquetSource(tmp_path)  # the footer still reads: the damage shows mid-stream
    with pytest.raises(DataFileError, match=r"part-1\.parquet"):
        for _ in source.iter_frames():
            pass
    result = run("train", tmp_path, "--target", "default", "--out", tmp_path / "m")
    assert_one_line_error(result, "part-1.parquet")
    assert not (tmp_path / "m").exists()


def test_only_big_parquet_and_directories_stream_unless_asked(tmp_path: Path):
    """The switch is automatic by size and overridden by --stream / --no-stream."""
    path = tmp_path / "small.parquet"
    make_credit_frame(100).to_parquet(path)
    assert not should_stream(path, None)
    assert should_stream(path, True)
    assert should_stream(tmp_path, None)
    assert not should_stream(tmp_path / "x.csv", None)


def test_a_folder_counts_only_the_files_spark_counts_as_data(tmp_path: Path) -> None:
    """A failed job's ``_temporary/`` copy, ``_SUCCESS`` and hidden files are not data: the
    rows are read once, by the in-memory reader and the streamed one alike (as Spark)."""
    from findeep.data.io import read_table

    frame = make_credit_frame(120, seed=4)
    folder = tmp_path / "loans"
    (folder / "_temporary" / "0").mkdir(parents=True)
    frame.to_parquet(folder / "part-0.parquet")
    frame.to_parquet(folder / "_temporary" / "0" / "part-0.parquet")
    frame.to_parquet(folder / ".part-0.parquet")
    (folder / "_SUCCESS").write_text("")
    assert len(read_table(folder)) == 120
    assert ParquetSource(folder).n_rows == 120


def test_a_csv_beside_the_parquet_files_of_a_folder_is_refused(tmp_path: Path) -> None:
    frame = make_credit_frame(50, seed=5)
    folder = tmp_path / "loans"
    folder.mkdir()
    frame.to_parquet(folder / "part-0.parquet")
    frame.to_csv(folder / "extra.csv", index=False)
    with pytest.raises(DataFileError, match=r"extra\.csv\) beside its Parquet files"):
        ParquetSource(folder)
    result = run("profile", str(folder))
    assert_one_line_error(result, "beside its Parquet files")
