"""Regression and multiclass models are served with the same scores as batch scoring."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import findeep
from findeep.cli import app as cli
from findeep.errors import ConfigError
from findeep.serve import create_app
from findeep.serve import server as serve_module
from findeep.testing import json_record, make_credit_frame
from tests.serve.ports import free_port


@pytest.fixture(scope="module")
def frame():
    return make_credit_frame(400, seed=3)


@pytest.fixture(scope="module")
def regression(frame):
    """A regressor of ``income`` and its inputs."""
    X = frame.drop(columns=["default", "income"])
    return findeep.TabularRegressor(model="mlp", max_epochs=2).fit(X, frame["income"].fillna(0)), X


def test_regression_predictions_match_batch_scoring(regression):
    """A regressor's served prediction equals predict() on the same rows."""
    model, X = regression
    client = TestClient(create_app(model))
    records = [json_record(r) for r in X.iloc[:8].to_dict(orient="records")]
    body = client.post("/v1/predict", json=records).json()
    np.testing.assert_allclose(body["prediction"], model.predict(X.iloc[:8]), rtol=1e-5)
    assert client.get("/v1/model").json()["task"] == "regression"


@pytest.fixture(scope="module")
def multiclass(frame):
    """A multiclass model of ``home``, its inputs, and a test client serving it."""
    X = frame.drop(columns=["default", "home"])
    model = findeep.TabularClassifier(max_epochs=2, model_options={"k": 2}).fit(X, frame["home"])
    return model, X, TestClient(create_app(model))


def test_multiclass_probabilities_match_batch_scoring(multiclass):
    """A multiclass model's served class probabilities equal predict_proba()."""
    model, X, client = multiclass
    record = json_record(X.iloc[0].to_dict())
    body = client.post("/v1/predict", json=record).json()
    expected = model.predict_proba(X.iloc[:1])[0]
    got = [body["probabilities"][str(c)] for c in model.classes_]
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert body["predicted"] == model.classes_[int(np.argmax(expected))]


def test_multiclass_explanations_name_the_predicted_class(multiclass):
    """/v1/explain on a multiclass model explains each record's predicted class, as
    est.explain does, and says which class that is."""
    model, X, client = multiclass
    records = [json_record(r) for r in X.iloc[:3].to_dict(orient="records")]
    response = client.post("/v1/explain", json=records)
    assert response.status_code == 200, response.text
    body = response.json()
    local = model.explain(X.iloc[:3])
    assert body["explained_class"] == local["explained_class"].tolist()
    np.testing.assert_allclose(body["probability"], local["probability"], atol=1e-5)
    assert len(body["reasons"]) == 3


def test_a_threshold_is_refused_for_models_without_a_cut_off(regression, multiclass):
    """`findeep serve --threshold` on a regression or multiclass model is refused in
    `findeep predict`'s words, instead of being accepted and advertised in /v1/model."""
    for model in (regression[0], multiclass[0]):
        with pytest.raises(ConfigError, match="--threshold applies to binary models; this one "
                                              f"is a {model.pipeline_.task} model"):
            create_app(model, threshold=0.3)
    assert TestClient(create_app(regression[0])).get("/v1/model").json()["limits"][
        "threshold"] is None  # no cut-off to advertise
    assert multiclass[2].get("/v1/model").json()["limits"]["threshold"] is None


@pytest.mark.parametrize("threshold", ["0.3", "0.5"])
def test_serve_refuses_a_threshold_for_a_regression_bundle_in_one_line(regression, tmp_path,
                                                                       monkeypatch, threshold):
    """`findeep serve BUNDLE --threshold 0.3` on a regression bundle exits 2 in one line,
    as `findeep predict` does, and without the option it is served; 0.5 given explicitly
    is refused too (it used to pass as if no cut-off had been given)."""
    bundle = regression[0].save(tmp_path / "regression")
    served: list[Any] = []  # apps handed to uvicorn, which is not started here
    monkeypatch.setattr(serve_module, "serve_on",
                        lambda app, listener, **kwargs: served.append(app))
    result = CliRunner().invoke(cli, ["serve", str(bundle), "--threshold", threshold,
                                      "--port", str(free_port())])
    assert result.exit_code == 2, result.output
    assert "--threshold applies to binary models" in result.output
    assert "serving" not in result.output and not served
    result = CliRunner().invoke(cli, ["serve", str(bundle), "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    assert served[0].state.limits["threshold"] is None
