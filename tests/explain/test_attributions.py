"""Integrated Gradients on findeep networks: right columns, complete, and model-dependent."""

from __future__ import annotations

import numpy as np
import pytest

from findeep import TabularClassifier
from findeep.errors import ConfigError
from findeep.explain import attribution_importance_table, column_attributions, randomization_check
from findeep.pipeline import pipeline_from_bundle, pipeline_to_bundle
from findeep.testing import make_credit_frame

DRIVERS = {"debt_to_income", "utilization", "late_payments"}


def test_the_three_driving_columns_rank_top_in_integrated_gradients(driver_model, driver_data):
    """Mean |attribution| puts exactly the three columns that drive the target first."""
    X, _ = driver_data
    table = attribution_importance_table(driver_model.pipeline_, X.head(400))
    assert set(table["column"].head(3)) == DRIVERS


def test_attributions_add_up_to_the_change_in_log_odds(driver_model, driver_data):
    """Completeness: per row, attributions sum to f(x) - f(reference) within 1%."""
    X, _ = driver_data
    result = column_attributions(driver_model.pipeline_, X.head(500))
    moved = result.output - result.baseline_output
    error = np.abs(result.values.sum(axis=1) - moved)
    clear = np.abs(moved) >= 0.5  # rows whose score moved at least 0.5 log-odds
    assert clear.sum() > 100
    assert np.all(error[clear] <= 0.01 * np.abs(moved[clear]))
    assert error.max() < 0.02


def test_scrambled_weights_give_clearly_different_attributions(driver_model, driver_data):
    """Sanity check: a scrambled network's attributions do not track the trained one's."""
    X, _ = driver_data
    assert randomization_check(driver_model.pipeline_, X.head(150)) < 0.5


def test_attributions_are_reported_on_the_users_columns(credit_model, credit_data):
    """Dates, missing-value indicators and embeddings fold back into the original column names."""
    X, _ = credit_data
    pipeline = credit_model.pipeline_
    result = column_attributions(pipeline, X.head(50))
    assert result.columns == pipeline.schema.used_names
    assert {"applied_on", "income", "purpose"} <= set(result.columns)
    assert not any("__" in column for column in result.columns)
    assert result.units == "log-odds of 'bad'"


def test_a_row_explained_against_itself_has_no_attributions(driver_model, driver_data):
    """The reference point matters: with the row as its own reference, nothing moved it."""
    X, _ = driver_data
    row = X.iloc[[7]]
    result = column_attributions(driver_model.pipeline_, row, reference=row)
    assert np.allclose(result.values, 0.0, atol=1e-6)


def test_the_default_reference_sits_on_the_low_risk_side(driver_model, driver_data):
    """The default reference scores below the decision threshold, unlike a high-risk reference."""
    X, _ = driver_data
    pipeline = driver_model.pipeline_
    default = column_attributions(pipeline, X.head(5))
    risky = X[driver_model.event_probability(X) > 0.6]
    against_risky = column_attributions(pipeline, X.head(5), reference=risky)
    assert 1 / (1 + np.exp(-default.baseline_output)) < 0.5
    assert against_risky.baseline_output > default.baseline_output + 1.0


def test_attributions_are_deterministic(driver_model, driver_data):
    """Explaining the same rows twice gives identical numbers."""
    X, _ = driver_data
    first = column_attributions(driver_model.pipeline_, X.head(20)).values
    second = column_attributions(driver_model.pipeline_, X.head(20)).values
    np.testing.assert_array_equal(first, second)


def test_a_model_saved_without_a_profile_asks_for_a_reference(driver_model, driver_data):
    """Bundles from before profiles still load; explaining them needs an explicit reference."""
    X, _ = driver_data
    meta, tensors = pipeline_to_bundle(driver_model.pipeline_)
    meta.pop("profile")
    old = pipeline_from_bundle(meta, tensors)
    assert old.profile == {}
    with pytest.raises(ConfigError, match="reference"):
        column_attributions(old, X.head(3))
    assert column_attributions(old, X.head(3), reference=X.head(100)).values.shape == (3, 10)


def test_multiclass_models_are_refused_with_a_clear_error():
    """Explanations cover binary and regression models and say so for multiclass."""
    frame = make_credit_frame(200, seed=1)
    y = frame.pop("purpose")
    model = TabularClassifier(max_epochs=1).fit(frame.drop(columns=["applied_on"]), y)
    with pytest.raises(ConfigError, match="binary and regression"):
        column_attributions(model.pipeline_, frame.head(2))
