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


@pytest.fixture(scope="module")
def purpose_model():
    """A multiclass model: the loan's purpose (six classes) from the credit columns."""
    frame = make_credit_frame(2_000, seed=1).drop(columns=["applied_on"])
    y = frame.pop("purpose")
    # one network: bags are served, saved, explained and exported in tests/train/test_bagging.py
    return TabularClassifier(max_epochs=6, bagging=1).fit(frame, y), frame


def test_multiclass_attributions_explain_the_predicted_class_and_add_up(purpose_model):
    """Each row explains its predicted class's log-odds (as predict_proba gives them), and
    the attributions sum to its change from the reference within the integration error."""
    model, X = purpose_model
    rows = X.head(200)
    result = column_attributions(model.pipeline_, rows)
    proba = model.predict_proba(rows)
    predicted = proba.argmax(axis=1)
    assert (result.explained_class == model.classes_[predicted]).all()
    p = proba[np.arange(len(rows)), predicted]
    np.testing.assert_allclose(result.output, np.log(p / (1 - p)), atol=1e-5)
    moved = result.output - result.baseline_output
    assert np.abs(result.values.sum(axis=1) - moved).max() < 0.02


def test_multiclass_attributions_of_a_named_class(purpose_model):
    """target_class explains that class on every row; an unknown class lists the real ones."""
    model, X = purpose_model
    result = column_attributions(model.pipeline_, X.head(20), target_class="car")
    assert set(result.explained_class) == {"car"}
    p_car = model.predict_proba(X.head(20))[:, list(model.classes_).index("car")]
    np.testing.assert_allclose(result.output, np.log(p_car / (1 - p_car)), atol=1e-5)
    with pytest.raises(ConfigError, match="not one of the model's classes: car"):
        column_attributions(model.pipeline_, X.head(2), target_class="yacht")


def test_multiclass_reason_codes_name_the_class_they_explain(purpose_model):
    """est.explain on a multiclass model: explained_class, its probability, reasons naming it."""
    model, X = purpose_model
    table = model.explain(X.head(30), top=2)
    assert {"explained_class", "probability", "reason_1", "reason_2"} <= set(table.columns)
    first = table.iloc[0]
    assert f"raised the odds of '{first['explained_class']}'" in first["reason_1"]


def test_explanations_that_need_a_binary_model_say_so(purpose_model):
    """Scorecard points (odds of good to bad) and fairness at a decision threshold need a
    binary model; a multiclass one gets one sentence saying so."""
    from findeep.explain import fairness_report, scorecard_points

    model, X = purpose_model
    with pytest.raises(ConfigError, match="need a binary model"):
        scorecard_points(model.pipeline_, X.head(5))
    with pytest.raises(ConfigError, match="needs a binary model"):
        fairness_report(model.pipeline_, X.head(50), "home")


def test_multiclass_surrogate_rules_name_the_likely_class(purpose_model):
    """The tree predicts every class probability; rules name a class, fidelity is agreement
    on the most likely class, and the labels give both accuracies."""
    from findeep.explain import fit_surrogate

    model, X = purpose_model
    y = make_credit_frame(2_000, seed=1)["purpose"]
    report = fit_surrogate(model.pipeline_, X, y, depth=3)
    assert all(any(f"= {c} (probability" in rule for c in model.classes_)
               for rule in report.rules)
    assert 0.0 <= report.fidelity["agreement"] <= 1.0
    assert {"accuracy_surrogate", "accuracy_network"} <= set(report.fidelity)


def test_multiclass_permutation_importance_is_the_rise_in_log_loss(purpose_model):
    """Shuffling a column the model uses raises log-loss; the table says which metric."""
    from findeep.explain import permutation_importance_table

    model, X = purpose_model
    frame = make_credit_frame(2_000, seed=1).drop(columns=["applied_on"])
    table = permutation_importance_table(model.pipeline_, X.head(600),
                                         frame["purpose"].head(600), n_repeats=2)
    assert table.attrs["metric"] == "log_loss"
    assert table["importance"].iloc[0] > 0 and len(table) == X.shape[1]


def test_multiclass_partial_dependence_gives_each_class_a_probability(purpose_model):
    """One average per class, and at every grid value they sum to one."""
    from findeep.explain import partial_dependence_table

    model, X = purpose_model
    table = partial_dependence_table(model.pipeline_, X.head(100), ["income", "home"],
                                     grid_resolution=4)
    averages = table[[f"average_{c}" for c in model.classes_]]
    np.testing.assert_allclose(averages.sum(axis=1), 1.0, atol=1e-5)


def test_attributions_report_progress_per_batch_up_to_every_row(driver_model, driver_data):
    """on_rows(done, total) climbs batch by batch and ends at the row count (the CLI's bar)."""
    X, _ = driver_data
    calls: list[tuple[int, int]] = []
    column_attributions(driver_model.pipeline_, X.head(150),
                        on_rows=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(calls) > 1
    assert calls[-1] == (150, 150)
