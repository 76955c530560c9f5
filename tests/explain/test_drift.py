"""Population stability against the profile saved at training time."""

from __future__ import annotations

import pytest

from findeep.errors import ConfigError
from findeep.explain import drift_table, population_stability_index
from findeep.pipeline import pipeline_from_bundle, pipeline_to_bundle


def test_training_data_against_itself_is_stable(driver_model, driver_data):
    """PSI is near zero for every column and the score on the training table."""
    X, _ = driver_data
    table = drift_table(driver_model.pipeline_, X)
    assert table["psi"].max() < 0.02
    assert (table["flag"] == "stable").all()
    assert table["column"].iloc[0] == "model score"


def test_a_shifted_column_and_the_score_are_flagged_as_major_shifts(driver_model, driver_data):
    """Moving debt_to_income up gives PSI > 0.25 on it and on the score; the rest stay stable."""
    X, _ = driver_data
    shifted = X.assign(debt_to_income=X["debt_to_income"] * 1.5 + 10)
    table = drift_table(driver_model.pipeline_, shifted).set_index("column")
    assert table.loc["debt_to_income", "psi"] > 0.25
    assert table.loc["debt_to_income", "flag"] == "major shift"
    assert table.loc["model score", "psi"] > 0.25
    assert table.loc["noise_1", "flag"] == "stable"


def test_categories_and_gaps_drift_too(credit_model, credit_data):
    """New category values and a jump in missing values both register as shifts."""
    X, _ = credit_data
    changed = X.assign(purpose="crypto", income=float("nan"))
    table = drift_table(credit_model.pipeline_, changed).set_index("column")
    assert table.loc["purpose", "flag"] == "major shift"
    assert table.loc["income", "flag"] == "major shift"


def test_psi_is_zero_for_equal_shares_and_grows_with_the_gap():
    """The index is 0 for identical distributions and larger for larger moves."""
    assert population_stability_index([0.5, 0.5], [0.5, 0.5]) == 0.0
    small = population_stability_index([0.5, 0.5], [0.45, 0.55])
    large = population_stability_index([0.5, 0.5], [0.2, 0.8])
    assert 0 < small < 0.1 < 0.25 < large


def test_the_profile_survives_a_bundle_round_trip(driver_model):
    """The saved bundle carries the profile drift needs, unchanged."""
    meta, tensors = pipeline_to_bundle(driver_model.pipeline_)
    assert pipeline_from_bundle(meta, tensors).profile == driver_model.pipeline_.profile


def test_drift_needs_a_profile(driver_model, driver_data):
    """A model saved before profiles existed says why drift cannot be measured."""
    X, _ = driver_data
    meta, tensors = pipeline_to_bundle(driver_model.pipeline_)
    meta.pop("profile")
    with pytest.raises(ConfigError, match="no training profile"):
        drift_table(pipeline_from_bundle(meta, tensors), X.head(5))
