"""A shallow tree distilled from the network: readable rules and an honest fidelity."""

from __future__ import annotations

import pytest

from findeep.errors import ConfigError
from findeep.explain import fit_surrogate


def test_surrogate_tree_follows_the_network_and_names_the_drivers(driver_model, driver_data):
    """On held-out rows the tree agrees with most decisions; its rules use driving columns only."""
    X, y = driver_data
    report = fit_surrogate(driver_model.pipeline_, X, y, depth=3)
    assert report.fidelity["agreement"] > 0.8
    assert report.fidelity["auc_vs_network"] > 0.85
    assert report.fidelity["spearman_vs_network"] > 0.8
    assert 0 < report.fidelity["network_declines"] < 1
    assert 0.5 < report.fidelity["auc_surrogate"] <= report.fidelity["auc_network"] + 0.05
    assert len(report.rules) == report.fidelity["leaves"] <= 8
    assert all(rule.startswith("IF ") and " THEN risk = " in rule for rule in report.rules)
    text = report.text()
    assert "debt_to_income" in text and "noise_" not in text


def test_rules_read_in_the_users_terms(credit_model, credit_data):
    """Categories read 'is'/'is not', gaps 'is missing', and no encoded names leak through."""
    X, y = credit_data
    report = fit_surrogate(credit_model.pipeline_, X, y, depth=4)
    assert "__" not in report.text() and "<=" in report.text()
    assert "auc_surrogate" in report.fidelity


def test_rules_are_ordered_from_riskiest_leaf(driver_model, driver_data):
    """The first rule predicts the highest risk, the last the lowest."""
    X, _ = driver_data
    rules = fit_surrogate(driver_model.pipeline_, X, depth=2).rules
    risks = [float(rule.split("risk = ")[1].split(" ")[0]) for rule in rules]
    assert risks == sorted(risks, reverse=True)


@pytest.mark.parametrize("depth", [0, 13])
def test_depth_outside_the_readable_range_is_refused(driver_model, driver_data, depth):
    """A depth of 0 or past 12 is refused with the allowed range."""
    X, _ = driver_data
    with pytest.raises(ConfigError, match="depth must be an integer from 1 to 12"):
        fit_surrogate(driver_model.pipeline_, X, depth=depth)


def test_a_book_the_network_never_declines_says_so(driver_model, driver_data):
    """Rows all scored below 0.5: agreement is 1 by construction, so the report says the
    network declines none and gives the rank correlation instead of auc_vs_network."""
    X, _ = driver_data
    scores = driver_model.predict_proba(X)[:, 1]
    safe = X[scores < 0.3]
    report = fit_surrogate(driver_model.pipeline_, safe, depth=2)
    assert report.fidelity["network_declines"] == 0.0
    assert "auc_vs_network" not in report.fidelity
    assert -1.0 <= report.fidelity["spearman_vs_network"] <= 1.0
