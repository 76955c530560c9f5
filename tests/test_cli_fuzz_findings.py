"""Hostile inputs a fuzzing walkthrough found: each is one sentence and exit 2, or is
refused before an output loses data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.errors import ConfigError
from findeep.pipeline import parse_monotone


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({"id": range(n), "income": rng.integers(1_000, 9_000, n),
                          "age": rng.integers(18, 80, n),
                          "home": rng.choice(["rent", "own", "other"], n)})
    frame["y"] = (rng.random(n) < 0.3).astype(int)
    frame.to_csv(root / "small.csv", index=False)
    findeep.TabularClassifier(max_epochs=2, bagging=1).fit(
        frame.drop(columns=["y"]), frame["y"]).save(root / "model")
    return {"root": root, "data": root / "small.csv", "bundle": root / "model"}


def test_a_number_past_the_float_range_is_one_sentence(files) -> None:
    """A 401-digit whole number in a numeric column was an OverflowError traceback in
    train, predict and profile."""
    frame = pd.read_csv(files["data"]).astype({"income": str})
    frame.loc[0, "income"] = "1" + "0" * 400
    frame.to_csv(files["root"] / "big.csv", index=False)
    for args in (("predict", files["bundle"], files["root"] / "big.csv", "--out",
                  files["root"] / "p.csv"),
                 ("train", files["root"] / "big.csv", "--target", "y", "--out",
                  files["root"] / "b"),
                 ("profile", files["root"] / "big.csv")):
        assert_one_line_error(run(*args), "beyond what a float can hold", "'income'")
    assert not (files["root"] / "p.csv").exists() and not (files["root"] / "b").exists()


def test_a_seed_numpy_refuses_is_one_sentence_in_report_importance_and_dependence(
        files) -> None:
    for args in (("report", files["bundle"], files["data"], "--out", files["root"] / "r.html"),
                 ("importance", files["bundle"], files["data"]),
                 ("dependence", files["bundle"], files["data"], "--column", "age")):
        assert_one_line_error(run(*args, "--seed", "-1"), "--seed", "4294967295")


def test_a_card_info_file_that_is_not_utf8_or_is_a_folder_is_one_sentence(files) -> None:
    card = files["root"] / "card.yaml"
    card.write_bytes(b"\xff\xfe\x00")
    result = run("report", files["bundle"], files["data"], "--out", files["root"] / "r.html",
                 "--card-info", card)
    assert_one_line_error(result, "not UTF-8")
    result = run("report", files["bundle"], files["data"], "--out", files["root"] / "r.html",
                 "--card-info", files["root"])
    assert_one_line_error(result, "is a folder")


def test_an_id_column_named_like_an_output_column_is_refused_not_overwritten(files) -> None:
    """--id-column probability_1 came out holding the scores, the ids gone."""
    frame = pd.read_csv(files["data"]).assign(probability_1=lambda f: f["id"] + 10_000)
    frame.to_csv(files["root"] / "clash.csv", index=False)
    out = files["root"] / "clash_scores.csv"
    result = run("predict", files["bundle"], files["root"] / "clash.csv", "--out", out,
                 "--id-column", "probability_1")
    assert_one_line_error(result, "--id-column 'probability_1'", "rename it")
    assert not out.exists()
    assert run("predict", files["bundle"], files["data"], "--out", out,
               "--id-column", "id").exit_code == 0
    assert pd.read_csv(out)["id"].tolist() == list(range(200))


def test_a_column_constrained_both_ways_is_refused() -> None:
    """'age:+,age:-' kept the last direction silently."""
    with pytest.raises(ConfigError, match="'age' is constrained twice"):
        parse_monotone("age:+,age:-")
    assert parse_monotone("age:+,income:-") == {"age": 1, "income": -1}


def test_non_finite_scorecard_scaling_and_costs_are_refused(files) -> None:
    """--base-odds inf gave every score -inf, --base-score nan every score NaN, exit 0;
    a backtest at --cost-bps inf lost everything on every strategy."""
    from findeep.explain.scorecard import ScorecardScale
    from findeep.forecast.backtest import backtest_series

    for bad in ({"base_odds": float("inf")}, {"base_score": float("nan")},
                {"pdo": float("inf")}):
        with pytest.raises(ConfigError, match="finite"):
            ScorecardScale(**bad).check()
    result = run("explain", files["bundle"], files["data"], "--out", files["root"] / "sc.csv",
                 "--scorecard", "--base-odds", "inf")
    assert_one_line_error(result, "finite")
    with pytest.raises(ConfigError, match="finite"):
        backtest_series(pd.DataFrame(columns=["date", "asset", "prediction", "next_return"]),
                        cost_bps=float("inf"))
