"""The layers drawn in docs/ARCHITECTURE.md hold in the code (import-linter, pyproject.toml)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# import-linter's own entry point, run in a fresh interpreter so the import graph is built
# from the source tree named on PYTHONPATH (never from a cached or already-imported copy)
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))")


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")],
                          cwd=src.parent, env=env, capture_output=True, text=True, timeout=120)


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return layers["layers"]


def test_the_import_contracts_are_kept() -> None:
    """No module imports a higher layer, and no library module imports the CLI's console."""
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "back_edge"), [
    ("data/io.py", "findeep.pipeline"),   # a low layer reaching up
    ("report.py", "findeep.console"),     # a library module drawing on the terminal
])
def test_a_hidden_back_edge_fails_the_contract(tmp_path: Path, module: str,
                                               back_edge: str) -> None:
    """A function-local import of a higher layer is still caught: it is a back-edge."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "findeep", src / "findeep",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with (src / "findeep" / module).open("a") as handle:
        handle.write(f"\n\ndef _sneaky() -> None:\n    import {back_edge}  # noqa\n")
    result = _lint(src)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and back_edge in result.stdout


def test_the_architecture_drawing_matches_the_contract() -> None:
    """docs/ARCHITECTURE.md draws exactly the layers the contract enforces, in its order."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    drawing = re.search(r"<!-- layers: .*?-->\n```\n(.*?)```", text, re.S)
    assert drawing, "ARCHITECTURE.md lost its layer drawing"
    drawn = [re.sub(r"\s+", " ", line.split("#")[0]).strip()
             for line in drawing.group(1).splitlines()]
    drawn = [line for line in drawn if line and set(line) - set("│↓ ")]
    assert drawn == [re.sub(r"\s+", " ", layer) for layer in _contract_layers()]
