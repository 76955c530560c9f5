"""Helpers for tests that drive the ``findeep`` command in-process."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from findeep.cli import app

runner = CliRunner()


def run(*args: str | Path) -> Result:
    """Invoke ``findeep ARGS`` and return the result (stdout and stderr kept apart)."""
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Exit code 2, exactly one line on stderr, no traceback, naming the problem."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("findeep: ") and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def rewrite_bundle_document(bundle: Path, document: dict) -> None:
    """Write ``document`` as the bundle's bundle.json and record its new checksum, as an
    edit by hand that also recomputes the checksum would (checksums say a file is unchanged,
    not that its values make sense)."""
    import json

    from findeep.bundle import CHECKSUMS_FILE, sha256_file

    (bundle / "bundle.json").write_text(json.dumps(document))
    checksums = json.loads((bundle / CHECKSUMS_FILE).read_text())
    checksums["bundle.json"] = sha256_file(bundle / "bundle.json")
    (bundle / CHECKSUMS_FILE).write_text(json.dumps(checksums))
