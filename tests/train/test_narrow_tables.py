"""`default` on narrow tables: two ensemble members (cheaper steps), unless the caller says."""

from __future__ import annotations

import pytest

from findeep.pipeline import NARROW_K, fit_tabular
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
