"""A small credit table for the blend tests (bundle, serving, ONNX export)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def applications(n: int = 500, seed: int = 0) -> pd.DataFrame:
    """Amounts, a category, a count with a special code (98: no record), a text date; the
    event ("bad") is the first class, so a binary model's event probability is 1 - P(class
    1)."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 0.5, n)
    region = rng.choice(["north", "south", "east", "west"], n)
    late = rng.integers(0, 4, n).astype(float)
    late[rng.random(n) < 0.1] = 98.0  # "no record"
    score = (-np.log(income / 22_000) + 0.6 * (region == "south") + 0.5 * np.minimum(late, 4)
             + rng.normal(0, 0.8, n))
    return pd.DataFrame({
        "income": income, "region": region, "late": late,
        "applied_on": pd.date_range("2022-01-01", periods=n, freq="D").astype(str),
        "default": np.where(score > np.quantile(score, 0.7), "bad", "good"),
    })
