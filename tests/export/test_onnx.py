"""ONNX export: onnxruntime gives PyTorch's outputs on the same preprocessed inputs."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
from typer.testing import CliRunner

import findeep
from findeep.cli import app
from findeep.export import export_onnx
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def fitted():
    frame = make_credit_frame(600, seed=0)
    y = frame.pop("default")
    # one network; a bag's ONNX parity is tested in tests/train/test_bagging.py
    model = findeep.TabularClassifier(max_epochs=2, bagging=1).fit(frame, y)
    return model, make_credit_frame(300, seed=4).drop(columns="default")


def test_onnxruntime_matches_pytorch_on_real_preprocessed_rows(fitted, tmp_path):
    """The exported graph's event probability equals the model's within 1e-5."""
    model, frame = fitted
    path = tmp_path / "model.onnx"
    summary = export_onnx(model.pipeline_, path)
    assert summary["max_abs_diff"] <= 1e-5
    x_num, x_cat, _ = model.pipeline_.transform(frame)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (probability,) = session.run(None, {"x_num": x_num, "x_cat": x_cat})
    np.testing.assert_allclose(probability, model.event_probability(frame), atol=1e-5, rtol=0)


def test_onnx_file_carries_what_a_client_needs_to_prepare_inputs(fitted, tmp_path):
    """Metadata names the input columns and holds the preprocessing state."""
    model, _ = fitted
    path = tmp_path / "model.onnx"
    export_onnx(model.pipeline_, path)
    metadata = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert "income__missing" in metadata["findeep.x_num_columns"]
    assert '"quantiles"' in metadata["findeep.preprocessing"]
    assert metadata["findeep.task"] == "binary"


@pytest.mark.parametrize("model_name", ["seed-mlp", "mlp", "ft-transformer"])
def test_other_architectures_export_with_parity(model_name, tmp_path):
    """Every registered architecture exports and matches PyTorch within 1e-5."""
    frame = make_credit_frame(300, seed=1)
    y = frame.pop("default")
    model = findeep.TabularClassifier(model=model_name, max_epochs=1, bagging=1).fit(
        frame, y)
    assert export_onnx(model.pipeline_, tmp_path / "m.onnx")["max_abs_diff"] <= 1e-5


def test_cli_export_writes_once_and_needs_force_to_overwrite(fitted, tmp_path):
    """`findeep export` writes the file; a second run without --force exits 2 in one line."""
    model, _ = fitted
    bundle = model.save(tmp_path / "bundle")
    out = tmp_path / "model.onnx"
    runner = CliRunner()
    first = runner.invoke(app, ["export", str(bundle), "--format", "onnx", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert out.is_file()
    again = runner.invoke(app, ["export", str(bundle), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    forced = runner.invoke(app, ["export", str(bundle), "--out", str(out), "--force"])
    assert forced.exit_code == 0
    wrong = runner.invoke(app, ["export", str(bundle), "--format", "tflite", "--out",
                                str(tmp_path / "x")])
    assert wrong.exit_code == 2 and "onnx" in wrong.output


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_multiclass_and_regression_models_export_with_parity(task, tmp_path):
    """Class probabilities (multiclass) and predictions in target units (regression) from
    onnxruntime match the model's own within 1e-5."""
    frame = make_credit_frame(400, seed=2).drop(columns=["applied_on"])
    if task == "multiclass":
        y = frame.pop("purpose")
        model = findeep.TabularClassifier(max_epochs=2, bagging=1).fit(frame, y)
        expected = model.predict_proba(frame.head(50))
    else:
        y = frame.pop("income").fillna(40_000.0)
        model = findeep.TabularRegressor(max_epochs=2).fit(frame, y)
        expected = model.predict(frame.head(50))
    path = tmp_path / "m.onnx"
    summary = export_onnx(model.pipeline_, path)
    assert summary["max_abs_diff"] <= summary["tolerance"]
    if task == "multiclass":
        assert summary["tolerance"] == 1e-5
    x_num, x_cat, _ = model.pipeline_.transform(frame.head(50))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {"x_num": x_num, "x_cat": x_cat})
    # probabilities to 1e-5; incomes (tens of thousands) to 1e-5 of their size
    np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-5)
    if task == "regression":  # the interval a client rebuilds from the file alone
        import json

        import onnx

        meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
        spec = json.loads(meta["findeep.intervals"])
        lower_upper = model.predict_interval(frame.head(50), level=spec["level"])
        np.testing.assert_allclose(output - spec["half_width"], lower_upper[:, 0], rtol=1e-5)
        np.testing.assert_allclose(output + spec["half_width"], lower_upper[:, 1], rtol=1e-5)


def test_a_table_without_categoricals_exports_with_both_inputs(tmp_path):
    """Only numeric columns: the graph still takes x_num and x_cat (an empty one) and agrees."""
    frame = make_credit_frame(400, seed=2).select_dtypes("number")
    y = frame.pop("default")
    model = findeep.TabularClassifier(max_epochs=1, bagging=1).fit(frame, y)
    path = tmp_path / "numeric.onnx"
    summary = export_onnx(model.pipeline_, path)
    assert summary["max_abs_diff"] <= 1e-5
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x_num", "x_cat"]
    x_num, x_cat, _ = model.pipeline_.transform(frame.head(50))
    assert x_cat.shape == (50, 0)
    (probability,) = session.run(None, {"x_num": x_num, "x_cat": x_cat})
    np.testing.assert_allclose(probability, model.event_probability(frame.head(50)),
                               atol=1e-5, rtol=0)


def test_the_exported_file_gets_the_permissions_the_umask_gives(fitted, tmp_path):
    """Another user serving the model must be able to read it (was 0600 whatever the umask)."""
    import os
    import stat

    model, _ = fitted
    previous = os.umask(0o022)
    try:
        export_onnx(model.pipeline_, tmp_path / "model.onnx")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "model.onnx").stat().st_mode) == 0o644



def test_a_cqr_regression_exports_its_intervals(tmp_path):
    """CQR's per-row widths come from its quantile network, which the graph now holds:
    `lower` and `upper` equal `predict_interval` at the trained level."""
    import json

    frame = make_credit_frame(500, seed=5).drop(columns=["applied_on"])
    y = frame.pop("income").fillna(40_000.0)
    model = findeep.TabularRegressor(max_epochs=2, interval_method="cqr").fit(frame, y)
    path = tmp_path / "cqr.onnx"
    summary = export_onnx(model.pipeline_, path)
    assert summary["output"] == "prediction, lower, upper"
    assert summary["max_abs_diff"] <= summary["tolerance"]
    rows = frame.tail(80)
    x_num, x_cat, _ = model.pipeline_.transform(rows)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    prediction, lower, upper = session.run(None, {"x_num": x_num, "x_cat": x_cat})
    expected = model.predict_interval(rows)  # (n, 2) at the trained level
    scale = np.abs(expected).max()
    np.testing.assert_allclose(prediction, model.predict(rows), rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(lower, expected[:, 0], rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(upper, expected[:, 1], rtol=0, atol=1e-5 * scale)
    assert (upper - lower).std() > 0  # per-row widths, not one half-width
    spec = json.loads({p.key: p.value for p in onnx.load(str(path)).metadata_props}
                      ["findeep.intervals"])
    assert spec["method"] == "cqr" and spec["in_file"] and spec["outputs"] == ["lower", "upper"]
