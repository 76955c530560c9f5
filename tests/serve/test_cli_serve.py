"""`findeep serve` fails fast, in one line, on settings it cannot honour."""

from __future__ import annotations

from typer.testing import CliRunner

from findeep.cli import app


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
