"""Streamed training and scoring: the same bundle format, the same scores, bounded work,
checkpoints that survive kill -9 (two torch.distributed processes: test_streamed_rounds_ddp.py)."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from safetensors.torch import load_file

import findeep
import findeep.streamed as streamed
from findeep.data.schema import infer_schema
from findeep.errors import DataFileError
from findeep.features.streaming import StreamedFit
from findeep.features.tabular import TabularPreprocessor
from findeep.testing import make_credit_frame
from findeep.workflow import predict_bundle
from tests.cli_helpers import run

ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1",
       "PYTHONPATH": str(Path(findeep.__file__).parents[1])}


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 rows in two files of three row groups each."""
    folder = tmp_path_factory.mktemp("stream") / "data"
    folder.mkdir()
    frame = make_credit_frame(6_000, seed=11).drop(columns=["applied_on"])
    frame.iloc[:3000].to_parquet(folder / "part-0.parquet", row_group_size=1000)
    frame.iloc[3000:].to_parquet(folder / "part-1.parquet", row_group_size=1000)
    return folder


@pytest.fixture(scope="module")
def streamed_bundle(parquet_dir: Path) -> tuple[Path, dict]:
    out = parquet_dir.parent / "bundle"
    report = streamed.train_streamed(parquet_dir, target="default", out=out, verbose=0,
                                     train_options={"max_epochs": 3})
    return out, report


def test_streamed_training_writes_a_bundle_findeep_load_reads(streamed_bundle):
    """The bundle loads as a TabularClassifier, learned something, and records the stream."""
    out, report = streamed_bundle
    model = findeep.load(out)
    assert model.training_["streamed"] is True
    assert report["test"]["roc_auc"] > 0.7
    assert report["training"]["fit_rows"] + report["training"]["validation_rows"] + \
        report["test"]["rows"] == 6000


def test_streamed_scores_equal_in_memory_scores(streamed_bundle, parquet_dir, tmp_path):
    """predict in chunks writes exactly what the in-memory predict writes for the same rows."""
    out, _ = streamed_bundle
    single = parquet_dir / "part-1.parquet"
    streamed.predict_streamed(out, single, tmp_path / "chunked.parquet", chunk_rows=700,
                              id_column="age")
    predict_bundle(out, single, tmp_path / "whole.parquet", id_column="age")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "chunked.parquet"),
                                  pd.read_parquet(tmp_path / "whole.parquet"))
    result = run("predict", out, parquet_dir, "--out", tmp_path / "all.csv")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "all.csv")) == 6000


def test_small_row_groups_score_to_the_bit_as_in_memory(tmp_path):
    """Row groups of 300 rows are joined into the scoring chunk, so the network sees the
    batches in-memory scoring gives it: the same probabilities exactly (chunks cut at the
    groups differed by 6e-8 on some rows)."""
    train = make_credit_frame(3_000, seed=4).drop(columns=["applied_on"])
    y = train.pop("default")
    out = findeep.TabularClassifier(max_epochs=4).fit(train, y).save(tmp_path / "bag")
    frame = make_credit_frame(2_000, seed=5).drop(columns=["applied_on", "default"])
    frame.to_parquet(tmp_path / "small_groups.parquet", row_group_size=300)
    streamed.predict_streamed(out, tmp_path / "small_groups.parquet", tmp_path / "s.parquet")
    predict_bundle(out, tmp_path / "small_groups.parquet", tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "s.parquet"),
                                  pd.read_parquet(tmp_path / "m.parquet"), check_exact=True)


def test_streamed_reason_codes_equal_whole_table_reason_codes(streamed_bundle, parquet_dir,
                                                              tmp_path):
    """explain in chunks writes the same reasons and attributions as explain on the whole."""
    from findeep.explain.commands import explain_to_file

    out, _ = streamed_bundle
    single = parquet_dir / "part-1.parquet"
    rows = pd.read_parquet(single).iloc[:240]
    rows.to_parquet(tmp_path / "rows.parquet", row_group_size=100)
    streamed.explain_streamed(out, tmp_path / "rows.parquet", tmp_path / "chunked.parquet",
                              chunk_rows=70)
    explain_to_file(out, tmp_path / "rows.parquet", tmp_path / "whole.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "chunked.parquet"),
                                  pd.read_parquet(tmp_path / "whole.parquet"))


