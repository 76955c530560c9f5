"""Fits shared by the explanation tests: one per kind of model, once per session."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from findeep import TabularClassifier, TabularRegressor
from findeep.testing import make_credit_frame, make_driver_frame


@pytest.fixture(scope="session")
def driver_data() -> tuple[pd.DataFrame, pd.Series]:
    """1,500 rows where exactly three columns drive ``default``."""
    frame = make_driver_frame(1_500, seed=0)
    return frame.drop(columns=["default"]), frame["default"]


@pytest.fixture(scope="session")
def driver_model(driver_data: tuple[pd.DataFrame, pd.Series]) -> TabularClassifier:
    """The default model, trained briefly on the driver table."""
    X, y = driver_data
    # one network: bags are served, saved, explained and exported in tests/train/test_bagging.py
    return TabularClassifier(max_epochs=6, bagging=1).fit(X, y)


@pytest.fixture(scope="session")
def credit_data() -> tuple[pd.DataFrame, pd.Series]:
    """Dates, missing values and categoricals, with the event labelled 'bad'."""
    frame = make_credit_frame(1_200, seed=3)
    y = frame.pop("default").map({0: "good", 1: "bad"})
    return frame, y


@pytest.fixture(scope="session")
def credit_model(credit_data: tuple[pd.DataFrame, pd.Series]) -> TabularClassifier:
    X, y = credit_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TabularClassifier(max_epochs=3, bagging=1).fit(X, y)


@pytest.fixture(scope="session")
def regression_model(driver_data: tuple[pd.DataFrame, pd.Series]) -> TabularRegressor:
    """A regressor of debt_to_income on the other columns."""
    X = driver_data[0].head(600)
    return TabularRegressor(max_epochs=3).fit(X.drop(columns=["debt_to_income"]),
                                              X["debt_to_income"] * 2 + X["utilization"] * 10)
