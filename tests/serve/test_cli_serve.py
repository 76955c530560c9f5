"""`findeep serve` fails fast, in one line, on settings it cannot honour."""

from __future__ import annotations

from typer.testing import CliRunner

from findeep.cli import app


def test_serve_refuses_a_missing_bundle_in_one_line(tmp_path):
    """A directory that is not a bundle gives exit code 2 and no traceback."""
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a findeep bundle" in result.output and "Traceback" not in result.output


def test_serve_refuses_an_unset_api_key_variable(credit_bundle, monkeypatch):
    """--api-key-env naming an unset variable is an error before anything listens."""
    monkeypatch.delenv("FINDEEP_TEST_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", str(credit_bundle), "--api-key-env",
                                      "FINDEEP_TEST_KEY"])
    assert result.exit_code == 2
    assert "FINDEEP_TEST_KEY" in result.output
