"""`findeep train --stream --model default+catboost`: the network trained a row group at a
time, CatBoost on the preprocessing sample of the fit rows (it trains in memory), one bundle
scoring their blend as an in-memory blend does."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import findeep
import findeep.streamed as streamed
from findeep.errors import ConfigError
from findeep.testing import make_credit_frame
from tests.cli_helpers import run

pytest.importorskip("catboost")


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("streamed_blend")
    frame = make_credit_frame(6_000, seed=11).drop(columns=["applied_on"])
    frame.to_parquet(folder / "credit.parquet", row_group_size=1_000)
    return folder, frame


def test_a_streamed_blend_scores_half_each_of_its_network_and_its_sampled_catboost(
        table, tmp_path, monkeypatch) -> None:
    """The CLI trains it and says on how many rows CatBoost was fitted; the bundle holds both
    halves, its test metrics are the blend's (not its network's alone), and `predict --stream`
    writes the library's scores.
    With a preprocessing sample smaller than the fit rows, CatBoost sees that sample only."""
    folder, frame = table
    fit_state = streamed.StreamedFit
    monkeypatch.setattr(streamed, "StreamedFit",
                        lambda schema, preprocessor: fit_state(schema, preprocessor,
                                                               sample_rows=2_000))
    result = run("train", folder / "credit.parquet", "--target", "default", "--model",
                 "default+catboost", "--stream", "--max-epochs", "3", "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "b" / "metrics.json").read_text())
    blend = report["training"]["blend"]
    assert report["model"] == "default+catboost" and blend["parts"] == ["default", "catboost"]
    assert blend["partner_rows"] == report["training"]["preprocessing_sample_rows"]
    assert blend["partner_sample_of"] == report["training"]["fit_rows"]
    assert (f"blended half each with catboost fitted on a sample of {blend['partner_rows']:,} "
            f"of the {blend['partner_sample_of']:,} fit rows") in result.stdout
    model = findeep.load(tmp_path / "b")
    pipeline = model.pipeline_
    assert pipeline.partner is not None and (tmp_path / "b" / "partner.cbm").exists()
    rows = frame.drop(columns=["default"])
    network_alone = pipeline._prediction(pipeline._network_logits(
        *pipeline.transform(rows)[:2]))
    blended = model.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(blended, pipeline.partner.blend(
        network_alone, pipeline.partner.raw_prediction(rows, pipeline.schema)), atol=1e-6)
    assert not np.allclose(blended, network_alone, atol=1e-3)  # CatBoost's half counts
    # the same network alone (same data and seed) scores the same test rows otherwise
    alone = streamed.train_streamed(folder / "credit.parquet", target="default", verbose=0,
                                    out=tmp_path / "alone", train_options={"max_epochs": 3})
    assert alone["test"]["rows"] == report["test"]["rows"]
    assert alone["test"]["roc_auc"] != report["test"]["roc_auc"]
    scored = tmp_path / "scores.parquet"
    assert run("predict", tmp_path / "b", folder / "credit.parquet", "--stream", "--out",
               scored).exit_code == 0
    column = [c for c in pd.read_parquet(scored).columns if c.startswith("probability_")]
    np.testing.assert_allclose(pd.read_parquet(scored)[column[0]].to_numpy(),
                               model.predict_proba(rows)[:, [str(c) for c in model.classes_].index(
                                   column[0].removeprefix("probability_"))], atol=1e-6)
    # the bundle keeps the texts its sampled CatBoost saw, so it exports to ONNX whole
    assert run("export", tmp_path / "b", "--out", tmp_path / "b.onnx").exit_code == 0
    import onnxruntime

    from findeep.export import onnx_inputs

    session = onnxruntime.InferenceSession(str(tmp_path / "b.onnx"),
                                           providers=["CPUExecutionProvider"])
    (exported,) = session.run(None, onnx_inputs(pipeline, rows.head(500)))
    np.testing.assert_allclose(exported, model.event_probability(rows.head(500)), atol=1e-5,
                               rtol=0)


def test_a_streamed_regression_blend_calibrates_its_intervals_on_the_validation_rows(
        table, tmp_path) -> None:
    """Neither half trains on the validation rows, so the blend's split-conformal intervals
    come from its residuals there; they cover about the level asked on the test rows."""
    _, frame = table
    amounts = frame.assign(default=frame["income"] * 0.3 + np.arange(len(frame)) % 7)
    amounts.to_parquet(tmp_path / "amounts.parquet", row_group_size=1_000)
    report = streamed.train_streamed(tmp_path / "amounts.parquet", target="default",
                                     out=tmp_path / "r", verbose=0, model="default+catboost",
                                     train_options={"max_epochs": 3})
    blend = report["training"]["blend"]
    assert blend["intervals_calibrated_on"] == report["training"]["validation_rows"]
    assert 0.8 <= report["test"]["interval_coverage"] <= 0.97, report["test"]


def test_what_a_streamed_blend_cannot_honour_is_refused_before_any_fit(table, tmp_path) -> None:
    folder, _ = table
    with pytest.raises(ConfigError, match="class_weight 'balanced' or none"):
        streamed.train_streamed(folder / "credit.parquet", target="default", out=tmp_path / "w",
                                verbose=0, model="default+catboost", class_weight={0: 1, 1: 3})
    assert not (tmp_path / "w").exists()
