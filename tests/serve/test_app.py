"""The scoring API driven in-process: scores, status codes, headers, documents."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from findeep.errors import BundleError, ConfigError
from findeep.serve import create_app
from findeep.serve.app import WARNING_HEADER


@pytest.fixture(scope="module")
def client(credit_bundle: Path) -> TestClient:
    return TestClient(create_app(credit_bundle, max_rows=50, max_bytes=10_000))


def test_a_record_served_alone_scores_as_in_batch_scoring(client, credit_model, scoring_frame,
                                                          records):
    """Each record's probability, alone or in a list, equals findeep.load(...) scoring to 1e-6."""
    expected = credit_model.event_probability(scoring_frame)
    alone = [client.post("/v1/predict", json=r).json()["probability"] for r in records[:20]]
    listed = client.post("/v1/predict", json=records[:20]).json()
    np.testing.assert_allclose(alone, expected[:20], atol=1e-6, rtol=0)
    np.testing.assert_allclose(listed["probability"], expected[:20], atol=1e-6, rtol=0)
    assert listed["rows"] == 20
    assert listed["predicted"] == [int(p >= 0.5) for p in listed["probability"]]


def test_concurrent_requests_score_as_they_would_alone(credit_bundle, credit_model,
                                                       scoring_frame, records):
    """Requests arriving together (scored in one merged batch) get their own correct scores."""
    app = create_app(credit_bundle)

    async def score_all() -> list[Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            bodies = [records[i] if i % 3 else records[i:i + 3] for i in range(30)]
            responses = await asyncio.gather(*(http.post("/v1/predict", json=b) for b in bodies))
        return [r.json() for r in responses]

    expected = credit_model.event_probability(scoring_frame)
    for i, body in enumerate(asyncio.run(score_all())):
        if i % 3:
            assert body["probability"] == pytest.approx(expected[i], abs=1e-6)
        else:
            np.testing.assert_allclose(body["probability"], expected[i:i + 3], atol=1e-6)


def test_missing_fields_get_422_naming_each_of_them(client, records):
    """A record without 'income' and 'age' is refused with both names in the message."""
    record = {k: v for k, v in records[0].items() if k not in ("income", "age")}
    response = client.post("/v1/predict", json=record)
    assert response.status_code == 422
    body = response.json()
    assert "income" in body["detail"] and "age" in body["detail"]
    assert {e["field"] for e in body["errors"] if e["problem"] == "missing"} == {"income", "age"}


def test_wrong_types_get_422_naming_the_fields(client, records):
    """Text for a number, a list for a category and a non-date are refused as wrong types."""
    bad = [records[0], {**records[1], "age": "old", "purpose": ["car"], "applied_on": "soon"}]
    response = client.post("/v1/predict", json=bad)
    assert response.status_code == 422
    invalid = {(e["record"], e["field"]) for e in response.json()["errors"]}
    assert invalid == {(1, "age"), (1, "purpose"), (1, "applied_on")}


def test_null_values_score_as_missing_values_in_batch_scoring(client, credit_model, records):
    """null is a missing value, imputed exactly as a NaN in a DataFrame is."""
    record = {**records[0], "income": None, "purpose": None}
    expected = credit_model.event_probability(pd.DataFrame([{**record, "income": np.nan}]).assign(
        applied_on=lambda f: pd.to_datetime(f["applied_on"])))
    assert client.post("/v1/predict", json=record).json()["probability"] == pytest.approx(
        expected[0], abs=1e-6)


def test_unseen_categories_score_as_in_batch_and_are_reported(client, credit_model, records):
    """A purpose never seen in training gets the batch path's score and is counted."""
    record = {**records[0], "purpose": "spaceship"}
    frame = pd.DataFrame([record]).assign(applied_on=lambda f: pd.to_datetime(f["applied_on"]))
    body = client.post("/v1/predict", json=record).json()
    assert body["probability"] == pytest.approx(credit_model.event_probability(frame)[0],
                                                abs=1e-6)
    assert body["unseen_categories"] == {"purpose": 1}


def test_a_column_empty_in_every_record_of_a_batch_is_named(client, records):
    """25 records with no age (a broken join upstream) name 'age' in empty_columns."""
    body = client.post("/v1/predict", json=[{**r, "age": None} for r in records[:25]]).json()
    assert body["empty_columns"] == ["age"]
    assert client.post("/v1/predict", json=records[:25]).json()["empty_columns"] == []


def test_a_numeric_column_far_off_its_training_scale_is_named(client, records):
    """Incomes 1000x smaller ('64,001' read as 64.001) name 'income' with the batch median."""
    shrunk = [{**r, "income": None if r["income"] is None else r["income"] / 1000}
              for r in records[:25]]
    incomes = [r["income"] for r in shrunk if r["income"] is not None]
    assert len(incomes) >= 20  # enough values for the median to be trusted
    body = client.post("/v1/predict", json=shrunk).json()
    assert body["off_scale"] == {"income": pytest.approx(np.median(incomes))}
    assert client.post("/v1/predict", json=records[:25]).json()["off_scale"] == {}


def test_missing_categories_are_counted_apart_from_unseen_ones(client, records):
    """A null or blank purpose (never missing in training) is missing, not unseen."""
    body = client.post("/v1/predict", json=[{**records[0], "purpose": None},
                                             {**records[1], "purpose": "  "},
                                             {**records[2], "purpose": "spaceship"}]).json()
    assert body["missing_categories"] == {"purpose": 2}
    assert body["unseen_categories"] == {"purpose": 1}
    alone = client.post("/v1/predict", json={**records[0], "purpose": None}).json()
    assert (alone["missing_categories"], alone["unseen_categories"]) == ({"purpose": 1}, {})


def test_requests_scored_together_each_get_their_own_findings(credit_bundle, records):
    """Merged into one forward pass, a 25-record request with no age names it; a lone
    record with no age, scored alongside, names nothing (too few rows to be suspicious)."""
    app = create_app(credit_bundle)
    bodies = [[{**r, "age": None} for r in records[:25]], {**records[30], "age": None},
              records[31]]

    async def score_all() -> list[Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            responses = await asyncio.gather(*(http.post("/v1/predict", json=b) for b in bodies))
        return [r.json() for r in responses]

    empty = [body["empty_columns"] for body in asyncio.run(score_all())]
    assert empty == [["age"], [], []]


def test_the_findings_are_optional_response_fields(client):
    """The new fields are documented but not required, so older clients' schemas still hold."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("Prediction", "Predictions"):
        properties, required = schemas[name]["properties"], schemas[name]["required"]
        for field in ("missing_categories", "empty_columns", "off_scale"):
            assert field in properties and field not in required
        assert "unseen_categories" in required


def test_unknown_fields_are_ignored_with_a_warning_header(client, records):
    """An extra field does not change the score and is named in X-Findeep-Warning."""
    plain = client.post("/v1/predict", json=records[0])
    extra = client.post("/v1/predict", json={**records[0], "shoe_size": 44})
    assert extra.status_code == 200
    assert extra.json()["probability"] == plain.json()["probability"]
    assert "shoe_size" in extra.headers[WARNING_HEADER]
    assert WARNING_HEADER not in plain.headers


def test_strict_mode_rejects_unknown_fields(credit_bundle, records):
    """With strict=True an extra field is a 422 naming it."""
    strict = TestClient(create_app(credit_bundle, strict=True))
    response = strict.post("/v1/predict", json={**records[0], "shoe_size": 44})
    assert response.status_code == 422
    assert "shoe_size" in response.json()["detail"]


def test_too_many_rows_get_413(credit_bundle, records):
    """More records than max_rows is refused, even when some of them are also invalid."""
    limited = TestClient(create_app(credit_bundle, max_rows=5))
    assert limited.post("/v1/predict", json=records[:5]).status_code == 200
    response = limited.post("/v1/predict", json=records[:6])
    assert response.status_code == 413
    assert "5" in response.json()["detail"]
    assert limited.post("/v1/predict", json=[{}] * 6).status_code == 413


def test_too_many_bytes_get_413_even_without_content_length(client, records):
    """A body over max_bytes is refused, whether declared up front or streamed in chunks."""
    big = json.dumps([records[0]] * 49).encode()
    assert len(big) > 10_000
    assert client.post("/v1/predict", content=big).status_code == 413

    def chunks():
        for start in range(0, len(big), 4096):
            yield big[start:start + 4096]

    assert client.post("/v1/predict", content=chunks()).status_code == 413


@pytest.mark.parametrize("body", [b"", b"{\"age\": ", b"42", b"\"text\"", b"[]", b"[1, 2]",
                                  b"null", b"{\"a\": NaN}"])
def test_malformed_bodies_get_422_without_a_traceback(client, body):
    """Empty, truncated, scalar and empty-list bodies get a one-sentence 422."""
    response = client.post("/v1/predict", content=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "Traceback" not in response.text


def test_infinite_numbers_get_422(client, records):
    """1e999 (infinity) is refused rather than scored."""
    text = json.dumps(records[0]).replace(f"\"age\": {records[0]['age']}", "\"age\": 1e999")
    assert client.post("/v1/predict", content=text).status_code == 422


def test_api_key_is_required_when_set(credit_bundle, records):
    """Without the right X-API-Key every /v1 route answers 401; /healthz stays open."""
    guarded = TestClient(create_app(credit_bundle, api_key="s3cret"))
    assert guarded.post("/v1/predict", json=records[0]).status_code == 401
    assert guarded.post("/v1/predict", json=records[0],
                        headers={"X-API-Key": "wrong"}).status_code == 401
    assert guarded.get("/v1/model").status_code == 401
    assert guarded.post("/v1/predict", json=records[0],
                        headers={"X-API-Key": "s3cret"}).status_code == 200
    assert guarded.get("/healthz").status_code == 200


def test_model_document_describes_schema_task_metrics_and_date(client):
    """GET /v1/model gives the columns, task, event class, metrics and training date."""
    body = client.get("/v1/model").json()
    assert body["task"] == "binary" and body["event_class"] == 1
    assert {f["name"] for f in body["features"]} >= {"income", "purpose", "applied_on"}
    assert body["metrics"] == {"roc_auc": 0.7}
    assert body["trained_at"].startswith("20") and body["trained_with"]["findeep"]
    assert body["limits"]["max_rows"] == 50 and body["limits"]["max_bytes"] == 10_000


def test_openapi_request_schema_lists_the_trained_columns(client, credit_model):
    """/openapi.json documents every trained column as a required field with its type."""
    schema = client.get("/openapi.json").json()
    record = schema["components"]["schemas"]["ScoringRecord"]
    used = credit_model.pipeline_.schema.used_names
    assert set(record["required"]) == set(used)
    assert {"type": "number"} in record["properties"]["income"]["anyOf"]
    assert record["properties"]["applied_on"]["anyOf"][0]["format"] == "date-time"
    assert client.get("/docs").status_code == 200


def test_explain_returns_scores_with_reason_codes(client, credit_model, scoring_frame, records):
    """POST /v1/explain gives the record's score and at most `top` reason texts."""
    response = client.post("/v1/explain?top=2", json=records[0])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["probability"] == pytest.approx(
        credit_model.event_probability(scoring_frame.iloc[:1])[0], abs=1e-4)
    assert len(body["reasons"]) <= 2 and all(isinstance(r, str) for r in body["reasons"])
    assert set(body["attributions"]) == set(credit_model.pipeline_.schema.used_names)


def test_explain_carries_the_same_findings_as_predict(client, records):
    """Explaining a batch with no age and incomes 1000x small names both, as /v1/predict
    does: reasons computed from a broken join are as wrong as its scores."""
    broken = [{**r, "age": None, "purpose": "spaceship" if i == 0 else r["purpose"],
               "income": None if r["income"] is None else r["income"] / 1000}
              for i, r in enumerate(records[:25])]
    explained = client.post("/v1/explain", json=broken)
    assert explained.status_code == 200, explained.text
    predicted = client.post("/v1/predict", json=broken).json()
    for field in ("empty_columns", "off_scale", "unseen_categories", "missing_categories"):
        assert explained.json()[field] == predicted[field]
    assert explained.json()["empty_columns"] == ["age"]
    assert set(explained.json()["off_scale"]) == {"income"}
    assert explained.json()["unseen_categories"] == {"purpose": 1}
    clean = client.post("/v1/explain", json=records[0]).json()
    assert (clean["empty_columns"], clean["off_scale"], clean["unseen_categories"]) == ([], {}, {})
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("Explanation", "Explanations"):
        assert "off_scale" in schemas[name]["properties"]
        assert "off_scale" not in schemas[name].get("required", [])


def test_create_app_refuses_bad_settings_with_clear_errors(credit_bundle, tmp_path):
    """A missing bundle, an empty API key or a zero row limit fail at start-up, not later."""
    with pytest.raises(BundleError, match="not a findeep bundle"):
        create_app(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="api_key"):
        create_app(credit_bundle, api_key=" ")
    with pytest.raises(ConfigError, match="max_rows"):
        create_app(credit_bundle, max_rows=0)


def test_the_server_threshold_decides_the_predicted_class(credit_bundle, records):
    """`findeep serve --threshold T` predicts the event at probability >= T and says so."""
    low = TestClient(create_app(credit_bundle, threshold=0.1))
    body = low.post("/v1/predict", json=records[:40]).json()
    assert body["predicted"] == [int(p >= 0.1) for p in body["probability"]]
    assert sum(body["predicted"]) > sum(int(p >= 0.5) for p in body["probability"])
    assert low.get("/v1/model").json()["limits"]["threshold"] == 0.1
    with pytest.raises(ConfigError, match="threshold must be between 0 and 1"):
        create_app(credit_bundle, threshold=0.0)


def test_a_control_character_in_an_unknown_field_name_is_escaped_in_the_header() -> None:
    """uvicorn drops the connection on a newline in a header value (TestClient does not):
    the header only ever holds printable ASCII."""
    from findeep.request_body import header_text

    text = header_text("ignored unknown field(s): 'a\nb', '\x00x', 'é'")
    assert all(32 <= ord(c) < 127 for c in text)
    assert "a\\x0ab" in text and "\\xe9" in text


def test_the_model_document_reports_the_explain_limit_the_route_applies(records, credit_bundle):
    """With --max-rows 50 /v1/explain takes at most 50 records, and /v1/model says 50 (not
    the default 100 it never applies); without it, 100."""
    client = TestClient(create_app(credit_bundle, max_rows=50))
    assert client.get("/v1/model").json()["limits"]["max_explain_rows"] == 50
    refused = client.post("/v1/explain", json=records[:60])
    assert refused.status_code == 413 and "limit of 50 records" in refused.json()["detail"]
    default = TestClient(create_app(credit_bundle)).get("/v1/model").json()["limits"]
    assert default["max_explain_rows"] == 100
