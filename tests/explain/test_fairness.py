"""Group comparisons at the decision threshold."""

from __future__ import annotations

import numpy as np
import pytest

from findeep.errors import ConfigError, DataError
from findeep.explain import fairness_report


def test_a_group_defined_by_a_risk_driver_fails_the_four_fifths_rule(driver_model, driver_data):
    """Groups split on debt_to_income get very different approval rates and error rates."""
    X, y = driver_data
    frame = X.assign(group=np.where(X["debt_to_income"] > 30, "high", "low"))
    report = fairness_report(driver_model.pipeline_, frame, "group", y=y)
    assert report.summary["disparate_impact"] < 0.8
    assert report.summary["four_fifths_rule"] == "fail"
    assert report.summary["most_approved_group"] == "low"
    rates = report.groups.set_index("group")
    assert rates.loc["high", "fpr"] > rates.loc["low", "fpr"]  # good payers declined more
    assert report.summary["fpr_gap"] == rates["fpr"].max() - rates["fpr"].min()
    assert report.groups["rows"].sum() == len(frame)


def test_randomly_assigned_groups_are_treated_alike(driver_model, driver_data):
    """A protected column unrelated to risk (and not a model input) passes."""
    X, _ = driver_data
    frame = X.assign(group=np.random.default_rng(0).choice(["x", "y"], len(X)))
    report = fairness_report(driver_model.pipeline_, frame, "group")
    assert report.summary["disparate_impact"] > 0.8
    assert "tpr_gap" not in report.summary


def test_a_numeric_protected_column_is_compared_by_quartile(driver_model, driver_data):
    """A many-valued number (such as age) is cut into four groups."""
    X, _ = driver_data
    frame = X.assign(age=np.random.default_rng(1).integers(18, 80, len(X)))
    assert len(fairness_report(driver_model.pipeline_, frame, "age").groups) == 4


def test_bad_protected_columns_and_thresholds_are_refused(driver_model, driver_data):
    """An absent column, a single group or a threshold outside (0, 1) each get one clear error."""
    X, _ = driver_data
    with pytest.raises(DataError, match="Did you mean 'noise_1'"):
        fairness_report(driver_model.pipeline_, X, "noise1")
    with pytest.raises(DataError, match="single group"):
        fairness_report(driver_model.pipeline_, X.assign(group="a"), "group")
    with pytest.raises(ConfigError, match="threshold"):
        fairness_report(driver_model.pipeline_, X.assign(group="a"), "group", threshold=1.5)


def test_groups_too_small_to_compare_are_listed_but_not_compared(driver_model, driver_data):
    """One applicant in a group makes its approval rate 0% or 100%: listed, not compared."""
    X, y = driver_data
    group = np.random.default_rng(2).choice(["x", "y"], len(X)).astype(object)
    group[0] = "lone"
    report = fairness_report(driver_model.pipeline_, X.assign(group=group), "group", y=y)
    rates = report.groups.set_index("group")
    assert rates.loc["lone", "rows"] == 1 and not rates.loc["lone", "compared"]
    assert report.summary["groups_compared"] == 2
    assert report.summary["too_small_to_compare"] == "lone (< 30 rows)"
    assert report.summary["disparate_impact"] > 0.8  # x and y alone: assigned at random
    few = fairness_report(driver_model.pipeline_, X.assign(group=group), "group", min_rows=10**6)
    assert few.summary["four_fifths_rule"].startswith("not assessed")
    assert "disparate_impact" not in few.summary


def test_an_identifier_as_protected_column_and_one_class_labels_are_refused_clearly(
        driver_model, driver_data):
    """One group per row is not a comparison; one-class labels name what needs both."""
    X, y = driver_data
    frame = X.assign(applicant=[f"A{i:05d}" for i in range(len(X))],
                     group=np.random.default_rng(3).choice(["x", "y"], len(X)))
    with pytest.raises(DataError, match="looks like an identifier"):
        fairness_report(driver_model.pipeline_, frame, "applicant")
    one_class = y[y == y.iloc[0]]
    with pytest.raises(DataError, match="true- and false-positive rates by group need both"):
        fairness_report(driver_model.pipeline_, frame.loc[one_class.index], "group", y=one_class)


