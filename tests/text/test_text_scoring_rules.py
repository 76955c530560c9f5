"""A text model's other columns are scored as tabular ones are: a date column in the order
its training rows told (never guessed again per batch), a column with no value named."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from findeep.testing import make_text_credit_frame
from findeep.text import TextClassifier


@pytest.fixture(scope="module")
def model_and_rows() -> tuple[TextClassifier, pd.DataFrame, pd.DatetimeIndex]:
    frame = make_text_credit_frame(400, seed=1)
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 700, len(frame)), "D")
    frame["applied"] = days.strftime("%d/%m/%Y")  # day first: days above 12 tell it
    frame["default"] = (frame["default"].to_numpy() | (days.month.to_numpy() > 6)).astype(int)
    y = frame.pop("default")
    model = TextClassifier(text_column="purpose_text", max_epochs=2).fit(frame, y)
    rows = make_text_credit_frame(40, seed=7).drop(columns=["default"])
    stamps = pd.Timestamp("2022-03-01") + pd.to_timedelta(np.arange(40) % 9, "D")  # days <= 12
    return model, rows.assign(applied=stamps.strftime("%d/%m/%Y")), stamps


def test_a_batch_of_early_days_is_read_in_the_training_order(model_and_rows):
    model, rows, stamps = model_and_rows
    day_first = model.predict_proba(rows)
    iso = model.predict_proba(rows.assign(applied=stamps.strftime("%Y-%m-%d")))
    np.testing.assert_allclose(day_first, iso, atol=1e-6)


def test_a_column_with_no_value_in_the_batch_is_named(model_and_rows):
    model, rows, _ = model_and_rows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict_proba(rows.assign(income=np.nan))
    assert any("'income'" in str(w.message) and "no value" in str(w.message) for w in caught)



def test_a_column_far_off_its_training_scale_is_named(model_and_rows):
    """Incomes 1000x small ('64,001' read as 64.001) warn as in tabular scoring, with the
    training scale read off the fitted quantile scaler (text bundles keep no profile)."""
    model, rows, _ = model_and_rows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict_proba(rows.assign(income=rows["income"] / 1000))
    assert any("far off the scale" in str(w.message) and "'income'" in str(w.message)
               for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict_proba(rows)
    assert not any("far off the scale" in str(w.message) for w in caught)

@pytest.mark.parametrize(("field", "value"), [
    ("income", "5200"), ("income", True), ("income", [1]), ("age", {"years": 3}),
    ("home", ["rent"]), ("applied", "soon"), ("applied", 20210304)])
def test_the_server_refuses_a_value_of_the_wrong_kind_naming_the_field(model_and_rows, field,
                                                                         value):
    """As the tabular server does: text or true in a numeric column, a list in a category,
    a non-date in a date column is a 422 naming record and field, not a silent missing value
    (it was scored as the training median) or a 500."""
    from fastapi.testclient import TestClient

    from findeep.text.serve import create_text_app

    model, rows, _ = model_and_rows
    client = TestClient(create_text_app(model.pipeline_), raise_server_exceptions=False)
    good = rows.iloc[:2].to_dict("records")
    for route in ("/v1/predict", "/v1/explain"):
        response = client.post(route, json={"records": [good[0], {**good[1], field: value}]})
        assert response.status_code == 422, (route, response.text)
        assert f"record 1: '{field}' must be" in response.json()["detail"]
    fine = client.post("/v1/predict", json={"records": [good[0], {**good[1], field: None}]})
    assert fine.status_code == 200, fine.text
    assert client.post("/v1/predict", json={"records": good}).status_code == 200


def test_an_infinite_value_beside_the_text_is_refused_at_training_as_at_scoring() -> None:
    """One ±inf among the training rows' other columns was learnt from (and the model then
    refused the same value when scoring); training now refuses it in the same sentence."""
    from findeep.errors import DataError

    frame = make_text_credit_frame(200, seed=2)
    y = frame.pop("default")
    number = frame.select_dtypes("number").columns[0]
    frame.loc[3, number] = -np.inf
    with pytest.raises(DataError, match=f"column\\(s\\) {number} hold infinite values"):
        TextClassifier(text_column="purpose_text", max_epochs=1).fit(frame, y)
