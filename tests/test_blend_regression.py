"""`default+catboost` on a regression target (a loan's rate): the network and CatBoost
averaged, with split-conformal intervals calibrated on rows neither half trained on."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import findeep
from findeep.errors import ConfigError
from findeep.estimators import TabularRegressor
from findeep.evaluate.intervals import ConformalIntervals
from findeep.explain.reasons import explain_frame
from findeep.serve.app import create_app
from tests.cli_helpers import run

pytest.importorskip("catboost")

FAST = {"max_epochs": 6}


def loans(n: int, seed: int) -> pd.DataFrame:
    """Rates from a grade, an amount and a few thresholds: a shape trees fit closely."""
    rng = np.random.default_rng(seed)
    grade = rng.choice(list("ABCDE"), n)
    amount = rng.lognormal(9.5, 0.6, n)
    score = rng.integers(560, 820, n).astype(float)
    rate = (6.0 + 2.5 * np.searchsorted(list("ABCDE"), grade) + 1.5 * (score < 640)
            + 0.8 * np.log(amount / 10_000) + rng.normal(0, 1.2, n))
    return pd.DataFrame({"grade": grade, "amount": amount, "score": score, "rate": rate})


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return loans(3_000, seed=0)


@pytest.fixture(scope="module")
def blend(table: pd.DataFrame) -> TabularRegressor:
    train = table.iloc[:800]
    return TabularRegressor(model="default+catboost", verbose=0, **FAST).fit(
        train.drop(columns=["rate"]), train["rate"])


def calibration_rows(blend: TabularRegressor, table: pd.DataFrame) -> np.ndarray:
    """Positions among the 800 training rows whose blend residual is one on record (each
    of the 160 stored residuals matched to exactly one row, to float32 precision)."""
    residuals = np.abs(table["rate"].iloc[:800].to_numpy()
                       - blend.predict(table.iloc[:800].drop(columns=["rate"])))
    gaps = np.abs(blend.pipeline_.intervals.residuals[:, None] - residuals[None, :])
    assert (gaps.min(axis=1) < 1e-4).all()  # every stored residual is the blend's on a row
    rows = gaps.argmin(axis=1)
    assert len(set(rows.tolist())) == len(rows)
    return rows


def test_catboost_trains_on_the_network_s_rows_and_the_intervals_on_the_rest(blend,
                                                                             table) -> None:
    """The network early-stops on 20% of the rows; CatBoost never sees them either, and the
    intervals' residuals are the blend's on exactly those rows."""
    pipeline = blend.pipeline_
    training = pipeline.training
    assert training["blend"]["partner_rows"] == training["fit_rows"] == 640
    assert training["blend"]["intervals_calibrated_on"] == training["validation_rows"] == 160
    # the residuals on record are the blend's on 160 of the 800 rows, not the network's
    train = table.iloc[:800].drop(columns=["rate"])
    blended = blend.predict(train)
    assert len(calibration_rows(blend, table)) == 160
    partner, pipeline.partner = pipeline.partner, None
    try:
        network_alone = pipeline.predict_raw(train)[0]
    finally:
        pipeline.partner = partner
    catboost_alone = partner.raw_prediction(train, pipeline.schema)
    np.testing.assert_allclose(blended, (network_alone + catboost_alone) / 2, atol=1e-5)
    assert np.abs(blended - network_alone).max() > 0.05  # CatBoost's half moves it


def test_the_blend_s_intervals_keep_their_coverage_on_new_rows(blend, table) -> None:
    """Calibrated on rows CatBoost trained on, the residuals would be too small (CatBoost
    nearly memorises 800 rows) and the intervals would miss far more than 10% of new
    rows; calibrated on held-out rows they cover about 90%."""
    new = table.iloc[800:]
    lower, upper = blend.predict_interval(new.drop(columns=["rate"])).T
    covered = np.mean((new["rate"] >= lower) & (new["rate"] <= upper))
    assert 0.85 <= covered <= 0.95, covered
    # what the leaky calibration would have given: residuals on CatBoost's own rows
    own = table.iloc[np.setdiff1d(np.arange(800), calibration_rows(blend, table))]
    leaky = ConformalIntervals.fit(own["rate"].to_numpy(),
                                   blend.predict(own.drop(columns=["rate"])), 0.9)
    assert leaky.half_width() < 0.95 * blend.pipeline_.intervals.half_width()


def test_a_saved_regression_blend_scores_serves_and_explains_as_trained(blend, table,
                                                                         tmp_path) -> None:
    X = table.iloc[800:900].drop(columns=["rate"])
    loaded = findeep.load(blend.save(tmp_path / "rates"))
    np.testing.assert_array_equal(loaded.predict(X), blend.predict(X))
    # the residuals are saved to 7 significant digits
    np.testing.assert_allclose(loaded.predict_interval(X), blend.predict_interval(X), atol=1e-6)
    client = TestClient(create_app(tmp_path / "rates"))
    records = json.loads(X.head(5).to_json(orient="records"))
    served = client.post("/v1/predict", json=records).json()
    np.testing.assert_allclose(served["prediction"], blend.predict(X.head(5)), atol=1e-5)
    np.testing.assert_allclose(np.c_[served["lower"], served["upper"]],
                               blend.predict_interval(X.head(5)), atol=1e-5)
    one = client.post("/v1/predict", json=records[0]).json()
    np.testing.assert_allclose(one["prediction"], served["prediction"][:1], atol=1e-5)
    # attributions in the rate's units: half the network's, half CatBoost's SHAP, adding
    # up to the prediction less one baseline for every row
    explained = explain_frame(loaded.pipeline_, X.head(20))
    attributions = explained.filter(like="attribution__")
    baseline = explained["prediction"] - attributions.sum(axis=1)
    assert baseline.std() < 0.02
    assert (attributions["attribution__grade"].abs() > 0.1).any()


@pytest.mark.parametrize(("options", "message"), [
    ({"interval_method": "cqr"}, "CQR's quantile network has no CatBoost half"),
    ({"bagging": 3}, "a regression blend trains one network"),
])
def test_what_a_regression_blend_cannot_honour_is_refused_before_any_fit(table, options,
                                                                         message) -> None:
    with pytest.raises(ConfigError, match=message):
        TabularRegressor(model="default+catboost", verbose=0, **options).fit(
            table.drop(columns=["rate"]), table["rate"])


def test_the_command_line_trains_a_regression_blend_and_writes_its_intervals(table,
                                                                            tmp_path) -> None:
    data = tmp_path / "rates.csv"
    table.iloc[:600].to_csv(data, index=False)
    result = run("train", data, "--target", "rate", "--model", "default+catboost",
                 "--max-epochs", "3", "--out", tmp_path / "blend")
    assert result.exit_code == 0, result.output
    assert "the blend's intervals calibrated on the" in result.stdout
    assert "split-conformal intervals cover" in result.stdout
    scored = run("predict", tmp_path / "blend", data, "--interval", "0.8", "--out",
                 tmp_path / "scores.csv")
    assert scored.exit_code == 0, scored.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert {"prediction", "lower", "upper"} <= set(scores.columns)
    assert (scores["lower"] < scores["prediction"]).all()
