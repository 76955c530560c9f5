"""A bag known to be one network before it trains takes `default`'s one-network recipe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.pipeline import ONE_NETWORK_RECIPE, fit_tabular
from findeep.testing import make_credit_frame
from findeep.train import bagging as bagging_rules
from findeep.train.trainer import FitResult
from findeep.views import bagging_line


def _first(epochs: int) -> FitResult:
    return FitResult(best_epoch=epochs, epochs_run=epochs, best_score=0.7, seconds=1.0,
                     rows_per_second=1.0)


@pytest.fixture()
def flat_costs(monkeypatch):
    """Budget 1 s on 1,000 rows; a member costs fit rows x epochs x 1e-5 s, one after
    another."""
    monkeypatch.setattr(bagging_rules, "CATBOOST_SECONDS",
                        {"c0": 0.0, "c_num": 1e-3 / 3, "c_cat": 0.0})
    monkeypatch.setattr(bagging_rules, "CATBOOST_ONE_HOT_SECONDS", None)
    monkeypatch.setattr(bagging_rules, "NETWORK_CPU_PER_ROW_EPOCH", {"u0": 1e-5, "u1": 0.0})
    monkeypatch.setattr(bagging_rules, "BUDGET_SHARE", 1.0)
    monkeypatch.setattr(bagging_rules, "REFERENCE_CORES", 1)


@pytest.mark.parametrize("fit_rows", [800, 9_000, 12_000, 40_000])
def test_sure_of_one_member_is_the_budget_rule_at_the_fewest_epochs(flat_costs, fit_rows):
    """Sure of one member exactly when a first member of 5 epochs would leave no room for a
    second (2 x fit rows x 5 x 1e-5 s over the 1 s budget), and then no longer fit can."""
    shape = {"fit_rows": fit_rows, "d_in": 10, "rows": 1_000, "numeric": 3, "categorical": 0}
    sure = bagging_rules.sure_of_one_member(5, **shape)
    assert sure == (2 * fit_rows * 5 * 1e-5 > 1.0)
    for epochs in (5, 8, 30, 100):
        assert bagging_rules.members_for_epochs(epochs, **shape) == \
            bagging_rules.auto_members(_first(epochs), **shape)
        if sure:
            assert bagging_rules.auto_members(_first(epochs), **shape) == 1


@pytest.fixture(scope="module")
def table() -> tuple[pd.DataFrame, pd.Series]:
    frame = make_credit_frame(600, seed=0)
    return frame.drop(columns="default"), frame["default"]


def _no_second_member(monkeypatch) -> list[int]:
    """A budget too small for any second member; returns the calls of the after-the-fact
    rule, which a bag known to be one network never needs."""
    monkeypatch.setattr(bagging_rules, "BUDGET_SHARE", 1e-9)
    calls: list[int] = []
    rule = bagging_rules.auto_members

    def spy(first, **shape):
        calls.append(first.epochs_run)
        return rule(first, **shape)

    monkeypatch.setattr("findeep.pipeline.auto_members", spy)
    return calls


def test_a_bag_known_to_be_one_network_trains_on_the_one_network_recipe(table, monkeypatch):
    """It is the first member trained with learning rate 4e-3 and patience 3 — the same
    network a caller who asked for that recipe gets — recorded and said in the summary."""
    calls = _no_second_member(monkeypatch)
    X, y = table
    known = fit_tabular(X, y, max_epochs=6, seed=3, verbose=0)
    assert calls == []  # decided before training, not from the first member's epochs
    bag = known.training["bagging"]
    assert bag["members"] == 1 and bag["one_network_recipe"] == ONE_NETWORK_RECIPE
    assert known.training["config"]["learning_rate"] == ONE_NETWORK_RECIPE["learning_rate"]
    assert known.training["config"]["patience"] == ONE_NETWORK_RECIPE["patience"]
    asked = fit_tabular(X, y, max_epochs=6, seed=3, verbose=0, **ONE_NETWORK_RECIPE)
    assert calls and "one_network_recipe" not in asked.training["bagging"]  # the caller's recipe
    np.testing.assert_array_equal(known.predict_raw(X)[0], asked.predict_raw(X)[0])
    assert "one-network recipe: learning rate 0.004, patience 3" in bagging_line(
        known.training)


@pytest.mark.parametrize("options", [{"learning_rate": 1e-3}, {"patience": 6},
                                     {"batch_size": 32}])
def test_a_callers_recipe_wins(table, monkeypatch, options):
    _no_second_member(monkeypatch)
    X, y = table
    pipeline = fit_tabular(X, y, max_epochs=3, verbose=0, **options)
    assert "one_network_recipe" not in pipeline.training["bagging"]
    for name, value in options.items():
        assert pipeline.training["config"][name] == value


def test_narrow_tables_and_tables_that_can_bag_keep_the_bag_recipe(table, monkeypatch):
    X, y = table
    can_bag = fit_tabular(X, y, max_epochs=3, verbose=0)  # 600 rows: a second member fits
    assert "one_network_recipe" not in can_bag.training["bagging"]
    assert can_bag.training["config"]["learning_rate"] == 2e-3
    _no_second_member(monkeypatch)
    narrow = fit_tabular(X.iloc[:, :4], y, max_epochs=3, verbose=0)
    assert narrow.training["bagging"]["members"] == 1
    assert "one_network_recipe" not in narrow.training["bagging"]
    assert narrow.training["config"]["warmup_fraction"] == 0.05  # the narrow recipe
