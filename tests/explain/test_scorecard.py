"""A network read as a scorecard: points add up and follow the chosen scale."""

from __future__ import annotations

import math

import numpy as np
import pytest

from findeep.errors import ConfigError
from findeep.explain import ScorecardScale, scorecard_points, scorecard_table


@pytest.fixture(scope="module")
def points(driver_model, driver_data):
    X, _ = driver_data
    return scorecard_points(driver_model.pipeline_, X.head(300))


def test_base_points_plus_column_points_give_the_score(points):
    """score = base_points + the sum of points__<column>, to within a point."""
    total = points["base_points"] + points.filter(like="points__").sum(axis=1)
    assert np.abs(points["score"] - total).max() < 1.0


def test_riskier_applicants_score_fewer_points(driver_model, driver_data, points):
    """Points fall as the event probability rises."""
    X, _ = driver_data
    probability = driver_model.event_probability(X.head(300))
    assert np.corrcoef(probability, points["score"])[0, 1] < -0.9
    order = np.argsort(probability)
    assert np.all(np.diff(points["score"].to_numpy()[order]) <= 1e-6)


def test_the_scale_is_anchored_at_base_odds_and_doubles_every_pdo():
    """base_odds good:bad scores base_score; doubling the odds adds pdo points."""
    scale = ScorecardScale(base_score=500, base_odds=20, pdo=40)
    assert scale.score(-math.log(20)) == pytest.approx(500)
    assert scale.score(-math.log(40)) == pytest.approx(540)


def test_scorecard_table_covers_every_row_of_every_column(driver_model, driver_data, points):
    """Each column's value ranges together hold every scored row."""
    X, _ = driver_data
    table = scorecard_table(driver_model.pipeline_, X.head(300), points)
    assert set(table["column"]) == set(X.columns)
    assert (table.groupby("column")["rows"].sum() == 300).all()


def test_points_to_double_the_odds_must_be_positive(driver_model, driver_data):
    """A zero or negative pdo is refused."""
    X, _ = driver_data
    with pytest.raises(ConfigError, match="pdo"):
        scorecard_points(driver_model.pipeline_, X.head(2), scale=ScorecardScale(pdo=0))
