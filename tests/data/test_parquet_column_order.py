"""A directory of Parquet files whose columns come in different orders reads as one table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import findeep.streamed as streamed
from findeep.data.io import read_table
from findeep.data.stream import ParquetSource
from findeep.errors import DataFileError
from findeep.testing import make_credit_frame


@pytest.fixture()
def shuffled_dir(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """Two files with the same columns, the second written with them in reverse order."""
    frame = make_credit_frame(600, seed=5).drop(columns=["applied_on"])
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.iloc[:300].to_parquet(folder / "a.parquet", row_group_size=100)
    frame.iloc[300:, ::-1].to_parquet(folder / "b.parquet", row_group_size=100)
    return folder, frame.reset_index(drop=True)


def test_whole_read_aligns_later_files_to_the_first_files_column_order(shuffled_dir):
    """read_table gives every row, its columns in the order of the first file."""
    folder, frame = shuffled_dir
    pd.testing.assert_frame_equal(read_table(folder), frame, check_dtype=False)


def test_streamed_units_align_to_the_first_files_column_order(shuffled_dir):
    """Every row group, from either file, comes back with the first file's columns in order."""
    folder, frame = shuffled_dir
    source = ParquetSource(folder)
    assert source.columns == list(frame.columns)
    frames = [part for _, part in source.iter_frames()]
    assert all(list(part.columns) == list(frame.columns) for part in frames)
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), frame, check_dtype=False)
    chosen = ["income", "age", "default"]
    picked = pd.concat([part for _, part in source.iter_frames(columns=chosen)],
                       ignore_index=True)
    pd.testing.assert_frame_equal(picked, frame[chosen], check_dtype=False)


def test_streamed_training_reads_files_with_reordered_columns(shuffled_dir, tmp_path):
    """train_streamed over the directory fits on all of its rows."""
    folder, frame = shuffled_dir
    report = streamed.train_streamed(folder, target="default", out=tmp_path / "bundle",
                                     verbose=0, train_options={"max_epochs": 1})
    assert report["training"]["fit_rows"] + report["training"]["validation_rows"] + \
        report["test"]["rows"] == len(frame)


def test_files_with_different_column_sets_are_still_refused(shuffled_dir):
    """Reordering is forgiven; a missing column is not, on either read path."""
    folder, frame = shuffled_dir
    frame.drop(columns=["income"]).iloc[:, ::-1].to_parquet(folder / "b.parquet")
    for read in (ParquetSource, read_table):
        with pytest.raises(DataFileError, match=r"b\.parquet' lacks income compared with"):
            read(folder)


def test_files_with_a_changed_type_in_another_order_are_still_refused(shuffled_dir):
    """The same names in another order but one retyped column is refused, naming it."""
    folder, frame = shuffled_dir
    frame.assign(age=frame["age"].astype(str)).iloc[:, ::-1].to_parquet(folder / "b.parquet")
    with pytest.raises(DataFileError, match=r"changes the type of age \(int64 vs"):
        ParquetSource(folder)


@pytest.mark.parametrize("reverse", [False, True])
def test_a_nullability_difference_alone_is_read(shuffled_dir, reverse):
    """Same names and types, one column declared non-null in one file (as some writers do
    for a column without nulls): both read paths give every row, as with no difference."""
    folder, frame = shuffled_dir
    part = frame.iloc[300:, ::-1] if reverse else frame.iloc[300:]
    table = pa.Table.from_pandas(part, preserve_index=False)
    position = table.schema.get_field_index("age")
    table = table.cast(table.schema.set(position, table.schema.field("age").with_nullable(False)))
    pq.write_table(table, folder / "b.parquet")
    source = ParquetSource(folder)
    assert source.schema.field("age").nullable  # the files' union: nulls allowed in one
    streamed_rows = pd.concat([p for _, p in source.iter_frames()], ignore_index=True)
    pd.testing.assert_frame_equal(streamed_rows, frame, check_dtype=False)
    pd.testing.assert_frame_equal(read_table(folder), frame, check_dtype=False)


def test_a_repeated_column_name_is_refused_saying_so(shuffled_dir):
    """Two columns named alike in one file: which is which would be a guess."""
    folder, frame = shuffled_dir
    table = pa.Table.from_pandas(frame.iloc[300:], preserve_index=False)
    pq.write_table(table.append_column("age", table.column("age")), folder / "b.parquet")
    with pytest.raises(DataFileError, match="b\\.parquet'"):
        ParquetSource(folder)


@pytest.mark.parametrize("double_half", [0, 1])
def test_integers_written_as_double_in_one_file_read_as_float_from_every_file(
        shuffled_dir, double_half):
    """pandas writes an integer column holding a null as double: a folder whose files differ
    only so is read (was: 'changes the type of age (int64 vs double)'), that column float64
    in every chunk and in the whole table, either file first."""
    folder, frame = shuffled_dir
    expected = frame.assign(age=frame["age"].astype(float))
    expected.loc[300 * double_half + 7, "age"] = np.nan
    halves = {0: "a", 1: "b"}
    for half, name in halves.items():
        rows = expected.iloc[300 * half:300 * (half + 1)]
        if half != double_half:
            rows = rows.assign(age=rows["age"].astype("int64"))
        rows = rows.iloc[:, ::-1] if name == "b" else rows  # and in another order
        rows.to_parquet(folder / f"{name}.parquet", row_group_size=100)
    source = ParquetSource(folder)
    frames = [part for _, part in source.iter_frames()]
    assert {str(part["age"].dtype) for part in frames} == {"float64"}
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), expected)
    pd.testing.assert_frame_equal(read_table(folder), expected)
