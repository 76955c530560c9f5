"""Several workers: uvicorn's supervisor gives each time to load the bundle before it kills it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import uvicorn

from findeep.serve import server
from tests.serve.ports import free_port


def test_workers_get_time_to_load_the_bundle(credit_bundle: Path, monkeypatch) -> None:
    """uvicorn's default 5 s health check killed and respawned loading workers in a loop on a
    busy 2-core machine ("Child process died"); the supervisor is now given 120 s."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server, "serve_on", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv(server.SETTINGS_VARIABLE, "")  # run_server sets it; undone after the test
    server.run_server(credit_bundle, workers=2, port=free_port())
    assert calls and calls[0]["workers"] == 2
    assert calls[0]["timeout_worker_healthcheck"] == server.WORKER_START_SECONDS >= 60
    config = uvicorn.Config("findeep.serve.server:app_from_environment", factory=True,
                            **{k: v for k, v in calls[0].items() if k != "factory"})
    assert config.timeout_worker_healthcheck == server.WORKER_START_SECONDS


def test_one_process_needs_no_health_check(credit_bundle: Path, monkeypatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server, "serve_on", lambda *args, **kwargs: calls.append(kwargs))
    server.run_server(credit_bundle, workers=1, port=free_port())
    assert calls and "timeout_worker_healthcheck" not in calls[0]
