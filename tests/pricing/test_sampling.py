"""Training data by design: the box is covered, metadata survives Parquet, puts by parity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from findeep.pricing.box import INPUT_COLUMNS, LIU_HESTON_BOX, ParameterBox
from findeep.pricing.reference import PRICER_VERSION, heston_price
from findeep.pricing.sampling import generate_heston, generate_heston_grid, sample_box


def test_latin_hypercube_puts_one_point_in_every_slice_of_every_column():
    """n LHS points fill each of the n equal slices of each range exactly once."""
    n = 64
    frame = sample_box(ParameterBox.default(), n, seed=3)
    for column in INPUT_COLUMNS:
        lo, hi = LIU_HESTON_BOX[column]
        slices = np.floor((frame[column] - lo) / (hi - lo) * n).astype(int)
        assert sorted(slices) == list(range(n))


def test_generated_prices_are_reference_prices_with_puts_by_parity(tmp_path):
    """Each row's call is the COS price of its inputs, its put follows by parity, and the
    Parquet file keeps the box, design and pricer version."""
    frame = generate_heston(200, seed=1)
    row = frame.iloc[17]
    expected = heston_price(row.moneyness, row.maturity, row.rate, kappa=row.kappa,
                            vbar=row.vbar, gamma=row.gamma, rho=row.rho, v0=row.v0)
    assert row.call == expected
    put = heston_price(row.moneyness, row.maturity, row.rate, kappa=row.kappa, vbar=row.vbar,
                       gamma=row.gamma, rho=row.rho, v0=row.v0, call=False)
    assert abs(row.put - put) < 1e-12
    assert (frame["call_time_value"] >= -1e-12).all()
    frame.to_parquet(tmp_path / "h.parquet")
    meta = pd.read_parquet(tmp_path / "h.parquet").attrs["findeep_pricing"]
    assert meta["pricer"] == PRICER_VERSION and meta["box"]["kappa"] == [0.0, 2.0]


def test_grid_data_holds_one_finite_implied_vol_surface_per_parameter_set():
    frame = generate_heston_grid(20, seed=2)
    cells = [c for c in frame.columns if c.startswith("iv_")]
    assert len(cells) == 54 and np.isfinite(frame[cells].to_numpy()).all()
    assert frame.attrs["findeep_pricing"]["rows"] == len(frame)