def test_quartile_bands_are_listed_lowest_first(driver_model, driver_data):
    """Income bands read in numeric order even where text order differs ("5,012–28,750"
    sorts after "28,751–…" as text but is the lowest band), each named by the lowest and
    highest income it holds, as people write them (no pandas interval "(4999.999, ...]")."""
    X, y = driver_data
    income = np.random.default_rng(4).integers(5_000, 100_000, len(X)).astype(float)
    income[:20] = np.nan
    report = fairness_report(driver_model.pipeline_, X.assign(income=income), "income", y=y)
    bands = list(report.groups["group"])
    assert bands[-1] == "<missing>"
    lows = [float(band.split("–")[0].replace(",", "")) for band in bands[:-1]]
    assert len(lows) == 4 and lows == sorted(lows), bands
    present = income[~np.isnan(income)]
    assert bands[0].startswith(f"{int(present.min()):,}–")
    assert bands[-2].endswith(f"–{int(present.max()):,}")
    assert not any("(" in band or "." in band for band in bands), bands


@pytest.mark.parametrize("identifier", ["sequence", "named"])
def test_a_numeric_identifier_is_refused_before_it_is_cut_into_quartiles(
        driver_model, driver_data, identifier):
    """Application numbers, in sequence or named *_id, get no four-fifths verdict: their
    quartiles are not groups of people."""
    X, _ = driver_data
    numbers = np.arange(len(X)) + 200_000
    if identifier == "named":
        numbers = np.random.default_rng(5).permutation(numbers)
    column = "application_id" if identifier == "named" else "application"
    with pytest.raises(DataError, match="looks like an identifier"):
        fairness_report(driver_model.pipeline_, X.assign(**{column: numbers}), column)
    measured = np.random.default_rng(6).normal(50, 10, len(X))  # distinct, but a measurement
    assert len(fairness_report(driver_model.pipeline_, X.assign(score=measured),
                               "score").groups) == 4


def _declined_at(pipeline, frame, threshold):
    return pipeline.event_probability(pipeline.predict_raw(frame)[0]) >= threshold


def _four_fifths_frame(pipeline, X):
    """Group a: 90 of 100 approved; group b: 72 of 100 (a ratio of 0.8 exactly)."""
    import pandas as pd

    declined = _declined_at(pipeline, X, 0.5)
    approved, turned = X[~declined], X[declined]
    frame = pd.concat([approved.iloc[:90], turned.iloc[:10], approved.iloc[90:162],
                       turned.iloc[10:38]], ignore_index=True)
    frame["grp"] = ["a"] * 100 + ["b"] * 100
    return frame


def test_an_exact_four_fifths_ratio_passes(driver_model, driver_data):
    """72 approved of 100 against 90 of 100 is 4/5 exactly: it passes ('under 0.8 fails'),
    whatever the floating-point rounding of 0.72 / 0.9; the least approved group is named."""
    pipeline = driver_model.pipeline_
    frame = _four_fifths_frame(pipeline, driver_data[0])
    report = fairness_report(pipeline, frame, "grp")
    rates = report.groups.set_index("group")["approval_rate"]
    assert rates["a"] == pytest.approx(0.9) and rates["b"] == pytest.approx(0.72)
    assert report.summary["four_fifths_rule"] == "pass"
    assert report.summary["least_approved_group"] == "b"


