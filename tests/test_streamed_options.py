"""Streamed training takes the in-memory path's --time-column and --class-weight: the same
out-of-time split, the same class weights in the loss."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import findeep
from findeep.testing import make_credit_frame
from findeep.train.streaming import shuffled_batches
from tests.cli_helpers import run


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 dated rows in row groups of 500, in no time order, a few labels missing."""
    frame = make_credit_frame(3_000, seed=4)
    frame["default"] = frame["default"].astype("Int64")
    frame.loc[frame.index % 97 == 0, "default"] = pd.NA
    path = tmp_path_factory.mktemp("dated") / "dated.parquet"
    frame.to_parquet(path, row_group_size=500)
    return path


def _train(data: Path, out: Path, *extra: str) -> dict:
    result = run("train", data, "--target", "default", "--out", out, "--max-epochs", "2",
                 "--quiet", *extra)
    assert result.exit_code == 0, result.output
    return json.loads((out / "metrics.json").read_text())


def test_streamed_time_column_splits_like_the_in_memory_path(dated, tmp_path):
    """Same test rows, fit rows, validation rows and last training date as in memory; the
    clock is not a feature."""
    stream = _train(dated, tmp_path / "stream", "--time-column", "applied_on", "--stream")
    memory = _train(dated, tmp_path / "memory", "--time-column", "applied_on", "--no-stream")
    assert stream["split"].startswith("out-of-time on applied_on")
    assert memory["split"].startswith("out-of-time on applied_on")
    assert stream["test"]["rows"] == memory["test"]["rows"]
    for key in ("fit_rows", "validation_rows", "last_time", "time_column", "validation_split"):
        assert stream["training"][key] == memory["training"][key], key
    model = findeep.load(tmp_path / "stream")
    assert "applied_on" not in model.feature_names_in_
    assert stream["test"]["roc_auc"] > 0.6  # 2 epochs on 2,300 rows, tested on later ones
    assert abs(stream["test"]["roc_auc"] - memory["test"]["roc_auc"]) < 0.03


def test_streamed_balanced_class_weight_raises_the_minority_class_scores(dated, tmp_path):
    """'balanced' is recorded and weights the loss: the rarer class (defaults) gets higher
    probabilities than without weights, on the same rows."""
    plain = _train(dated, tmp_path / "plain", "--stream")
    weighted = _train(dated, tmp_path / "weighted", "--stream", "--class-weight", "balanced")
    assert plain["training"]["class_weight"] is None
    assert weighted["training"]["class_weight"] == "balanced"
    rows = pd.read_parquet(dated).drop(columns=["default"]).iloc[:1000]
    p_plain = findeep.load(tmp_path / "plain").predict_proba(rows)[:, 1].mean()
    p_weighted = findeep.load(tmp_path / "weighted").predict_proba(rows)[:, 1].mean()
    assert p_weighted > p_plain + 0.05


def test_row_weights_travel_with_their_rows_through_the_shuffle_buffer():
    chunks = [(np.zeros((n, 1), np.float32), np.zeros((n, 0), np.int64),
               np.arange(s, s + n, dtype=np.float32), np.arange(s, s + n, dtype=np.float32) * 10)
              for s, n in ((0, 70), (70, 45), (115, 90))]
    batches = list(shuffled_batches(chunks, 32, torch.Generator().manual_seed(0),
                                    buffer_rows=64, task="binary"))
    assert len(batches) == 205 // 32
    for _, _, y, weight in batches:
        assert torch.equal(weight, y * 10)


