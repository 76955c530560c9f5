"""Shared fixtures for the forecasting tests: one thread, small panels."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Small networks on a shared 2-core machine run fastest, and steadiest, on one thread."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def volatility_jump() -> pd.DataFrame:
    """1,500 daily closes whose return volatility jumps 2.5x at day 1,000: a fit and its
    calibration block (before the jump) never see the wild regime the test period lives in."""
    n, at = 1500, 1000
    rng = np.random.default_rng(0)
    sigma = np.where(np.arange(n) < at, 0.008, 0.02)
    returns = rng.standard_t(5, size=n) * sigma / np.sqrt(5 / 3)
    return pd.DataFrame({"date": pd.bdate_range("2010-01-01", periods=n),
                         "close": 100 * np.exp(np.cumsum(returns))})