def test_labels_are_matched_to_rows_by_index_not_position(driver_model, driver_data):
    """A frame sorted after y was taken keeps each row's own label; a y that cannot be
    matched is one sentence."""
    X, y = driver_data
    frame = X.assign(group=np.where(X["debt_to_income"] > 30, "high", "low"))
    as_is = fairness_report(driver_model.pipeline_, frame, "group", y=y)
    shuffled = fairness_report(driver_model.pipeline_, frame.sample(frac=1, random_state=0),
                               "group", y=y)
    assert shuffled.summary["fpr_gap"] == pytest.approx(as_is.summary["fpr_gap"])
    with pytest.raises(DataError, match="y must hold one label per row"):
        fairness_report(driver_model.pipeline_, frame, "group", y=y.to_numpy()[:10])


def test_rows_without_a_value_are_listed_not_compared(driver_model, driver_data):
    """40 applicants who did not state the attribute are no group: shown, never the group
    that fails the rule for everyone."""
    X, _ = driver_data
    sex = np.where(np.arange(len(X)) % 2 == 0, "F", "M").astype(object)
    sex[:40] = None
    report = fairness_report(driver_model.pipeline_, X.assign(sex=sex), "sex")
    assert "<missing>" in set(report.groups["group"])
    assert not report.groups.set_index("group").loc["<missing>", "compared"]
    assert report.summary["groups_compared"] == 2
    assert report.summary["not_compared"].startswith("<missing> (40 rows")


def test_an_error_rate_over_a_handful_of_events_is_left_out_of_the_gap(driver_model,
                                                                       driver_data):
    """A group of 40 rows with 1 default has a TPR of 0 or 1: its TPR stays in the table
    but not in the gap, which says so."""
    X, y = driver_data
    events = np.flatnonzero(y.to_numpy() == 1)
    others = np.flatnonzero(y.to_numpy() == 0)
    small = np.r_[events[:1], others[:39]]
    group = np.full(len(X), "big", dtype=object)
    group[small] = "small"
    report = fairness_report(driver_model.pipeline_, X.assign(g=group), "g", y=y)
    assert report.summary["tpr_gap"] == "not assessed: fewer than two groups of 30+ " \
                                        "labelled rows with 10+ events"
    assert isinstance(report.summary["fpr_gap"], float)


def test_codes_compare_value_by_value_when_asked(driver_model, driver_data):
    """HMDA race codes (1, 2, 21-27, 3, 4, 41-44, 5, 6, 7) would be cut into quartile bands
    as numbers; as categories each code is its own group."""
    X, _ = driver_data
    codes = [1, 2, 21, 22, 23, 24, 25, 26, 27, 3, 4, 41, 42, 43, 44, 5, 6, 7]
    race = np.random.default_rng(0).choice(codes, len(X))
    banded = fairness_report(driver_model.pipeline_, X.assign(race=race), "race")
    assert len(banded.groups) < len(codes)
    coded = fairness_report(driver_model.pipeline_, X.assign(race=race), "race",
                            as_categories=True)
    assert list(coded.groups["group"]) == [str(c) for c in sorted(codes)]


def test_blank_values_are_missing_and_a_tie_names_no_least_approved_group(driver_model,
                                                                        driver_data):
    """' ' in a CSV cell is no group of people; groups approved alike are said to be."""
    X, _ = driver_data
    grp = np.where(np.arange(len(X)) % 2 == 0, "a", "b").astype(object)
    grp[:50] = " "
    report = fairness_report(driver_model.pipeline_, X.assign(grp=grp), "grp")
    assert " " not in set(report.groups["group"]) and "<missing>" in set(report.groups["group"])
    everyone = fairness_report(driver_model.pipeline_, X.assign(grp=grp), "grp",
                               threshold=0.99999)  # nobody declined: a tie at 100%
    from findeep.explain.fairness import summary_sentences

    said = " ".join(summary_sentences(everyone))
    assert "every compared group is approved at 100.0%" in said


