"""`default` on narrow tables: two ensemble members (cheaper steps), unless the caller says."""

from __future__ import annotations

import pytest

from findeep.pipeline import NARROW_K, NARROW_WARMUP_FRACTION, fit_tabular
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def frame():
    data = make_credit_frame(300, seed=5)
    return data, data.pop("default")


@pytest.mark.parametrize(("columns", "options", "expected_k"), [
    (["income", "utilization", "debt_to_income"], None, NARROW_K),
    (["income", "utilization", "debt_to_income"], {"k": 4}, 4),
    (["income", "utilization", "debt_to_income", "age", "purpose"], None, 4),
])
def test_the_ensemble_size_follows_the_column_count(frame, columns, options, expected_k):
    """Up to 4 input columns `default` trains k=2 members; 5 keep k=4; a given k wins."""
    X, y = frame
    pipeline = fit_tabular(X[columns], y, model_options=options, max_epochs=1, verbose=0)
    assert pipeline.network.k == expected_k
    assert pipeline.network.config["k"] == expected_k


@pytest.mark.parametrize(("columns", "options", "expected"), [
    (["income", "utilization", "debt_to_income"], {}, NARROW_WARMUP_FRACTION),
    (["income", "utilization", "debt_to_income", "age", "purpose"], {}, 0.01),
    (["income", "utilization", "debt_to_income"], {"warmup_fraction": 0.2}, 0.2),
    (["income", "utilization", "debt_to_income", "age", "purpose"], {"warmup_fraction": 0.0}, 0.0),
])
def test_the_warm_up_is_one_epoch_except_on_narrow_tables(frame, columns, options, expected):
    """`default` warms up over 1% of its planned steps (one epoch at 100), narrow tables over
    the loop's 5%; a warm-up the caller gives wins either way."""
    X, y = frame
    pipeline = fit_tabular(X[columns], y, max_epochs=1, verbose=0, **options)
    assert pipeline.training["config"]["warmup_fraction"] == expected


def test_other_models_keep_their_own_warm_up(frame):
    """The narrow-table warm-up is `default`'s recipe only: `mlp` keeps the loop's 5% and
    `seed-mlp` its none, on narrow tables too."""
    X, y = frame
    columns = ["income", "utilization", "debt_to_income"]
    assert fit_tabular(X[columns], y, model="mlp", max_epochs=1, verbose=0
                       ).training["config"]["warmup_fraction"] == 0.05
    assert fit_tabular(X[columns], y, model="seed-mlp", max_epochs=1, verbose=0
                       ).training["config"]["warmup_fraction"] == 0.0
