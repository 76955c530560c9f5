"""Shared fixtures: small synthetic credit tables and one quick fit per test module."""

from __future__ import annotations

import pandas as pd
import pytest

from findeep.testing import make_credit_frame


@pytest.fixture(scope="session")
def credit_frame() -> pd.DataFrame:
    """1,500 synthetic applications with dates, missing values and categoricals."""
    return make_credit_frame(1_500, seed=7)


@pytest.fixture()
def credit_xy(credit_frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    frame = credit_frame.copy()
    y = frame.pop("default")
    return frame.drop(columns=["applied_on"]), y


# the longest test file (two torch.distributed ranks and their launchers, ~1 minute) starts
# first: collected in name order it ran last, alone, while the other worker sat idle
FIRST = ("test_streamed_rounds_ddp.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in FIRST)  # stable: the rest keep order
