"""How fairness forms its groups and which rows each rate counts: a validator's walkthrough."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cli_helpers import run
from findeep.data.schema import FindeepWarning
from findeep.explain import fairness_report


def _lows(bands: list[str]) -> list[float]:
    return [float(band.split("–")[0].replace(",", "")) for band in bands]


def _ages(X: pd.DataFrame) -> np.ndarray:
    """An age that moves with risk, so its quartiles are approved at different rates."""
    return (20 + X["debt_to_income"].to_numpy()).astype(int)


def test_a_number_column_with_a_few_typos_is_banded_like_the_numbers_it_holds(
        driver_model, driver_data):
    """One "unknown" among 1,500 ages does not turn the column into one group per age: it is
    read as numbers (as schema inference reads numbers-but-a-few), cut into the same
    quartiles as the clean column, the typos named in a warning and counted as missing."""
    X, y = driver_data
    ages = _ages(X)
    typed = pd.Series(ages, index=X.index).astype(object)
    typed.iloc[[0, 1]] = ["unknown", "n.k."]
    clean = pd.Series(ages, index=X.index).astype(float)
    clean.iloc[[0, 1]] = np.nan
    with pytest.warns(FindeepWarning, match=r"age_src.*'unknown', 'n\.k\.'.*<missing>"):
        report = fairness_report(driver_model.pipeline_, X.assign(age_src=typed), "age_src",
                                 y=y)
    numeric = fairness_report(driver_model.pipeline_, X.assign(age_src=clean), "age_src", y=y)
    pd.testing.assert_frame_equal(report.groups, numeric.groups)
    assert list(report.groups["group"])[-1] == "<missing>"
    assert report.groups.set_index("group").loc["<missing>", "rows"] == 2
    assert report.summary["groups"] == 5
    assert report.summary["disparate_impact"] == numeric.summary["disparate_impact"]
    assert report.summary["four_fifths_rule"] == "fail"


def test_amounts_written_as_text_are_banded_by_value(driver_model, driver_data):
    """"€1,200"-style amounts, read as numbers by schema inference, get value bands lowest
    first rather than one group per amount in text order."""
    X, _ = driver_data
    amounts = np.random.default_rng(7).integers(500, 90_000, len(X))
    text = pd.Series([f"€{a:,}" for a in amounts], index=X.index)
    report = fairness_report(driver_model.pipeline_, X.assign(income=text), "income")
    bands = list(report.groups["group"])
    assert len(bands) == 4 and _lows(bands) == sorted(_lows(bands)), bands


def test_rows_without_a_label_count_in_approval_rates_but_not_in_error_rates(
        driver_model, driver_data):
    """Approval needs no label: every scored row is in the approval rates and the four-fifths
    ratio; TPR/FPR use the labelled rows only, and the summary says how many had none."""
    X, y = driver_data
    frame = X.assign(group=np.where(X["debt_to_income"] > 30, "high", "low"))
    partial = y.astype(float).copy()
    partial.iloc[::3] = np.nan
    labelled = partial.notna()
    report = fairness_report(driver_model.pipeline_, frame, "group", y=partial)
    unlabelled = fairness_report(driver_model.pipeline_, frame, "group")
    on_labelled = fairness_report(driver_model.pipeline_, frame[labelled], "group",
                                  y=y[labelled])
    rates, approvals, errors = (r.groups.set_index("group")
                                for r in (report, unlabelled, on_labelled))
    assert rates["rows"].sum() == len(frame)
    assert rates["labelled_rows"].sum() == labelled.sum()
    pd.testing.assert_series_equal(rates["approval_rate"], approvals["approval_rate"])
    assert report.summary["disparate_impact"] == unlabelled.summary["disparate_impact"]
    pd.testing.assert_frame_equal(rates[["event_rate", "tpr", "fpr"]],
                                  errors[["event_rate", "tpr", "fpr"]])
    assert report.summary["fpr_gap"] == on_labelled.summary["fpr_gap"]
    assert report.summary["rows_without_label"].startswith("500 of 1,500 (in the approval")
    assert "rows_without_label" not in on_labelled.summary  # said only when it happened


def test_a_target_column_with_no_labels_still_gets_approval_rates(driver_model, driver_data):
    """An empty target column is not a 'single class' error: approval rates need no label."""
    X, y = driver_data
    frame = X.assign(group=np.where(X["debt_to_income"] > 30, "high", "low"))
    report = fairness_report(driver_model.pipeline_, frame, "group",
                             y=pd.Series(np.nan, index=y.index))
    assert report.summary["four_fifths_rule"] == "fail"
    assert report.summary["rows_without_label"].startswith("1,500 of 1,500 (approval rates")
    assert "tpr" not in report.groups and "tpr_gap" not in report.summary


def test_error_rate_gaps_need_enough_labelled_rows_in_each_group(driver_model, driver_data):
    """A group large enough for its approval rate but with few labels gets no TPR/FPR gap
    built on those few rows, and the summary says why."""
    X, y = driver_data
    frame = X.assign(group=np.where(np.arange(len(X)) % 2 == 0, "a", "b"))
    partial = y.astype(float).where(frame["group"] == "a")
    partial.iloc[[1, 3, 5]] = y.iloc[[1, 3, 5]]  # three labelled rows in "b"
    report = fairness_report(driver_model.pipeline_, frame, "group", y=partial)
    assert report.summary["groups_compared"] == 2 and "disparate_impact" in report.summary
    for rate in ("tpr", "fpr"):
        assert report.summary[f"{rate}_gap"].startswith("not assessed: fewer than two groups "
                                                        "of 30+ labelled rows")


def test_a_value_held_by_most_rows_is_its_own_group_beside_the_bands(driver_model, driver_data):
    """Zero debt on three rows in four would make every quartile edge zero and one band of
    nearly every row; zero is its own group, listed first, and the rest are banded."""
    X, y = driver_data
    rng = np.random.default_rng(8)
    debt = np.where(rng.random(len(X)) < 0.75, 0.0, rng.uniform(100, 20_000, len(X)).round())
    debt[:3] = np.nan
    report = fairness_report(driver_model.pipeline_, X.assign(debt=debt), "debt", y=y)
    groups = list(report.groups["group"])
    assert groups[0] == "0" and groups[-1] == "<missing>"
    bands = groups[1:-1]
    assert len(bands) == 4 and _lows(bands) == sorted(_lows(bands)) and _lows(bands)[0] > 0
    rows = report.groups.set_index("group")["rows"]
    assert rows["0"] == (debt == 0).sum() and rows.sum() == len(X)
    assert report.summary["groups_compared"] == 5
    assert report.summary["four_fifths_rule"] in ("pass", "fail")


def test_a_heavy_value_at_the_top_is_listed_after_the_bands_below_it(driver_model, driver_data):
    """A cap held by many rows (utilisation 100%) reads in numeric order: bands, then the cap."""
    X, _ = driver_data
    rng = np.random.default_rng(9)
    capped = np.where(rng.random(len(X)) < 0.4, 100.0, rng.uniform(0, 99, len(X)).round(1))
    groups = list(fairness_report(driver_model.pipeline_, X.assign(util=capped),
                                  "util").groups["group"])
    assert groups[-1] == "100" and len(groups) == 5, groups


def test_no_comparison_says_which_group_holds_the_rows(driver_model, driver_data):
    """When fewer than two groups are large enough, the verdict names the largest group."""
    X, _ = driver_data
    group = np.where(np.arange(len(X)) < 20, "few", "most")
    report = fairness_report(driver_model.pipeline_, X.assign(group=group), "group")
    assert report.summary["four_fifths_rule"] == ("not assessed: fewer than two groups with a "
                                                  "value and 30+ rows (most holds 1,480 of "
                                                  "1,500)")


def test_a_number_column_with_few_values_is_listed_in_numeric_order(driver_model, driver_data):
    """Loan terms 6..60 months read 6, 12, ..., 60 (as text, 6 would come after 54)."""
    X, _ = driver_data
    terms = np.random.default_rng(10).choice(np.arange(6, 61, 6), len(X))
    report = fairness_report(driver_model.pipeline_, X.assign(term=terms), "term")
    assert list(report.groups["group"]) == [str(t) for t in range(6, 61, 6)]


def test_the_cli_names_unreadable_values_and_rows_without_a_label(tmp_path, driver_model,
                                                                  driver_data):
    """`findeep fairness` prints the typo warning and how many rows had no label."""
    X, y = driver_data
    data = X.head(400).assign(default=y.head(400).astype(float).to_numpy(),
                              age=_ages(X.head(400)).astype(object))
    data.loc[data.index[0], "age"] = "unknown"
    data.loc[data.index[::4], "default"] = np.nan
    data.to_csv(tmp_path / "data.csv", index=False)
    driver_model.save(tmp_path / "model")
    result = run("fairness", tmp_path / "model", tmp_path / "data.csv", "--protected", "age")
    assert result.exit_code == 0, result.output
    assert "'unknown'" in result.stderr and "compared as a number" in result.stderr
    said = " ".join(result.stdout.split())
    assert "Rows without a label: 100 of 400 (in the approval rates; left out of" in said
    # four quartiles and <missing> (listed, not compared), not one group per age
    assert "Not compared: <missing> (" in said
    assert "5 groups, 4 compared." in said
