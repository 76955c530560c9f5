"""What a security review asked of the server: no binding every interface by accident,
answers only for this machine when bound to it, documents behind the key when there is
one, no training-machine paths in /v1/model."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cli_helpers import assert_one_line_error, run
from findeep.console import http_address
from findeep.serve.app import create_app
from findeep.serve.server import app_from_settings, host_name, serving_settings


def test_an_empty_host_is_refused_not_every_interface(credit_bundle) -> None:
    """`--host "$HOST"` with HOST unset bound 0.0.0.0 without a word."""
    result = run("serve", credit_bundle, "--host", "", "--port", "18999")
    assert_one_line_error(result, "--host is empty", "127.0.0.1")


@pytest.mark.parametrize(("header", "name"), [
    ("127.0.0.1:8000", "127.0.0.1"), ("localhost", "localhost"), ("[::1]:8000", "::1"),
    ("evil.example:8000", "evil.example"), ("", ""),
])
def test_host_names_are_read_without_their_port(header, name) -> None:
    assert host_name(header) == name


def test_a_loopback_server_answers_only_requests_naming_this_machine(credit_bundle,
                                                                     records) -> None:
    """DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own Host header."""
    app = app_from_settings(serving_settings(credit_bundle, host="127.0.0.1"))
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    assert client.post("/v1/predict", json=records[0]).status_code == 200
    for host in ("localhost:8000", "[::1]:8000", "LOCALHOST:8000", "LocalHost"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200
    refused = client.post("/v1/predict", json=records[0], headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "this machine only" in refused.json()["detail"]
    everywhere = app_from_settings(serving_settings(credit_bundle, host="0.0.0.0"))
    assert TestClient(everywhere).get("/healthz", headers={"Host": "models.bank"}
                                       ).status_code == 200


def test_with_a_key_the_documents_need_it_too(credit_bundle) -> None:
    """/openapi.json lists every field and trained level: behind the key when there is one;
    /docs (a browser cannot send the key) and /redoc (a CDN script) are not served."""
    keyed = TestClient(create_app(credit_bundle, api_key="s3cret"))
    assert keyed.get("/openapi.json").status_code == 401
    document = keyed.get("/openapi.json", headers={"X-API-Key": "s3cret"})
    assert document.status_code == 200 and "/v1/predict" in document.json()["paths"]
    assert keyed.get("/docs").status_code == 404 and keyed.get("/redoc").status_code == 404
    open_app = TestClient(create_app(credit_bundle))
    assert open_app.get("/docs").status_code == 200 and open_app.get("/redoc").status_code == 404


def test_the_model_document_names_its_data_file_without_its_folder(credit_model) -> None:
    import copy

    pipeline = copy.copy(credit_model.pipeline_)  # the session's model keeps its metrics
    pipeline.metrics = {"data": "/home/analyst/secret/train.csv", "roc_auc": 0.7}
    info: dict[str, Any] = TestClient(create_app(pipeline)).get("/v1/model").json()
    assert info["metrics"]["data"] == "train.csv"


def test_an_ipv6_address_is_written_in_brackets() -> None:
    assert http_address("::", 8000) == "http://[::]:8000"
    assert http_address("127.0.0.1", 8000) == "http://127.0.0.1:8000"


def test_a_loop_of_links_as_the_bundle_is_one_line(tmp_path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert_one_line_error(run("serve", tmp_path / "a", "--port", "18997"), "loop of links")


def test_a_request_without_a_host_header_passes_the_loopback_check() -> None:
    """An HTTP/1.0 health probe sends no Host header; a browser always sends one, so DNS
    rebinding cannot come this way: the request reaches the app."""
    import asyncio

    from findeep.serve.server import LoopbackHostsOnly

    reached = []

    async def app(scope, receive, send) -> None:
        reached.append(scope["path"])

    async def ignore(message) -> None:
        return None

    scope = {"type": "http", "path": "/healthz", "headers": [], "method": "GET"}
    asyncio.run(LoopbackHostsOnly(app)(scope, None, ignore))
    assert reached == ["/healthz"]


def test_a_body_starting_with_a_byte_order_mark_is_read(credit_bundle, records) -> None:
    """Windows tools write a UTF-8 byte-order mark before the JSON: scored as without it."""
    import json

    client = TestClient(create_app(credit_bundle))
    body = json.dumps(records[0]).encode()
    plain = client.post("/v1/predict", content=body,
                        headers={"Content-Type": "application/json"})
    marked = client.post("/v1/predict", content=b"\xef\xbb\xbf" + body,
                         headers={"Content-Type": "application/json"})
    assert marked.status_code == 200, marked.text
    assert marked.json()["probability"] == plain.json()["probability"]


def test_a_missing_field_sent_misspelt_is_named_beside_it(credit_bundle, records) -> None:
    """'income' sent as 'incme': the 422 names the missing field and the likely typo."""
    record = dict(records[0])
    record["incme"] = record.pop("income")
    response = TestClient(create_app(credit_bundle)).post("/v1/predict", json=record)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "missing required field(s): income (sent 'incme' for 'income'?)" in detail
