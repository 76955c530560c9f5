"""Date fields are read as batch scoring reads them: the same scores, the same unreadable
values (refused here, with the field named), blank text missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import findeep
from findeep.data.schema import FindeepWarning
from findeep.serve import create_app
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def client(credit_bundle: Path) -> TestClient:
    return TestClient(create_app(credit_bundle, max_rows=50))


def _batch(model: Any, records: list[dict[str, Any]]) -> np.ndarray:
    """``findeep.load(...)`` scoring of the records as a table, dates left as text."""
    return model.event_probability(pd.DataFrame(records))


@pytest.mark.filterwarnings("ignore:dates such as")  # '04/03/2021': month first, as in batch
@pytest.mark.parametrize("date", ["2021-03-04", "2021-03-04T10:30:00+01:00", "04/03/2021",
                                  "Mar 4, 2021", "2021-03-04 10:30", " 2021-03-04 "])
def test_a_date_batch_scoring_reads_scores_as_in_batch(client, credit_model, records, date):
    """Each way of writing a date that batch scoring reads is accepted and scored as there
    (before, only Python's fromisoformat forms were, and the others got 422)."""
    record = {**records[0], "applied_on": date}
    response = client.post("/v1/predict", json=record)
    assert response.status_code == 200, response.text
    assert response.json()["probability"] == pytest.approx(_batch(credit_model, [record])[0],
                                                           abs=1e-6)


@pytest.mark.parametrize("date", ["2022-W22-2", "2021-02-30", "soon", "2022-152"])
def test_a_date_batch_scoring_cannot_read_is_refused_naming_the_field(client, credit_model,
                                                                       records, date):
    """An ISO week date (Python reads it, pandas does not: batch scoring imputes it) or any
    other text batch scoring cannot read is a 422 naming the record and field, never a
    score batch scoring would not give."""
    record = {**records[0], "applied_on": date}
    with pytest.warns(FindeepWarning, match="not dates"):  # batch: read as missing
        _batch(credit_model, [record])
    response = client.post("/v1/predict", json=[records[1], record])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["record"], e["field"]) for e in errors] == [(1, "applied_on")]
    assert repr(date) in errors[0]["message"]


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_date_is_missing_as_in_batch_scoring(client, credit_model, records, blank):
    """Empty or spaces-only date text scores as a missing date (as null, and as an empty CSV
    cell in batch scoring), not 422."""
    record = {**records[0], "applied_on": blank}
    response = client.post("/v1/predict", json=record)
    assert response.status_code == 200, response.text
    missing = client.post("/v1/predict", json={**records[0], "applied_on": None}).json()
    assert response.json()["probability"] == missing["probability"]
    assert response.json()["probability"] == pytest.approx(
        _batch(credit_model, [record])[0], abs=1e-6)


def test_a_request_s_dates_are_read_together_as_a_batch_reads_a_column(client, credit_model,
                                                                       records):
    """'25/06/2021' in the request tells that '06/05/2021' is the 6th of May, as it does in
    batch scoring of the same rows; dates mixing both orders are refused, as batch scoring
    refuses them."""
    rows = [{**records[0], "applied_on": "25/06/2021"}, {**records[1], "applied_on": "06/05/2021"}]
    body = client.post("/v1/predict", json=rows).json()
    np.testing.assert_allclose(body["probability"], _batch(credit_model, rows), atol=1e-6)
    may = {**records[1], "applied_on": "2021-05-06"}
    assert body["probability"][1] == pytest.approx(_batch(credit_model, [may])[0], abs=1e-6)
    mixed = [rows[0], {**records[1], "applied_on": "06/25/2021"}]
    response = client.post("/v1/predict", json=mixed)
    assert response.status_code == 422
    assert "mix day-first and month-first" in response.json()["errors"][0]["message"]