def test_streamed_training_reads_named_columns_as_numbers(tmp_path):
    """--numeric-columns works with --stream: a count with four values, read as categories
    by default, is a numeric column of the bundle, so a later 5 scores on the scale."""
    from findeep.data.schema import infer_schema

    frame = make_credit_frame(2_000, seed=6).drop(columns=["applied_on"])
    frame["late_payments"] = np.random.default_rng(6).integers(0, 4, len(frame))
    path = tmp_path / "late.parquet"
    frame.to_parquet(path, row_group_size=500)
    assert "late_payments" in infer_schema(frame, warn=False).names_of("categorical")
    _train(path, tmp_path / "b", "--stream", "--numeric-columns", "late_payments")
    model = findeep.load(tmp_path / "b")
    assert "late_payments" in model.pipeline_.schema.names_of("numeric")
    rows = frame.drop(columns=["default"]).head(3).assign(late_payments=5)
    assert np.isfinite(model.predict_proba(rows)).all()


def test_streamed_training_fits_the_additive_path_where_memory_does(dated, tmp_path):
    """A binary `default` streamed fit carries the additive path as a one-member bag does in
    memory: its share chosen on the validation rows and recorded, the bundle scoring as
    trained after a reload; --bagging 1 and a time column leave the network alone, and an
    explicit request where it cannot be weighed is one sentence."""
    frame = pd.read_parquet(dated).drop(columns=["applied_on"])
    plain = tmp_path / "plain.parquet"
    frame.to_parquet(plain, row_group_size=500)
    report = _train(plain, tmp_path / "with", "--stream", "--max-epochs", "4")
    summary = report["training"]["additive"]
    assert summary["chosen_on"] == "the validation rows (streamed)"
    assert summary["weight"] > 0  # four epochs leave the network short of the path here
    model = findeep.load(tmp_path / "with")
    assert type(model.pipeline_.network).__name__ == "AdditiveBlend"
    scored = tmp_path / "scored.parquet"  # chunked scoring reads the blend as the estimator
    assert run("predict", tmp_path / "with", plain, "--out", scored, "--stream").exit_code == 0
    np.testing.assert_allclose(pd.read_parquet(scored)["probability_1"],
                               model.predict_proba(frame.drop(columns=["default"]))[:, 1],
                               atol=1e-6)
    alone = _train(plain, tmp_path / "alone", "--stream", "--max-epochs", "4", "--bagging", "1")
    assert "additive" not in alone["training"]
    assert report["test"]["roc_auc"] > alone["test"]["roc_auc"]  # same rows, same network
    dated_run = _train(dated, tmp_path / "dated", "--stream", "--time-column", "applied_on")
    assert "additive" not in dated_run["training"]
    refused = run("train", dated, "--target", "default", "--stream", "--time-column",
                  "applied_on", "--model-options", '{"additive": true}', "--out",
                  tmp_path / "no")
    assert refused.exit_code == 2 and "out-of-time" in refused.stderr


