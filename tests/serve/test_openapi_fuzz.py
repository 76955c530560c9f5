"""Property-based requests generated from the app's own OpenAPI schema never get a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from findeep.serve import create_app


@pytest.fixture(scope="module")
def api_schema(credit_bundle: Path) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", create_app(credit_bundle, max_rows=20))
    # both schema-valid bodies and deliberately invalid ones (wrong types, missing fields)
    loaded.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        deterministic=True)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_get_a_server_error(case: schemathesis.Case) -> None:
    """Valid and invalid bodies built from /openapi.json get 2xx/4xx answers, never 5xx."""
    case.call_and_validate(checks=[not_a_server_error])
