"""A record served by /v1/predict scores as ``findeep.load(bundle)`` scores its row, for
every category spelling batch scoring accepts (yes/no spellings, blank text, numbers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import findeep
from findeep.serve import create_app


@pytest.fixture(scope="module")
def yes_no_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model whose default depends on a yes/no column written "True"/"False" as text,
    beside a yes/no column of booleans, a grade coded 1-3 and a purpose of four levels."""
    rng = np.random.default_rng(0)
    n = 400
    guarantor = rng.random(n) < 0.5
    frame = pd.DataFrame({
        "guarantor": np.where(guarantor, "True", "False"),
        "has_card": rng.random(n) < 0.5,
        "grade": rng.integers(1, 4, n),
        "purpose": rng.choice(["car", "home", "study", "other"], n),
        "income": rng.normal(50.0, 10.0, n).round(1),
    })
    default = np.where(rng.random(n) < np.where(guarantor, 0.15, 0.6), "bad", "good")
    path = tmp_path_factory.mktemp("parity") / "bundle"
    findeep.TabularClassifier(max_epochs=2, bagging=1).fit(frame, default).save(path)
    return path


@pytest.fixture(scope="module")
def client(yes_no_bundle: Path) -> TestClient:
    return TestClient(create_app(yes_no_bundle))


_BASE: dict[str, Any] = {"guarantor": "True", "has_card": True, "grade": 2,
                         "purpose": "car", "income": 48.5}


@pytest.mark.parametrize("column,value", [
    ("guarantor", "TRUE"), ("guarantor", "true"), ("guarantor", "False"),
    ("guarantor", "FALSE"), ("guarantor", "false"), ("guarantor", True), ("guarantor", False),
    ("guarantor", "yes"), ("guarantor", ""), ("guarantor", "  "), ("guarantor", None),
    ("has_card", "true"), ("has_card", "FALSE"), ("has_card", "True"), ("has_card", False),
    ("guarantor", 1), ("guarantor", "0"), ("has_card", 1), ("has_card", 0), ("has_card", 2),
    ("grade", 1), ("grade", 1.0), ("grade", "1"), ("grade", 2.5),
    ("purpose", ""), ("purpose", "CAR"),
])
def test_a_served_record_scores_as_its_row_in_batch_scoring(client, yes_no_bundle, column,
                                                             value):
    """The served probability equals batch scoring's for the same row (1e-6), and both
    report the same unseen and missing category values."""
    record = {**_BASE, column: value}
    body = client.post("/v1/predict", json=record).json()
    model = findeep.load(yes_no_bundle)
    expected = model.predict_proba(pd.DataFrame([record]))[:, list(model.classes_).index("bad")]
    assert body["probability"] == pytest.approx(expected[0], abs=1e-6)
    _, _, report = model.pipeline_.transform(pd.DataFrame([record]))
    assert body["unseen_categories"] == report.unseen_categories
    assert body["missing_categories"] == report.missing_categories


def test_yes_no_spellings_served_score_as_the_level_training_saw(client):
    """"TRUE", "true", true and 1 score as the trained "True", not as the unknown level."""
    scores = {spelling: client.post("/v1/predict", json={**_BASE, "guarantor": spelling}
                                    ).json()["probability"]
              for spelling in ("True", "TRUE", "true", True, 1, "1")}
    assert len(set(scores.values())) == 1, scores
    unknown = client.post("/v1/predict", json={**_BASE, "guarantor": "maybe"}).json()
    assert unknown["probability"] != scores["True"]