@pytest.fixture(scope="module")
def weighted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 rows in row groups of 500 with an exposure that weighs defaults 5x."""
    frame = make_credit_frame(3_000, seed=5).drop(columns=["applied_on"])
    frame["exposure"] = np.where(frame["default"] == 1, 5.0, 1.0)
    path = tmp_path_factory.mktemp("weighted") / "weighted.parquet"
    frame.to_parquet(path, row_group_size=500)
    return path


def test_streamed_weight_column_weighs_the_loss_and_is_no_feature(weighted, tmp_path):
    """--weight-column with --stream, as in memory: events at 5x raise the mean score, the
    column is recorded and no input of the model; weights all equal train as none, to the
    bit."""
    unweighted = tmp_path / "unweighted.parquet"  # the same rows without the column
    pd.read_parquet(weighted).drop(columns=["exposure"]).to_parquet(unweighted,
                                                                    row_group_size=500)
    plain = _train(unweighted, tmp_path / "plain", "--stream", "--no-calibrate")
    assert plain["training"]["sample_weight"] is False
    heavy = _train(weighted, tmp_path / "heavy", "--stream", "--no-calibrate",
                   "--weight-column", "exposure")
    assert heavy["training"]["weight_column"] == "exposure"
    assert heavy["training"]["sample_weight"] is True
    model = findeep.load(tmp_path / "heavy")
    assert "exposure" not in model.feature_names_in_
    rows = pd.read_parquet(weighted).drop(columns=["default"]).iloc[:1000]
    p_plain = findeep.load(tmp_path / "plain").predict_proba(rows)[:, 1].mean()
    assert model.predict_proba(rows)[:, 1].mean() > p_plain + 0.05

    frame = pd.read_parquet(weighted).assign(exposure=2.5)
    frame.to_parquet(tmp_path / "equal.parquet", row_group_size=500)
    equal = _train(tmp_path / "equal.parquet", tmp_path / "equal", "--stream",
                   "--no-calibrate", "--weight-column", "exposure")
    assert equal["training"]["sample_weight"] is False
    np.testing.assert_array_equal(
        findeep.load(tmp_path / "equal").predict_proba(rows),
        findeep.load(tmp_path / "plain").predict_proba(rows))


def test_streamed_weight_column_refuses_what_is_no_weight_in_one_line(weighted, tmp_path):
    frame = pd.read_parquet(weighted)
    frame.loc[frame.index % 250 == 0, "exposure"] = -1.0
    frame.to_parquet(tmp_path / "negative.parquet", row_group_size=500)
    cases = [(weighted, "exposre", "Did you mean 'exposure'"),
             (weighted, "default", "is also the target"),
             (tmp_path / "negative.parquet", "exposure", "has 12 missing, non-numeric or negative")]
    for data, column, said in cases:
        result = run("train", data, "--target", "default", "--stream", "--weight-column",
                     column, "--max-epochs", "1", "--quiet", "--out", tmp_path / "x")
        assert result.exit_code == 2, result.output
        assert said in result.output and "Traceback" not in result.output
        assert not (tmp_path / "x").exists()


def test_streamed_cqr_intervals_adapt_to_each_row_as_in_memory(tmp_path):
    """`--interval-method cqr` with --stream (it was refused): a quantile network trained over
    the same streamed epochs, its band calibrated on the validation rows; the test rows'
    coverage is reported, widths differ from row to row (split-conformal's do not), and chunked
    scoring writes the same ends as the estimator."""
    from findeep.data.samples import load_sample

    sample = load_sample("loans")
    parquet = tmp_path / "loans.parquet"
    sample.frame.to_parquet(parquet, row_group_size=1_000)
    common = ["train", str(parquet), "--target", sample.target, "--stream", "--max-epochs",
              "3", "-q"]
    result = run(*common, "--interval-method", "cqr", "--out", tmp_path / "cqr")
    assert result.exit_code == 0, result.output
    test = json.loads((tmp_path / "cqr" / "metrics.json").read_text())["test"]
    assert test["interval_method"] == "cqr"
    assert 0.85 <= test["interval_coverage"] <= 0.95, test
    model = findeep.load(tmp_path / "cqr")
    assert model.pipeline_.quantile_network is not None
    rows = sample.frame.drop(columns=[sample.target]).head(400)
    ends = model.predict_interval(rows, 0.9)
    widths = ends[:, 1] - ends[:, 0]
    assert np.ptp(widths) > 0.1 * widths.mean()  # one width per row, not one for all
    scored = tmp_path / "scored.parquet"
    assert run("predict", tmp_path / "cqr", parquet, "--out", scored, "--stream",
               "--interval", "0.9").exit_code == 0
    chunked = pd.read_parquet(scored).head(400)
    np.testing.assert_allclose(chunked[["lower", "upper"]].to_numpy(), ends, rtol=1e-5)


class _Stopped(Exception):
    """The stand-in for a killed run: raised from an epoch's progress hook, after the
    previous epoch's checkpoint was written."""


@pytest.fixture(scope="module")
def cqr_straight(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The loans sample as Parquet, and a streamed CQR run on it never interrupted (one
    for both of the test's cases: ~6 s each)."""
    import findeep.streamed as streamed
    from findeep.data.samples import load_sample

    root = tmp_path_factory.mktemp("cqr")
    sample = load_sample("loans")
    sample.frame.to_parquet(root / "loans.parquet", row_group_size=1_000)
    streamed.train_streamed(root / "loans.parquet", out=root / "straight", **_cqr_options())
    return root / "loans.parquet", root / "straight"


def _cqr_options() -> dict:
    from findeep.data.samples import load_sample

    return {"target": load_sample("loans").target, "verbose": 0, "interval_method": "cqr",
            "train_options": {"max_epochs": 3}}


@pytest.mark.parametrize("stopped_in", ["point", "quantile"])
def test_streamed_cqr_resumes_from_either_network_to_the_uninterrupted_intervals(
        stopped_in, cqr_straight, tmp_path, monkeypatch):
    """--interval-method cqr with --checkpoint-dir (it was refused): a run stopped while the
    point network trains, or while the quantile network does, goes on with --resume and ends
    at the uninterrupted run's predictions and interval ends to the bit; the quantile network's
    epochs are checkpointed in the folder's `quantiles` subfolder, and a resume that reaches
    it before it began says nothing about an empty folder. A run started over with --force
    leaves none of an earlier run's checkpoints behind: not its quantile network's (at another
    level here, which a resume would refuse as a different run), nor its point network's later
    epochs (keeping the newest two by name deleted the new run's own epoch-0001, and the resume
    failed on a dangling latest.json)."""
    import warnings

    import findeep.streamed as streamed
    from findeep.data.samples import load_sample

    sample = load_sample("loans")
    parquet, straight_bundle = cqr_straight
    options = _cqr_options()

    fit = streamed.fit_network_streamed
    trained: list[tuple[str, int]] = []  # (network, epoch) as each epoch ends

    def recording(network, *args, config, on_epoch_end=None, **kwargs):
        which = "quantile" if config.loss == "pinball" else "point"

        def hook(epoch, record):
            if (which, epoch) == (stopped_in, 2) and not resuming:
                raise _Stopped
            trained.append((which, epoch))
        return fit(network, *args, config=config, on_epoch_end=hook, **kwargs)

    checkpoints = tmp_path / "ckpt"
    earlier = stopped_in == "point"
    if earlier:  # a finished run at another level, whose checkpoints --force replaces
        streamed.train_streamed(parquet, out=tmp_path / "earlier", checkpoint_dir=checkpoints,
                                **{**options, "interval": 0.8})
    monkeypatch.setattr(streamed, "fit_network_streamed", recording)
    resuming = False
    with pytest.raises(_Stopped):
        streamed.train_streamed(parquet, out=tmp_path / "resumed", checkpoint_dir=checkpoints,
                                force=earlier, **options)
    saved = sorted(p.name for p in (checkpoints / "quantiles").glob("epoch-*"))
    assert saved == (["epoch-0001"] if stopped_in == "quantile" else [])
    trained.clear()
    resuming = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        streamed.train_streamed(parquet, out=tmp_path / "resumed", checkpoint_dir=checkpoints,
                                resume=True, **options)
    assert not [w for w in caught if "no checkpoint" in str(w.message)]
    # only the epochs the stopped run had not finished are trained again
    assert trained == ([("point", 2), ("point", 3)] if stopped_in == "point" else []) + \
        [("quantile", e) for e in ((1, 2, 3) if stopped_in == "point" else (2, 3))]
    assert (checkpoints / "quantiles" / "epoch-0003").exists()
    rows = sample.frame.drop(columns=[sample.target]).head(500)
    straight, resumed = findeep.load(straight_bundle), findeep.load(tmp_path / "resumed")
    np.testing.assert_array_equal(resumed.predict(rows), straight.predict(rows))
    np.testing.assert_array_equal(resumed.predict_interval(rows, 0.9),
                                  straight.predict_interval(rows, 0.9))