def test_explain_reads_dates_as_predict_does(client, records):
    """/v1/explain takes a blank date as missing too, and scores it as /v1/predict does."""
    record = {**records[0], "applied_on": "  "}
    explained = client.post("/v1/explain", json=record)
    assert explained.status_code == 200, explained.text
    predicted = client.post("/v1/predict", json=record).json()
    assert explained.json()["probability"] == pytest.approx(predicted["probability"], abs=1e-4)


@pytest.fixture(scope="module")
def day_first_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A model trained on dates written day first ('25/06/2021'), saved as a bundle."""
    frame = make_credit_frame(400, seed=5)
    frame["applied_on"] = frame["applied_on"].dt.strftime("%d/%m/%Y")
    y = frame.pop("default")
    model = findeep.TabularClassifier(max_epochs=2, bagging=1).fit(frame, y)
    assert model.pipeline_.schema.day_first == {"applied_on": True}
    return model, model.save(tmp_path_factory.mktemp("day_first") / "bundle")


def test_a_day_first_bundle_reads_served_dates_day_first(day_first_model, records):
    """The bundle's training order holds for a request as for a batch: '04/03/2021' is the
    4th of March, and '03/25/2021', no date in that order, is refused (batch: missing)."""
    model, bundle = day_first_model
    client = TestClient(create_app(bundle))
    record = {**records[0], "applied_on": "04/03/2021"}
    body = client.post("/v1/predict", json=record).json()
    assert body["probability"] == pytest.approx(_batch(model, [record])[0], abs=1e-6)
    march = {**records[0], "applied_on": "2021-03-04"}
    assert body["probability"] == pytest.approx(_batch(model, [march])[0], abs=1e-6)
    response = client.post("/v1/predict", json={**records[0], "applied_on": "03/25/2021"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "applied_on"
    described = client.get("/openapi.json").json()["components"]["schemas"]["ScoringRecord"]
    assert "day first" in described["properties"]["applied_on"]["description"]


def test_the_date_schema_says_what_is_read(client):
    """/openapi.json offers a date or a date-time (or null) and says how text is read."""
    record = client.get("/openapi.json").json()["components"]["schemas"]["ScoringRecord"]
    applied_on = record["properties"]["applied_on"]
    assert {"type": "string", "format": "date"} in applied_on["anyOf"]
    assert "as batch scoring reads it" in applied_on["description"]


@pytest.mark.parametrize("date", ["9999-12-31", "1500-01-01", "01/01/1500", "20180305"])
def test_a_day_first_bundle_scores_open_ended_and_compact_dates_as_batch_does(
        day_first_model, records, date):
    """9999-12-31 (an open end in bank data) and 1500-01-01 are no nanosecond timestamps,
    and 20180305 is the 5th of March whatever the bundle's day order: each scores as batch
    scoring reads it, never a 500."""
    model, bundle = day_first_model
    client = TestClient(create_app(bundle))
    record = {**records[0], "applied_on": date}
    response = client.post("/v1/predict", json=record)
    assert response.status_code == 200, response.text
    assert response.json()["probability"] == pytest.approx(_batch(model, [record])[0], abs=1e-6)
    if date == "20180305":
        march = {**records[0], "applied_on": "2018-03-05"}
        assert response.json()["probability"] == pytest.approx(_batch(model, [march])[0],
                                                               abs=1e-6)


def test_a_date_whose_order_is_guessed_is_said_in_a_warning_header(client, records):
    """A model trained on ISO dates reads '06/05/2021' month first, as batch scoring does;
    batch scoring warns of the guess, so the answer says it too (every time, though the
    reading is cached); an ISO date needs no word."""
    guessed = {**records[0], "applied_on": "06/05/2021"}
    for _ in range(2):
        response = client.post("/v1/predict", json=guessed)
        assert response.status_code == 200, response.text
        assert "could be day first or month first" in response.headers["x-findeep-warning"]
        assert response.headers["x-findeep-warning"].startswith("applied_on: ")
    iso = client.post("/v1/predict", json={**records[0], "applied_on": "2021-06-05"})
    assert "x-findeep-warning" not in iso.headers
