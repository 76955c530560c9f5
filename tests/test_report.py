"""findeep report: one Markdown document a model reviewer can read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.report import markdown_table
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A binary bundle, the rows it was trained on, and rows it never saw (with a
    protected column that is not a model input)."""
    root = tmp_path_factory.mktemp("report")
    frame = make_credit_frame(1_400, seed=31).drop(columns=["applied_on"])
    frame["group"] = np.random.default_rng(0).choice(["a", "b"], len(frame))
    train, new = frame.iloc[:1_000], frame.iloc[1_000:]
    clf = findeep.TabularClassifier(max_epochs=3)
    clf.fit(train.drop(columns=["default", "group"]), train["default"])
    paths = {"bundle": clf.save(root / "bundle"), "train": root / "train.csv",
             "new": root / "new.csv", "unlabelled": root / "unlabelled.csv", "root": root}
    train.to_csv(paths["train"], index=False)
    new.to_csv(paths["new"], index=False)
    new.drop(columns=["default"]).to_csv(paths["unlabelled"], index=False)
    return paths


def _sections(text: str) -> list[str]:
    return [line.removeprefix("## ") for line in text.splitlines() if line.startswith("## ")]


def test_report_on_new_rows_has_every_section(files) -> None:
    out = files["root"] / "new.md"
    result = run("report", files["bundle"], files["new"], "--out", out, "--protected", "group",
                 "--max-rows", "300")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert _sections(text) == [
        "The model", "Is this table an honest test?", "Performance", "What drives the score",
        "Stability against the training data (PSI)", "Groups of `group` at threshold 0.5"]
    assert "Training rows: none beyond chance" in text
    assert "| roc_auc |" in text and "### Gains table" in text
    gains = text.split("### Gains table")[1].split("\n## ")[0]
    assert sum(line.startswith("| ") and line[2].isdigit() for line in gains.splitlines()) == 10
    drivers = text.split("## What drives the score")[1].split("\n## ")[0].splitlines()
    assert drivers[6].startswith("| debt_to_income |")  # the table's strongest risk driver
    assert "On 300 rows" in text


def test_report_on_training_rows_says_the_test_is_not_honest(files) -> None:
    out = files["root"] / "train.md"
    result = run("report", files["bundle"], files["train"], "--out", out, "--max-rows", "200")
    assert result.exit_code == 0, result.output
    assert "**No: about 100% of the rows match a training row**" in out.read_text()


def test_report_without_labels_skips_metrics(files) -> None:
    out = files["root"] / "unlabelled.md"
    result = run("report", files["bundle"], files["unlabelled"], "--out", out,
                 "--max-rows", "200")
    assert result.exit_code == 0, result.output
    assert "no labels" in result.stdout
    assert _sections(out.read_text()) == [
        "The model", "What drives the score", "Stability against the training data (PSI)"]


def test_report_refuses_to_overwrite_or_to_write_non_markdown(files) -> None:
    existing = files["root"] / "kept.md"
    existing.write_text("keep me")
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out", existing),
                          "already exists", "--force")
    assert existing.read_text() == "keep me"
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              files["root"] / "r.txt"), "Markdown")
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              files["root"] / "r.md", "--protected", "gruop"),
                          "Did you mean 'group'")
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              files["root"] / "r.md", "--protected", "group", "--threshold", "2"),
                          "threshold must be between 0 and 1")
    assert not (files["root"] / "r.md").exists()


def test_markdown_table_aligns_numbers_right() -> None:
    table = markdown_table(["name", "rate", "count"], [("a|b", "84.5%", 1_317), ("c", "-", 2)])
    lines = table.splitlines()
    assert lines[1] == "|---|---|---:|"  # '-' is not a number, so 'rate' stays left
    assert lines[2] == "| a\\|b | 84.5% | 1317 |"
    assert markdown_table(["x"], [("1,317",), ("84.5%",)]).splitlines()[1] == "|---:|"


def test_report_on_rows_of_one_class_skips_what_needs_both(files) -> None:
    """A month without a single default still gets a report: no gains table and no
    permutation importance (nothing to rank against), said in the drivers section."""
    frame = pd.read_csv(files["new"])
    path = files["root"] / "no_defaults.csv"
    frame[frame["default"] == 0].to_csv(path, index=False)
    out = files["root"] / "no_defaults.md"
    result = run("report", files["bundle"], path, "--out", out, "--max-rows", "200")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## Performance" in text and "### Gains table" not in text
    assert "the labels hold one class, so no permutation importance" in text
