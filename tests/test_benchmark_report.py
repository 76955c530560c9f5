"""`findeep benchmark --report`: the comparison as a page (or Markdown) with the numbers the
terminal shows, every fold, the paired differences, and the command that reproduces it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from findeep.cli import app


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = (rng.random(300) < 1 / (1 + np.exp(-2 * x[:, 0]))).astype(int)
    path = tmp_path_factory.mktemp("bench") / "t.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y}).to_csv(path, index=False)
    return path


def bench(*args: str) -> object:
    return CliRunner().invoke(app, ["benchmark", *map(str, args)])


def test_the_markdown_report_holds_the_run_s_own_numbers_and_reproduces(table, tmp_path):
    done = bench(table, "--target", "y", "--models", "seed-mlp,logreg,seed-mlp+logreg",
                 "--n-folds", "3", "-q", "--out", tmp_path / "r.json",
                 "--report", tmp_path / "r.md")
    assert done.exit_code == 0, done.output
    assert "report written to" in done.output
    text = (tmp_path / "r.md").read_text()
    result = json.loads((tmp_path / "r.json").read_text())
    for model, stats in result["summary"].items():
        assert (f"| `{model}` | {stats['roc_auc_mean']:.4f} ± {stats['roc_auc_std']:.4f} |"
                in text)
    for record in result["folds"]:  # every fold's value is in the fold table
        assert f"{record['roc_auc']:.4f}" in text
    assert "seed-mlp+logreg (blend) vs" in text
    assert "## Against logreg, fold by fold" in text  # the reference's paired differences
    command = re.search(r"`(findeep benchmark .*)`", text.split("## Reproduce", 1)[1]).group(1)
    assert "--models seed-mlp,logreg,seed-mlp+logreg" in command
    assert "--n-folds 3" in command and command.endswith("--force")
    again = bench(*command.split()[2:])  # the command it prints runs as printed
    assert again.exit_code == 0, again.output


def test_the_html_report_carries_both_charts_inline(table, tmp_path):
    done = bench(table, "--target", "y", "--models", "seed-mlp,logreg", "--n-folds", "2",
                 "-q", "--report", tmp_path / "r.html")
    assert done.exit_code == 0, done.output
    page = (tmp_path / "r.html").read_text()
    assert page.count("<svg") == 2
    assert "http://" not in page.replace("http://www.w3.org", "")  # nothing fetched
    assert "fold 2" in page


def test_a_report_is_refused_before_any_fit_when_it_cannot_be_written(table, tmp_path):
    (tmp_path / "r.html").write_text("mine")
    kept = bench(table, "--target", "y", "--models", "logreg", "-q",
                 "--report", tmp_path / "r.html")
    assert kept.exit_code == 2
    assert (tmp_path / "r.html").read_text() == "mine"
    wrong = bench(table, "--target", "y", "--models", "logreg", "-q",
                  "--report", tmp_path / "r.pdf")
    assert wrong.exit_code == 2 and ".html" in wrong.output
    text = bench(table, "--target", "y", "--models", "text-cnn", "-q",
                 "--report", tmp_path / "t.html")
    assert text.exit_code == 2 and "--report covers tabular benchmarks" in text.output
