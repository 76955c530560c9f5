"""`findeep demo`, the README's first command, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from findeep.cli import app


def test_demo_default_beats_seed_mlp_on_the_credit_sample(tmp_path: Path) -> None:
    """On the same split and seed, default reaches AUC >= 0.82 and beats the 64-32-1 network."""
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "seed-mlp" in result.output and "default" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "default" and metrics["test"]["rows"] == 891
    seed_auc = metrics["compared_with"]["seed-mlp"]["roc_auc"]
    assert f"{seed_auc:.4f}" in result.output
    assert metrics["test"]["roc_auc"] >= 0.82
    assert metrics["test"]["roc_auc"] > seed_auc
