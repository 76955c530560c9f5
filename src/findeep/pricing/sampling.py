"""Training data by design: space-filling samples of the box, priced by the reference pricer.

Latin-hypercube (scipy.stats.qmc, every column stratified into ``n`` equal slices) or
scrambled Sobol points over a ``ParameterBox``, priced in chunks on one thread per core
(numpy releases the GIL inside its array kernels), stored with the box, the sampler and the
pricer version in the table's metadata (``frame.attrs``, kept by Parquet).

Two layouts:

* ``heston`` — one row per option: the eight inputs, ``call`` and ``put`` (puts by
  put–call parity) in strike units, and ``call_time_value`` (the call minus its
  no-arbitrage lower bound, Liu et al.'s "minus intrinsic" target).
* ``heston-grid`` — one row per parameter set: rate and the five Heston parameters, then
  the Black–Scholes implied volatility on a fixed strike × maturity grid (Horvath,
  Muguruza & Tomas 2021), columns ``iv_0 … iv_{n-1}`` in maturity-major order.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import qmc

from findeep.data.schema import FindeepWarning
from findeep.data.splits import check_seed
from findeep.errors import ConfigError
from findeep.pricing.box import HESTON_COLUMNS, INPUT_COLUMNS, ParameterBox
from findeep.pricing.reference import PRICER_VERSION, heston_price, implied_volatility

Design = Literal["lhs", "sobol"]
ProgressHook = Callable[[int, int], None]
CHUNK_ROWS = 4096
# Horvath et al.'s grid, cut to the default box: strikes K/S and maturities in years
GRID_STRIKES = (0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2)
GRID_MATURITIES = (0.1, 0.3, 0.6, 0.9, 1.2, 1.4)
GRID_PARAMETERS = ("rate", *HESTON_COLUMNS)


MAX_SAMPLES = 100_000_000  # points in one sample (about 4 GB of float32 at 9 columns)


def sample_box(box: ParameterBox, n: int, *, columns: tuple[str, ...] = INPUT_COLUMNS,
               design: Design = "lhs", seed: int = 0) -> pd.DataFrame:
    """``n`` points spread over ``box`` (only ``columns``), reproducible from ``seed``."""
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_SAMPLES:
        raise ConfigError(f"n must be a positive integer of at most {MAX_SAMPLES:,}, however: "
                          f"{n=}")
    check_seed(seed)
    if design == "lhs":
        sampler: qmc.QMCEngine = qmc.LatinHypercube(d=len(columns), seed=seed)
    elif design == "sobol":
        sampler = qmc.Sobol(d=len(columns), scramble=True, seed=seed)
        if n & (n - 1):  # said once in findeep's words, not as scipy's warning
            warnings.warn(f"--design sobol: n={n:,} is not a power of 2, so the points lose "
                          f"part of Sobol's balance; {1 << int(n).bit_length():,} would keep "
                          "it.", FindeepWarning, stacklevel=2)
    else:
        raise ConfigError(f"design must be 'lhs' or 'sobol', however: {design=}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        unit = sampler.random(n)
    low = np.array([box.ranges[c][0] for c in columns])
    high = np.array([box.ranges[c][1] for c in columns])
    return pd.DataFrame(qmc.scale(unit, low, high), columns=list(columns))


def _in_chunks(n: int, work: Callable[[slice], None], progress: ProgressHook | None,
               n_jobs: int) -> None:
    chunks = [slice(s, min(s + CHUNK_ROWS, n)) for s in range(0, n, CHUNK_ROWS)]
    done = 0
    with ThreadPoolExecutor(max(1, n_jobs)) as pool:
        for chunk in pool.map(lambda c: (work(c), c)[1], chunks):
            done += chunk.stop - chunk.start
            if progress is not None:
                progress(done, n)


def price_rows(frame: pd.DataFrame, *, n_jobs: int = 2,
               progress: ProgressHook | None = None) -> np.ndarray:
    """Heston call prices (strike units) of every row of ``frame`` (the input columns)."""
    values = {c: frame[c].to_numpy(dtype=float) for c in INPUT_COLUMNS}
    out = np.empty(len(frame))

    def work(rows: slice) -> None:
        v = {c: a[rows] for c, a in values.items()}
        out[rows] = heston_price(v["moneyness"], v["maturity"], v["rate"], kappa=v["kappa"],
                                 vbar=v["vbar"], gamma=v["gamma"], rho=v["rho"], v0=v["v0"])

    _in_chunks(len(frame), work, progress, n_jobs)
    return out


def generate_heston(n: int, *, box: ParameterBox | None = None, design: Design = "lhs",
                    seed: int = 0, n_jobs: int = 2,
                    progress: ProgressHook | None = None) -> pd.DataFrame:
    """``n`` priced options, one per row; ``attrs`` record the box, design and pricer."""
    box = box or ParameterBox.default()
    frame = sample_box(box, n, design=design, seed=seed)
    call = price_rows(frame, n_jobs=n_jobs, progress=progress)
    m, tau, r = (frame[c].to_numpy() for c in ("moneyness", "maturity", "rate"))
    frame["call"] = call
    frame["put"] = call - m + np.exp(-r * tau)  # put–call parity, strike units, no dividend
    frame["call_time_value"] = call - np.maximum(m - np.exp(-r * tau), 0.0)
    frame.attrs["findeep_pricing"] = {
        "layout": "heston", "box": box.to_dict(), "design": design, "seed": seed, "rows": n,
        "pricer": PRICER_VERSION, "units": "price / strike", "dividend": 0.0}
    return frame


def grid_points() -> tuple[np.ndarray, np.ndarray]:
    """(moneyness S/K, maturity) of each grid cell, maturity-major, shape (n_cells,)."""
    strikes, maturities = np.meshgrid(GRID_STRIKES, GRID_MATURITIES)  # (n_tau, n_k)
    return 1.0 / strikes.ravel(), maturities.ravel()


def generate_heston_grid(n: int, *, box: ParameterBox | None = None, design: Design = "lhs",
                         seed: int = 0, n_jobs: int = 2,
                         progress: ProgressHook | None = None) -> pd.DataFrame:
    """``n`` parameter sets with the implied-vol surface on the fixed grid; sets whose
    surface has a cell without an implied volatility (price at its bound) are dropped
    and counted in ``attrs``."""
    box = box or ParameterBox.default()
    frame = sample_box(box, n, columns=GRID_PARAMETERS, design=design, seed=seed)
    moneyness, maturity = grid_points()
    n_cells = moneyness.size
    vols = np.empty((n, n_cells))
    params = {c: frame[c].to_numpy(dtype=float)[:, None] for c in GRID_PARAMETERS}

    def work(rows: slice) -> None:
        p = {c: a[rows] for c, a in params.items()}
        price = heston_price(moneyness[None, :], maturity[None, :], p["rate"], kappa=p["kappa"],
                             vbar=p["vbar"], gamma=p["gamma"], rho=p["rho"], v0=p["v0"])
        otm_call = moneyness[None, :] <= 1.0  # out-of-the-money side: better-conditioned IV
        put = price - moneyness[None, :] + np.exp(-p["rate"] * maturity[None, :])
        vols[rows] = implied_volatility(np.where(otm_call, price, put), moneyness[None, :],
                                        maturity[None, :], p["rate"], call=otm_call)

    _in_chunks(n, work, None if progress is None else progress, n_jobs)
    keep = np.isfinite(vols).all(axis=1)
    surface = pd.DataFrame(vols[keep], columns=[f"iv_{j}" for j in range(n_cells)])
    out = pd.concat([frame[keep].reset_index(drop=True), surface], axis=1)
    out.attrs["findeep_pricing"] = {
        "layout": "heston-grid", "box": box.to_dict(), "design": design, "seed": seed,
        "rows": int(keep.sum()), "dropped_without_iv": int((~keep).sum()),
        "pricer": PRICER_VERSION, "strikes": list(GRID_STRIKES),
        "maturities": list(GRID_MATURITIES), "dividend": 0.0}
    return out
