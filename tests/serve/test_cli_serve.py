"""`findeep serve` fails fast, in one line, on settings it cannot honour."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from typing import Any

from typer.testing import CliRunner

from findeep.cli import app
from findeep.serve import server as serve_module
from findeep.serve.server import run_server
from tests.serve.ports import free_port


def test_serve_refuses_a_missing_bundle_in_one_line(tmp_path):
    """A directory that is not a bundle gives exit code 2 and no traceback."""
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a findeep bundle" in result.output and "Traceback" not in result.output
    assert "serving" not in result.output  # said only once every check passed


def test_serve_refuses_an_unset_api_key_variable(credit_bundle, monkeypatch):
    """--api-key-env naming an unset variable is an error before anything listens."""
    monkeypatch.delenv("FINDEEP_TEST_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", str(credit_bundle), "--api-key-env",
                                      "FINDEEP_TEST_KEY"])
    assert result.exit_code == 2
    assert "FINDEEP_TEST_KEY" in result.output


def test_serve_refuses_a_port_outside_the_tcp_range(credit_bundle):
    """99999 would bind 34463 silently (uvicorn wraps it), -1 fails inside uvicorn."""
    for port in ("99999", "0", "-1"):
        result = CliRunner().invoke(app, ["serve", str(credit_bundle), "--port", port])
        assert result.exit_code == 2, port
        assert "port must be an integer from 1 to 65535" in result.output
        assert "serving" not in result.output


def test_serve_refuses_a_port_in_use_in_one_line(credit_bundle):
    """A port another server listens on is one sentence and exit 2 before "serving", not
    uvicorn's start-up log, "[Errno 98] address already in use" and exit 3."""
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        result = CliRunner().invoke(app, ["serve", str(credit_bundle), "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert "serving" not in result.output and "Errno" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_serve_refuses_a_host_it_cannot_resolve_in_one_line(credit_bundle):
    """An unknown --host is one sentence and exit 2, not "Name or service not known" from
    inside uvicorn and exit 3."""
    result = CliRunner().invoke(app, ["serve", str(credit_bundle), "--host",
                                      "nosuchhost.invalid", "--port", str(free_port())])
    assert result.exit_code == 2, result.output
    assert "cannot resolve host 'nosuchhost.invalid'" in result.output
    assert "serving" not in result.output


def test_serving_is_said_once_the_port_listens(credit_bundle, monkeypatch):
    """When run_server says it is ready (the CLI's "serving ..." line), a client can already
    connect: the port is bound and listening, and uvicorn is handed that very socket."""
    port = free_port()
    handed: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module, "serve_on", lambda app, listener, **kwargs: handed.append(
        {"listener": listener, **kwargs}))

    def ready() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # refused here if nothing listened yet

    run_server(credit_bundle, port=port, on_ready=ready)
    # the bound TCP socket itself: uvicorn's fd option read a descriptor as a Unix socket,
    # so TCP_NODELAY was never set and each response waited ~40 ms for a delayed ACK
    assert handed and handed[0]["listener"].family == socket.AF_INET


def test_serve_answers_once_it_says_serving_and_stops_cleanly_on_ctrl_c(credit_bundle):
    """End to end: the "serving" line comes once /healthz answers on that port, and Ctrl-C
    (SIGINT) stops the server without a traceback."""
    port = free_port()
    command = [sys.executable, "-m", "findeep", "serve", str(credit_bundle), "--port", str(port)]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "COLUMNS": "500"})  # the line unwrapped
    try:
        said = server.stderr.readline() if server.stderr else ""
        assert said.startswith(f"findeep: serving {credit_bundle} on http://127.0.0.1:{port}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
            assert json.load(answer) == {"status": "ok"}
    finally:
        server.send_signal(signal.SIGINT)
        _, log = server.communicate(timeout=60)
    assert server.returncode == 0 and "Traceback" not in log
