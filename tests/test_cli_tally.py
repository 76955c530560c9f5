"""``findeep tally``: the results ``findeep benchmark --out`` writes, tallied over tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import assert_one_line_error, run


@pytest.fixture(scope="module")
def two_results(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two tables benchmarked by the command a user runs (fast models only)."""
    folder = tmp_path_factory.mktemp("tally")
    paths = []
    for sample in ("credit", "creditcard"):
        path = folder / f"{sample}.json"
        result = run("benchmark", f"sample:{sample}", "--models", "logreg,lightgbm",
                     "--n-folds", "3", "--out", path, "--quiet")
        assert result.exit_code == 0, result.output
        paths.append(path)
    return paths


def test_tally_reads_what_benchmark_wrote_and_states_each_table_and_the_count(
        two_results: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "tally.json"
    result = run("tally", *two_results, "--model", "lightgbm", "--against", "logreg",
                 "--out", out)
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    [one] = written["tallies"]
    assert (one["model"], one["against"], one["metric"]) == ("lightgbm", "logreg", "roc_auc")
    assert [t["table"] for t in one["tables"]] == ["sample:credit (Status)",
                                                   "sample:creditcard (card)"]
    # the differences are the benchmark's own paired differences over its folds
    for path, table in zip(two_results, one["tables"], strict=True):
        folds = json.loads(path.read_text())["folds"]
        auc = {(f["model"], f["fold"]): f["roc_auc"] for f in folds}
        diffs = [auc["lightgbm", k] - auc["logreg", k] for k in range(3)]
        assert table["difference"] == pytest.approx(sum(diffs) / 3)
    assert one["ahead"] + one["level"] + one["behind"] == 2
    assert one["verdict"] in result.stdout.replace("\n", "")


def test_tally_writes_a_report_with_a_chart_per_opponent(two_results: list[Path],
                                                         tmp_path: Path) -> None:
    report = tmp_path / "tally.html"
    result = run("tally", *two_results, "--model", "lightgbm", "--report", report)
    assert result.exit_code == 0, result.output
    assert "(2 charts)" in result.stdout  # best-baseline and logreg
    page = report.read_text()
    assert "<svg" in page and "Against best-baseline" in page and "Against logreg" in page


def test_tally_refuses_to_overwrite_and_bad_input_in_one_line(two_results: list[Path],
                                                              tmp_path: Path) -> None:
    out = tmp_path / "tally.json"
    out.write_text("{}")
    assert_one_line_error(run("tally", *two_results, "--model", "lightgbm", "--out", out),
                          "already exists", "--force")
    assert out.read_text() == "{}"
    assert_one_line_error(run("tally", *two_results), "'default' is not in the results of",
                          "credit.json")
    assert_one_line_error(run("tally", two_results[0], two_results[0], "--model", "lightgbm"),
                          "repeats")
    assert_one_line_error(run("tally", tmp_path / "none.json"), "no results file at")
    assert_one_line_error(run("tally", *two_results, "--out", tmp_path / "t.csv"),
                          "name it with .json")


def test_a_second_seed_of_a_table_joins_it_rather_than_counting_twice(
        two_results: list[Path], tmp_path: Path) -> None:
    """`findeep benchmark --random-state 1` on a table already run: tally shows one table
    for it, its per-fold differences from both runs."""
    seed_1 = tmp_path / "creditcard-seed1.json"
    assert run("benchmark", "sample:creditcard", "--models", "logreg,lightgbm", "--n-folds",
               "3", "--random-state", "1", "--out", seed_1, "--quiet").exit_code == 0
    out = tmp_path / "tally.json"
    result = run("tally", *two_results, seed_1, "--model", "lightgbm", "--against", "logreg",
                 "--out", out)
    assert result.exit_code == 0, result.output
    [one] = json.loads(out.read_text())["tallies"]
    assert [(t["table"], t["folds"]) for t in one["tables"]] == [
        ("sample:credit (Status)", 3), ("sample:creditcard (card), 2 seeds", 6)]
