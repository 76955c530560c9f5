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