def test_the_ratio_carries_an_interval_that_narrows_with_rows(driver_model, driver_data):
    """72 of 100 against 90 of 100 passes at 0.8 exactly, but from 100 applicants a group
    the interval reaches below 0.8 and the summary says the verdict could go either way;
    the same rates from ten times the rows give an interval that stays near 0.8 on both
    sides but far narrower."""
    import pandas as pd

    from findeep.explain.fairness import summary_sentences

    pipeline = driver_model.pipeline_
    frame = _four_fifths_frame(pipeline, driver_data[0])
    small = fairness_report(pipeline, frame, "grp").summary
    low, high = small["disparate_impact_interval"]
    assert low < 0.8 <= high and low < small["disparate_impact"] < high
    assert "could go either way" in " ".join(summary_sentences(
        fairness_report(pipeline, frame, "grp")))
    assert small["approval_p_value"] < 0.05  # 72% against 90%: beyond chance at 100 each
    large = fairness_report(pipeline, pd.concat([frame] * 10, ignore_index=True),
                            "grp").summary
    assert large["disparate_impact"] == pytest.approx(small["disparate_impact"])
    width = np.diff(large["disparate_impact_interval"])[0]
    assert width < 0.4 * np.diff(small["disparate_impact_interval"])[0]


def test_the_intervals_cover_the_true_value_as_often_as_they_claim() -> None:
    """Simulated groups with known rates: the ratio's and the difference's 95% intervals
    cover the truth in about 95% of draws, small groups and rare events included, and the
    equal-rates test rejects true equality about 5% of the time."""
    from findeep.explain.fairness import (
        difference_interval,
        equal_rates_p_value,
        ratio_interval,
    )

    rng = np.random.default_rng(7)
    for rates, sizes in (((0.72, 0.9), (200, 300)), ((0.5, 0.6), (40, 60)),
                         ((0.05, 0.1), (100, 100))):
        ratio_hits = difference_hits = 0
        for _ in range(1_000):
            hits = tuple(rng.binomial(sizes, rates))
            low, high = ratio_interval(hits, sizes)
            ratio_hits += low <= rates[0] / rates[1] <= high
            low, high = difference_interval(hits, sizes)
            difference_hits += low <= rates[0] - rates[1] <= high
        assert 0.93 <= ratio_hits / 1_000 <= 0.99, (rates, ratio_hits)
        assert 0.93 <= difference_hits / 1_000 <= 0.99, (rates, difference_hits)
    sizes = np.array([100, 150, 80])
    rejected = sum(equal_rates_p_value(rng.binomial(sizes, 0.3), sizes) < 0.05
                   for _ in range(2_000))
    assert 0.03 <= rejected / 2_000 <= 0.07


def test_each_gap_names_its_pair_and_its_test(driver_model, driver_data):
    """A gap comes with the two groups it is between, its interval and the equal-rates
    test, in the summary and in its sentence."""
    from findeep.explain.fairness import summary_sentences

    X, y = driver_data
    frame = X.assign(group=np.where(X["debt_to_income"] > 30, "high", "low"))
    report = fairness_report(driver_model.pipeline_, frame, "group", y=y)
    s = report.summary
    low, high = s["fpr_gap_interval"]
    assert low <= s["fpr_gap"] <= high and s["fpr_gap_between"] == "high against low"
    assert 0 <= s["fpr_p_value"] <= 1
    sentence = next(line for line in summary_sentences(report) if "false positive" in line)
    assert "high against low" in sentence and "chance (p " in sentence


def test_equal_rates_name_two_groups_and_a_group_never_approved_starts_at_zero(driver_model,
                                                                              driver_data):
    """With every TPR equal (everyone approved) the gap named 'x against x'; a ratio of 0
    (a group never approved) had an interval that left 0 out."""
    from findeep.explain.fairness import ratio_interval

    X, y = driver_data
    frame = X.assign(group=np.random.default_rng(5).choice(["x", "y"], len(X)))
    summary = fairness_report(driver_model.pipeline_, frame, "group", y=y,
                              threshold=0.9999).summary
    assert summary["tpr_gap"] == 0.0 and summary["tpr_gap_between"] == "x against y"
    assert ratio_interval((0, 50), (60, 60))[0] == 0.0
