"""The training-data profile saved in bundles: summaries only, enough for drift and references."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from findeep.data.profile import build_profile, reference_frame
from findeep.data.schema import infer_schema


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    income = rng.lognormal(10, 0.5, n)
    income[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({"income": income,
                         "home": rng.choice(["rent", "own", "mortgage"], n, p=[0.5, 0.3, 0.2]),
                         "applied_on": pd.Timestamp("2020-01-01")
                         + pd.to_timedelta(rng.integers(0, 700, n), unit="D")})


def test_the_profile_keeps_summaries_not_rows():
    """Its size does not grow with the number of training rows."""
    small, large = _frame(300), _frame(30_000)
    sizes = [len(json.dumps(build_profile(f, infer_schema(f), score=None, low_risk=None)))
             for f in (small, large)]
    assert sizes[1] < 1.5 * sizes[0] < 20_000


def test_the_reference_follows_the_low_risk_rows_marginals():
    """The synthetic reference keeps the low-risk rows' missing share and category mix."""
    frame = _frame(5_000)
    low_risk = (frame["home"] != "rent").to_numpy()
    profile = build_profile(frame, infer_schema(frame), score=np.zeros(len(frame)),
                            low_risk=low_risk)
    reference = reference_frame(profile, n_rows=200)
    assert profile["reference_rule"] == "rows scored below the threshold"
    assert set(reference["home"]) == {"own", "mortgage"}
    assert reference["home"].eq("own").mean() == pytest.approx(0.3 / 0.5, abs=0.03)
    assert reference["income"].isna().mean() == pytest.approx(0.2, abs=0.03)
    low_median = np.nanmedian(frame.loc[low_risk, "income"])
    assert reference["income"].median() == pytest.approx(low_median, rel=0.02)
    assert pd.api.types.is_datetime64_any_dtype(reference["applied_on"])


def test_without_low_risk_rows_every_row_is_the_reference():
    """A model that declines everyone still gets a reference: all training rows."""
    frame = _frame(500)
    profile = build_profile(frame, infer_schema(frame), score=np.ones(len(frame)),
                            low_risk=np.zeros(len(frame), dtype=bool))
    assert profile["reference_rule"] == "all rows" and profile["reference_rows"] == 500

