"""findeep benchmark --max-rows: a tall table compared on a seeded sample, said so."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from cli_helpers import assert_one_line_error, run
from findeep.benchmark import run_benchmark
from findeep.data.row_sample import check_max_rows, sample_rows
from findeep.errors import ConfigError
from findeep.testing import make_credit_frame, make_text_frame


def _labelled(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n),
                         "outcome": rng.choice(["paid", "late", "default"], n,
                                               p=[0.8, 0.15, 0.05])})


def test_a_seed_gives_the_sample_the_unseen_table_protocol_draws() -> None:
    """The issue-12 panel sampled tables over 10,000 rows with pandas'
    ``groupby(target).sample(frac=10_000 / rows, random_state=0)``; the option draws the
    very same rows in the same order, so `--max-rows 10000 --n-folds 3` re-runs that
    protocol."""
    frame = _labelled(25_000)
    protocol = frame.groupby("outcome", group_keys=False).sample(
        frac=10_000 / len(frame), random_state=0).reset_index(drop=True)
    sample = sample_rows(len(frame), 10_000, seed=0, labels=frame["outcome"])
    assert frame.iloc[sample.positions].reset_index(drop=True).equals(protocol)


def test_every_class_keeps_its_share_and_the_seed_decides_the_rows() -> None:
    frame = _labelled(20_000)
    sample = sample_rows(len(frame), 2_000, seed=0, labels=frame["outcome"])
    kept = frame["outcome"].iloc[sample.positions]
    assert abs(len(kept) - 2_000) <= 3 and len(set(sample.positions)) == len(kept)
    for label, count in frame["outcome"].value_counts().items():
        assert abs((kept == label).sum() - count / 10) <= 1, label
    again = sample_rows(len(frame), 2_000, seed=0, labels=frame["outcome"])
    other = sample_rows(len(frame), 2_000, seed=1, labels=frame["outcome"])
    assert np.array_equal(sample.positions, again.positions)
    assert not np.array_equal(np.sort(sample.positions), np.sort(other.positions))
    assert sample_rows(len(frame), 20_000, seed=0, labels=frame["outcome"]) is None
    plain = sample_rows(len(frame), 2_000, seed=0)  # a regression: exactly max_rows
    assert len(plain.positions) == 2_000 and plain.kind == "random"


def test_a_rare_class_keeps_a_row_for_every_fold() -> None:
    """6 rows of a class in 30,000 would keep 1 in a sample of 3,000, which no 3 stratified
    folds can score; the benchmark keeps 3 of them and says so, so that a table the folds
    accept whole is accepted sampled."""
    frame = make_credit_frame(30_000, seed=3).drop(columns=["applied_on"])
    outcome = np.where(frame.pop("default") == 1, "bad", "good").astype(object)
    outcome[:6] = "fraud"
    frame["outcome"] = outcome
    result = run_benchmark(frame, "outcome", models=["logreg"], n_folds=3, max_rows=3_000,
                           verbose=0)
    assert result.sample["raised"] == {"fraud": 3} and result.n_rows == 3_002
    assert any("class 'fraud' kept at 3 rows" in note for note in result.notes)
    sample = sample_rows(len(frame), 3_000, seed=0, labels=frame["outcome"], min_per_class=8)
    kept = frame["outcome"].iloc[sample.positions]
    assert (kept == "fraud").sum() == 6 and len(set(sample.positions)) == len(kept)


def test_groups_are_kept_whole() -> None:
    groups = np.repeat(np.arange(1_000), np.random.default_rng(0).integers(1, 9, 1_000))
    sample = sample_rows(len(groups), 600, seed=0, groups=groups)
    kept = np.zeros(len(groups), dtype=bool)
    kept[sample.positions] = True
    for code in np.unique(groups):  # a group is in the sample with all its rows or none
        assert len(set(kept[groups == code])) == 1, code
    assert 550 <= kept.sum() <= 600 and sample.kind == "whole groups"
    one_big = sample_rows(30, 20, seed=0, groups=np.repeat([0, 1], [25, 5]))
    assert len(one_big.positions) in (25, 5)  # at least one group, however large


@pytest.mark.parametrize("bad", [0, 9, 2.5, True, "many"])
def test_a_benchmark_sample_that_is_no_row_count_is_refused(bad) -> None:
    with pytest.raises(ConfigError, match=r"max_rows \(--max-rows\)"):
        check_max_rows(bad)  # each fold trains on part of the sample: at least 10 rows
    if bad != 9:
        with pytest.raises(ConfigError, match="max_rows must be a positive integer"):
            sample_rows(100, bad, seed=0)


def test_explanations_sample_the_rows_they_sampled_before() -> None:
    """`importance`, `dependence` and `report` draw their rows through the same sampler: the
    rows pandas' ``frame.sample(max_rows, random_state=seed)`` gave them, so a report
    re-run on the same data explains the same rows as before."""
    from findeep.explain.commands import sample_rows as explained_rows

    frame = _labelled(2_000)
    assert explained_rows(frame, 300, 7).equals(frame.sample(300, random_state=7))
    assert explained_rows(frame, 5_000, 7) is frame


def test_the_benchmark_scores_the_sample_and_says_so() -> None:
    frame = make_credit_frame(3_000, seed=2).drop(columns=["applied_on"])
    result = run_benchmark(frame, "default", models=["logreg"], n_folds=3, max_rows=900,
                           verbose=0)
    assert result.n_rows == 900 and sum(s["test_rows"] for s in result.splits) == 900
    document = result.to_dict()
    assert document["sample"] == {"rows": 900, "of": 3_000, "kind": "stratified by the target",
                                  "seed": 0}
    assert any(note.startswith("Scored on a sample of 900 of the 3,000 labelled rows")
               for note in document["notes"])
    full = run_benchmark(frame, "default", models=["logreg"], n_folds=3, verbose=0)
    assert full.n_rows == 3_000 and "sample" not in full.to_dict()


def test_a_row_number_is_left_out_as_on_the_whole_table() -> None:
    """A sample's row numbers have gaps; the column is still the whole table's row number,
    left out of every model, not a feature of the sample."""
    frame = make_credit_frame(3_000, seed=2).drop(columns=["applied_on"])
    frame.insert(0, "row", np.arange(len(frame)))
    with pytest.warns(UserWarning, match="left out of every model: 'row'"):
        result = run_benchmark(frame, "default", models=["logreg"], n_folds=3, max_rows=900,
                               verbose=0)
    assert result.n_rows == 900


def test_a_tall_table_without_the_option_is_told_of_it(monkeypatch) -> None:
    import findeep.benchmark as benchmark_module

    monkeypatch.setattr(benchmark_module, "TALL_ROWS", 1_000)
    frame = make_credit_frame(1_500, seed=2).drop(columns=["applied_on"])
    with pytest.warns(UserWarning, match=r"1,500 labelled rows.*--max-rows 10000"):
        run_benchmark(frame, "default", models=["logreg"], n_folds=3, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # sampled: nothing to say
        run_benchmark(frame, "default", models=["logreg"], n_folds=3, max_rows=900, verbose=0)


def test_an_out_of_time_split_of_a_sample_still_tests_on_its_latest_rows() -> None:
    frame = make_credit_frame(3_000, seed=6)
    result = run_benchmark(frame, "default", models=["logreg"], time_column="applied_on",
                           max_rows=1_000, verbose=0)
    [split] = result.splits
    assert result.n_rows == 1_000 and split["train_rows"] + split["test_rows"] == 1_000
    assert split["train_end"] <= split["test_start"]


def test_grouped_benchmark_samples_whole_customers() -> None:
    frame = make_credit_frame(2_400, seed=4).drop(columns=["applied_on"])
    frame["customer"] = np.arange(len(frame)) // 3  # three rows a customer
    result = run_benchmark(frame, "default", models=["logreg"], n_folds=3, max_rows=600,
                           group_column="customer", verbose=0)
    assert result.n_rows == 600 and result.sample["kind"] == "whole groups"


def test_a_text_table_is_sampled_too() -> None:
    from findeep.text.benchmark import run_text_benchmark

    result = run_text_benchmark(make_text_frame(1_500, seed=3), "sentiment",
                                models=["tfidf-lr"], n_folds=3, max_rows=600)
    assert result["rows"] == 600 and result["sample"]["of"] == 1_500
    assert result["notes"][0].startswith("Scored on a sample of 600 of the 1,500")


def test_the_command_and_a_tally_of_its_results_say_the_sample(tmp_path) -> None:
    data = tmp_path / "tall.csv"
    make_credit_frame(2_000, seed=5).drop(columns=["applied_on"]).to_csv(data, index=False)
    out, report = tmp_path / "r.json", tmp_path / "r.md"
    result = run("benchmark", data, "--target", "default", "--models", "logreg,lightgbm",
                 "--n-folds", "3", "--max-rows", "800", "--out", out, "--report", report,
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert "Scored on a sample of 800 of the 2,000 labelled rows" in result.output
    assert json.loads(out.read_text())["sample"]["rows"] == 800
    assert "--max-rows 800" in report.read_text()
    tallied = tmp_path / "tally.json"  # and a tally over such results names the sample
    assert run("tally", out, "--model", "lightgbm", "--against", "logreg", "--out", tallied
               ).exit_code == 0
    [one] = json.loads(tallied.read_text())["tallies"]
    assert one["tables"][0]["table"] == "tall.csv (default; 800 of 2,000 rows)"
    assert_one_line_error(run("benchmark", data, "--target", "default", "--models", "logreg",
                              "--max-rows", "5"), "max_rows (--max-rows)", "at least 10")
