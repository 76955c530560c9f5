"""Permutation importance on the model's metric, with confidence intervals."""

from __future__ import annotations

import pytest

from findeep.errors import ConfigError
from findeep.explain import permutation_importance_table


@pytest.fixture(scope="module")
def importance(driver_model, driver_data):
    X, y = driver_data
    return permutation_importance_table(driver_model.pipeline_, X.head(500), y.head(500),
                                        n_repeats=3)


def test_the_three_driving_columns_rank_top_in_permutation_importance(importance):
    """Shuffling a driving column hurts ROC-AUC more than shuffling any noise column."""
    assert set(importance["column"].head(3)) == {"debt_to_income", "utilization",
                                                 "late_payments"}
    assert importance.attrs["metric"] == "roc_auc"


def test_intervals_surround_the_mean_and_separate_drivers_from_noise(importance):
    """Each interval contains its mean; the drivers' intervals lie above every noise column's."""
    assert (importance["ci_low"] <= importance["importance"]).all()
    assert (importance["importance"] <= importance["ci_high"]).all()
    assert importance["ci_low"].head(3).min() > importance["ci_high"].iloc[3:].max()


def test_permutation_importance_needs_repeats(driver_model, driver_data):
    """One repeat gives no interval, so it is refused."""
    X, y = driver_data
    with pytest.raises(ConfigError, match="n_repeats"):
        permutation_importance_table(driver_model.pipeline_, X.head(50), y.head(50), n_repeats=1)


@pytest.mark.parametrize("stacked_rows", [65_536, 250])
def test_stacked_shuffles_give_scikit_learns_importances(driver_model, driver_data,
                                                         monkeypatch, stacked_rows):
    """The shuffled copies are scored stacked (several calls when they exceed the stack's
    rows): the same seed gives exactly the drops scikit-learn's permutation_importance
    gives, one call per copy."""
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score

    import findeep.explain.importance as importance_module
    from findeep.explain.frozen import frozen

    monkeypatch.setattr(importance_module, "STACKED_ROWS", stacked_rows)
    X, y = driver_data
    rows = X.head(120)[driver_model.pipeline_.schema.used_names]
    table = permutation_importance_table(driver_model.pipeline_, rows, y.head(120),
                                         n_repeats=3, seed=7)
    expected = permutation_importance(
        frozen(driver_model.pipeline_), rows, y.head(120).to_numpy(), n_repeats=3,
        random_state=7, scoring=lambda model, X, y: roc_auc_score(y, model.predict_proba(X)[:, 1]))
    ours = table.set_index("column").loc[rows.columns, "importance"].to_numpy()
    assert ours == pytest.approx(expected.importances_mean, abs=1e-9)
