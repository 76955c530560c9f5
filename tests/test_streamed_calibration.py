"""Streamed training honours --no-calibrate and --interval as the in-memory path does: the
temperature stays 1, and a regression stores split-conformal intervals from its validation
rows in the same bundle format, which `predict --interval` reads streamed or not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from findeep.testing import make_credit_frame
from tests.cli_helpers import assert_one_line_error, run


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("calibration")
    make_credit_frame(3_000, seed=8).drop(columns=["applied_on"]).to_parquet(
        folder / "credit.parquet", row_group_size=500)
    return folder


def _train(data: Path, out: Path, target: str, *extra: str) -> dict:
    result = run("train", data, "--target", target, "--out", out, "--max-epochs", "2",
                 "--quiet", *extra)
    assert result.exit_code == 0, result.output
    return json.loads((out / "metrics.json").read_text())


def _bundle(path: Path) -> dict:
    return json.loads((path / "bundle.json").read_text())


@pytest.fixture(scope="module")
def classifier(tables: Path) -> tuple[Path, dict]:
    return tables / "scaled", _train(tables / "credit.parquet", tables / "scaled", "default",
                                     "--stream")


def test_streamed_no_calibrate_keeps_temperature_one(tables, classifier, tmp_path):
    """Same network, same seed: only the calibration step differs, and it takes effect."""
    data = tables / "credit.parquet"
    scaled_dir, scaled = classifier
    plain = _train(data, tmp_path / "plain", "default", "--stream", "--no-calibrate")
    assert scaled["training"]["temperature"] != 1.0
    assert plain["training"]["temperature"] == 1.0
    assert _bundle(tmp_path / "plain")["calibration"]["temperature"] == 1.0
    # a monotone rescaling: the same ranking, up to float32 ties
    assert abs(plain["test"]["roc_auc"] - scaled["test"]["roc_auc"]) < 0.002
    rows = pd.read_parquet(data).drop(columns=["default"]).iloc[:200]
    p_plain = findeep.load(tmp_path / "plain").predict_proba(rows)[:, 1]
    p_scaled = findeep.load(scaled_dir).predict_proba(rows)[:, 1]
    assert not np.allclose(p_plain, p_scaled)


def test_streamed_regression_stores_intervals_as_in_memory(tables, tmp_path):
    """--interval 0.8: the level, the validation residuals and the test coverage are stored
    exactly where the in-memory path stores them; predict --interval writes the same ends
    whether it streams or not."""
    data = tables / "credit.parquet"
    stream = _train(data, tmp_path / "stream", "utilization", "--stream", "--interval", "0.8")
    memory = _train(data, tmp_path / "memory", "utilization", "--no-stream", "--interval", "0.8")
    s_int = _bundle(tmp_path / "stream")["intervals"]
    m_int = _bundle(tmp_path / "memory")["intervals"]
    assert set(s_int) == set(m_int)
    assert s_int["method"] == "split-conformal" and s_int["level"] == 0.8
    assert s_int["calibration_rows"] == stream["training"]["validation_rows"]
    assert np.all(np.diff(s_int["abs_residuals"]) >= 0)
    for key in ("interval_level", "interval_method", "interval_coverage", "interval_width"):
        assert key in stream["test"] and key in memory["test"], key
    assert stream["test"]["interval_level"] == 0.8
    assert abs(stream["test"]["interval_coverage"] - 0.8) < 0.06  # ~600 test rows
    streamed_out, whole_out = tmp_path / "s.parquet", tmp_path / "w.parquet"
    for out, mode in ((streamed_out, "--stream"), (whole_out, "--no-stream")):
        result = run("predict", tmp_path / "stream", data, "--out", out, "--interval", "0.7",
                     mode)
        assert result.exit_code == 0, result.output
        negative = (pd.read_parquet(out)["lower"] < 0).sum()  # utilization is never below 0
        said = " ".join(result.stderr.split())
        assert (f"{negative:,} of 3,000 interval lower end(s) are below 0" in said) == (
            negative > 0), said
    assert _bundle(tmp_path / "stream")["training"]["target_range"] == pytest.approx(
        _bundle(tmp_path / "memory")["training"]["target_range"], abs=0.05)
    streamed, whole = pd.read_parquet(streamed_out), pd.read_parquet(whole_out)
    assert {"lower", "upper"} <= set(streamed.columns)
    pd.testing.assert_frame_equal(streamed, whole)
    narrower = whole["upper"] - whole["lower"]
    assert (narrower < stream["test"]["interval_width"]).all()  # level 0.7 is below 0.8


def test_streamed_predict_interval_on_a_classifier_is_refused(tables, classifier, tmp_path):
    """One line, exit 2, no output: not silently ignored."""
    result = run("predict", classifier[0], tables / "credit.parquet", "--out",
                 tmp_path / "p.parquet", "--interval", "0.9", "--stream")
    assert_one_line_error(result, "--interval applies to regression models")
    assert not (tmp_path / "p.parquet").exists()
