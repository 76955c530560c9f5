"""Numeric fields take JSON numbers only: text and booleans are refused, not coerced."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from findeep.serve import create_app


@pytest.fixture(scope="module")
def client(credit_bundle: Path) -> TestClient:
    return TestClient(create_app(credit_bundle))


@pytest.mark.parametrize("value", ["5200", "5200.0", True, False])
def test_text_or_a_boolean_for_a_number_gets_422_naming_the_field(client, records, value):
    """'5200' or true for the numeric 'income' is a 422 naming it, not scored as 5200.0 or 1.0."""
    response = client.post("/v1/predict", json={**records[0], "income": value})
    assert response.status_code == 422
    body = response.json()
    assert "income" in body["detail"]
    assert [(e["field"], e["problem"]) for e in body["errors"]] == [("income", "invalid")]
    assert body["errors"][0]["message"] == "Input should be a valid number"


def test_text_for_a_number_in_a_list_names_the_record_and_the_field(client, records):
    """In a batch, the bad record's index and field are both reported."""
    response = client.post("/v1/predict", json=[records[0], {**records[1], "age": "41"}])
    assert response.status_code == 422
    assert {(e["record"], e["field"]) for e in response.json()["errors"]} == {(1, "age")}


def test_integers_and_null_are_still_accepted_for_float_columns(client, records):
    """An integer for a float column scores as that number; null stays a missing value."""
    as_float = client.post("/v1/predict", json={**records[0], "income": 37000.0})
    as_int = client.post("/v1/predict", json={**records[0], "income": 37000})
    missing = client.post("/v1/predict", json={**records[0], "income": None})
    assert as_float.status_code == as_int.status_code == missing.status_code == 200
    assert as_int.json()["probability"] == as_float.json()["probability"]


def test_openapi_still_documents_numeric_fields_as_nullable_numbers(client):
    """The strictness changes no schema: a numeric field is a number or null."""
    record = client.get("/openapi.json").json()["components"]["schemas"]["ScoringRecord"]
    assert [option["type"] for option in record["properties"]["income"]["anyOf"]] == [
        "number", "null"]