def test_a_full_disk_leaves_no_scores_file(streamed_bundle, parquet_dir, tmp_path, monkeypatch):
    """ENOSPC on the second chunk: one clear error, no output, no temporary file left."""
    out, _ = streamed_bundle
    real = streamed._write_chunk
    calls = []

    def fill_up(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(streamed, "_write_chunk", fill_up)
    with pytest.raises(DataFileError, match="disk filled up"):
        streamed.predict_streamed(out, parquet_dir, tmp_path / "scores.parquet", chunk_rows=500)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_file_mid_stream_stops_scoring_with_one_line_and_no_output(
        streamed_bundle, parquet_dir, tmp_path):
    """The reader thread hits a damaged row group while earlier chunks are being scored and
    written: one line naming the file, exit 2, no output and no temporary file left."""
    from tests.cli_helpers import assert_one_line_error

    out, _ = streamed_bundle
    data = tmp_path / "data"
    data.mkdir()
    frame = pd.read_parquet(parquet_dir)
    for i in range(3):
        frame.iloc[i * 2000:(i + 1) * 2000].to_parquet(
            data / f"part-{i}.parquet", row_group_size=500, compression=None)
    raw = bytearray((data / "part-2.parquet").read_bytes())
    raw[200:4200] = b"\xff" * 4000  # inside the first row group's pages; footer intact
    (data / "part-2.parquet").write_bytes(bytes(raw))
    scores = tmp_path / "scores"
    scores.mkdir()
    result = run("predict", out, data, "--out", scores / "s.parquet", "--stream")
    assert_one_line_error(result, "part-2.parquet")
    assert list(scores.iterdir()) == []


def test_streamed_preprocessing_matches_the_in_memory_fit():
    """Exact category levels and missing indicators; quantiles from the sample agree closely."""
    frame = make_credit_frame(5_000, seed=5).drop(columns=["default", "applied_on"])
    schema = infer_schema(frame, warn=False)
    whole = TabularPreprocessor().fit(frame, schema)
    fit = StreamedFit(schema, TabularPreprocessor(), sample_rows=2_000)
    rng = np.random.default_rng(0)
    for start in range(0, 5_000, 800):
        part = frame.iloc[start:start + 800]
        fit.update(part, rng.random(len(part)))
    stream = fit.finish()
    assert [s.levels for s in stream.categorical] == [s.levels for s in whole.categorical]
    assert [s.indicator for s in stream.numeric] == [s.indicator for s in whole.numeric]
    x_whole, c_whole, _ = whole.transform(frame)
    x_stream, c_stream, _ = stream.transform(frame)
    assert np.array_equal(c_whole, c_stream)
    assert np.corrcoef(x_whole[:, 0], x_stream[:, 0])[0, 1] > 0.995
    assert stream.to_dict().keys() == whole.to_dict().keys()


def _train_command(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "findeep", "train", str(data), "--target", "default",
            "--out", str(out), "--batch-size", "128", "--max-epochs", "20", "--quiet", *extra]


def _weights(bundle: Path) -> dict:
    return load_file(bundle / "model.safetensors")


def test_resume_after_kill_9_ends_at_the_uninterrupted_model(parquet_dir, tmp_path):
    """kill -9 mid-run, then --resume: bit-identical weights to a run never interrupted."""
    data = parquet_dir / "part-0.parquet"
    streamed.train_streamed(data, target="default", out=tmp_path / "straight", verbose=0,
                            train_options={"max_epochs": 20, "batch_size": 128})
    checkpoints = tmp_path / "ckpt"
    process = subprocess.Popen(
        _train_command(data, tmp_path / "resumed", "--checkpoint-dir", str(checkpoints)),
        env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_after = random.Random().randint(1, 3)  # a random epoch boundary, mid-epoch kill
    deadline = time.monotonic() + 120
    while not (checkpoints / f"epoch-{kill_after:04d}").exists():
        assert process.poll() is None and time.monotonic() < deadline, "run ended too early"
        time.sleep(0.01)
    time.sleep(random.Random().uniform(0.0, 0.2))
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "resumed").exists()
    finished = subprocess.run(
        _train_command(data, tmp_path / "resumed", "--checkpoint-dir", str(checkpoints),
                       "--resume"), env=ENV, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    straight, resumed = _weights(tmp_path / "straight"), _weights(tmp_path / "resumed")
    assert straight.keys() == resumed.keys()
    assert all(np.array_equal(straight[k].numpy(), resumed[k].numpy()) for k in straight)


def test_streamed_options_on_a_csv_and_ranks_without_row_groups_are_one_line(tmp_path):
    """Streaming reads Parquet row groups: a CSV, or fewer row groups than processes, is
    refused before anything launches (was a 'corrupted Parquet' error, or a late one)."""
    from tests.cli_helpers import assert_one_line_error

    frame = make_credit_frame(600, seed=3)
    csv, single = tmp_path / "loans.csv", tmp_path / "one-group.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(single)
    assert_one_line_error(run("train", csv, "--target", "default", "--out", tmp_path / "m",
                              "--checkpoint-dir", tmp_path / "ck"), "read Parquet",
                          "convert it once")
    assert_one_line_error(run("train", single, "--target", "default", "--out", tmp_path / "d",
                              "--nproc-per-node", "2"), "1 Parquet row group(s)")


def test_resume_from_an_empty_checkpoint_directory_says_it_starts_over(parquet_dir, tmp_path):
    import warnings

    from findeep.streamed import train_streamed

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train_streamed(parquet_dir, target="default", out=tmp_path / "m", verbose=0,
                       train_options={"max_epochs": 1}, checkpoint_dir=tmp_path / "typo",
                       resume=True)
    assert any("holds no checkpoint yet" in str(w.message) for w in caught)
