"""Regression and multiclass models are served with the same scores as batch scoring."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

import findeep
from findeep.serve import create_app
from findeep.testing import json_record, make_credit_frame


@pytest.fixture(scope="module")
def frame():
    return make_credit_frame(400, seed=3)


def test_regression_predictions_match_batch_scoring(frame):
    """A regressor's served prediction equals predict() on the same rows."""
    X = frame.drop(columns=["default", "income"])
    model = findeep.TabularRegressor(model="mlp", max_epochs=2).fit(X, frame["income"].fillna(0))
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
