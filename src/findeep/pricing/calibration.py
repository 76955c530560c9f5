"""Heston calibration: the five parameters that best reprice an observed surface.

``calibrate`` minimises the squared price errors (strike units) with SciPy's trust-region
reflective least squares inside the box (Levenberg–Marquardt takes no bounds, and a Heston
fit that wanders out of the box leaves the network's domain). With a surrogate the
Jacobian is exact: reverse-mode autograd through a float64 copy of the network, one
backward pass per step (each quote's price depends on its own copy of the parameters).
With the reference pricer it is the usual two-point finite difference. Both start from the
same point and stop on the same tolerances, so their times and fits compare like for like.

A surface table has ``moneyness`` (S/K), ``maturity``, ``rate`` and either ``price``
(strike units; a call unless a ``type`` column says put, read as ``pricing price`` reads it)
or ``implied_vol`` (a fraction: 0.25 for 25%). Quotes in the wrong units are refused before
any fit: a price outside its option's no-arbitrage bounds, an implied vol above 500%. A row
with an empty cell is left out and counted (``Surface.left_out``), not refused.

A fit is not taken at its word: a parameter that ends on the edge of the search box, an
optimiser that stopped without converging, and (for the network) fitted parameters that
the reference reprices much worse than the network did are each warned about
(``FindeepWarning``) and recorded in the result (``at_bounds``, ``success``,
``warnings``).
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.optimize import least_squares

from findeep.data.schema import FindeepWarning
from findeep.errors import DataError
from findeep.pricing.box import (
    HESTON_COLUMNS,
    OPTION_COLUMNS,
    ParameterBox,
    check_price_bounds,
    data_row,
    option_types,
)
from findeep.pricing.estimator import HestonSurrogate
from findeep.pricing.reference import bsm_price, heston_price
from findeep.train.trainer import cpu_threads

MIN_OPTIONS = len(HESTON_COLUMNS) + 1  # fewer quotes than parameters + 1: not identifiable
# 500%: far above any quoted equity vol; a vol in percent (25 for 25%) lands far above it
MAX_IMPLIED_VOL = 5.0
# a parameter within this share of its search range from a bound sits on it: TRF stops on
# an active bound to ~1e-10, and an interior optimum this close to the box's edge is rare
AT_BOUND = 1e-3
# the network's fit is suspect when the reference reprices its parameters this many times
# worse than the network's own RMSE, and by more than a quote's rounding (1e-4 of strike)
REFERENCE_RATIO = 2.0
REFERENCE_GAP = 1e-4


@dataclass
class CalibrationResult:
    """Fitted parameters and how well they reprice the surface (with the reference pricer)."""

    pricer: str
    parameters: dict[str, float]
    rmse: float  # of the pricer's own fit, strike units
    max_error: float
    reference_rmse: float  # the fitted parameters repriced by the reference pricer
    seconds: float
    evaluations: int
    success: bool
    cpu_seconds: float = float("nan")  # this process's CPU time: steady on a busy machine
    left_out: int = 0  # rows of the surface table left out for an empty cell
    message: str = ""  # the optimiser's own word on why it stopped
    at_bounds: list[str] = field(default_factory=list)  # parameters on a search bound
    warnings: list[str] = field(default_factory=list)  # each also a FindeepWarning

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Surface:
    """A checked surface: option columns and call prices / K (puts converted by parity).

    ``left_out`` rows of the table had an empty cell in ``left_out_columns`` and are not
    among the quotes.
    """

    moneyness: np.ndarray
    maturity: np.ndarray
    rate: np.ndarray
    call: np.ndarray
    left_out: int = 0
    left_out_columns: tuple[str, ...] = ()


def read_surface(frame: pd.DataFrame, box: ParameterBox | None = None) -> Surface:
    """Check a surface table and return its quotes as call prices in strike units.

    Rows with an empty cell are left out and counted; every other problem is refused with
    a ``DataError``: an unknown ``type``, a price outside its option's no-arbitrage bounds
    (prices in the wrong units), an implied vol above ``MAX_IMPLIED_VOL`` (percent), an
    option outside ``box``.
    """
    missing = [c for c in OPTION_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"the surface lacks the column(s) {', '.join(missing)}; it needs "
                        "moneyness (S/K), maturity, rate and price or implied_vol.")
    quote = "price" if "price" in frame.columns else "implied_vol" \
        if "implied_vol" in frame.columns else None
    if quote is None:
        raise DataError("the surface needs a 'price' (strike units) or 'implied_vol' column.")
    columns = [*OPTION_COLUMNS, quote]
    try:
        values = frame[columns].astype(float)
    except (TypeError, ValueError):
        raise DataError(_non_numeric(frame, columns)) from None
    empty = values.isna()
    values = values[~empty.any(axis=1)]
    left_out = len(frame) - len(values)
    left_out_columns = tuple(c for c in columns if empty[c].any())
    if len(values) < MIN_OPTIONS:
        note = f" ({left_out} with an empty cell left out)" if left_out else ""
        raise DataError(f"the surface has {len(values)} usable option(s){note}; calibrating "
                        f"five Heston parameters needs at least {MIN_OPTIONS}.")
    infinite = [c for c in columns if np.isinf(values[c]).any()]
    if infinite:
        raise DataError(f"the surface has infinite values in {', '.join(infinite)}; give "
                        "finite numbers, or leave the cell empty to leave the quote out.")
    m, tau, r, q = (values[c].to_numpy() for c in columns)
    if (tau <= 0).any() or (m <= 0).any():
        raise DataError("the surface has non-positive maturities or moneyness; both must be "
                        "> 0.")
    if (q < 0).any():
        raise DataError(f"the surface has negative {quote.replace('_', ' ')}s; quotes must be "
                        ">= 0.")
    is_put = option_types(frame.loc[values.index], what="the surface")
    if quote == "implied_vol":
        _check_implied_vols(q, values.index)
        price = bsm_price(m, tau, r, q, call=~is_put)
    else:
        check_price_bounds(q, m, tau, r, is_put, values.index)
        price = q
    call = np.where(is_put, price + m - np.exp(-r * tau), price)
    if box is not None:
        inputs = pd.DataFrame({"moneyness": m, "maturity": tau, "rate": r})
        outside = [c for c in OPTION_COLUMNS
                   if ((inputs[c] < box.ranges[c][0]) | (inputs[c] > box.ranges[c][1])).any()]
        if outside:
            raise DataError(f"the surface has {', '.join(outside)} outside the pricer's "
                            "training box; the network is not trusted there (see 'findeep "
                            "pricing check').")
    return Surface(m, tau, r, call, left_out=left_out, left_out_columns=left_out_columns)


def _check_implied_vols(vol: np.ndarray, rows: pd.Index) -> None:
    """Refuse implied vols above ``MAX_IMPLIED_VOL``: they are almost surely in percent."""
    high = vol > MAX_IMPLIED_VOL
    if high.any():
        first = int(np.flatnonzero(high)[0])
        raise DataError(
            f"{int(high.sum())} of {vol.size} implied vols are above {MAX_IMPLIED_VOL:g} "
            f"({MAX_IMPLIED_VOL:.0%}), e.g. {vol[first]:g} at {data_row(rows[first])}: they "
            "look like percent; give them as fractions (0.25 for 25%).")


def _bounds(box: ParameterBox) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    low = np.array([box.ranges[c][0] for c in HESTON_COLUMNS])
    high = np.array([box.ranges[c][1] for c in HESTON_COLUMNS])
    # keep the search strictly inside: kappa, vbar, gamma at 0 degenerate the model
    span = high - low
    low, high = low + 1e-3 * span, high - 1e-3 * span
    return low, high, 0.5 * (low + high)


def calibrate(surface: Surface, *, pricer: HestonSurrogate | None = None,
              box: ParameterBox | None = None, start: np.ndarray | None = None,
              ) -> CalibrationResult:
    """Fit (rho, kappa, vbar, gamma, v0) to ``surface``: with ``pricer`` (its box) when
    given, else with the reference COS pricer (inside ``box``, default Liu et al.'s)."""
    box = pricer.box_ if pricer is not None else (box or ParameterBox.default())
    low, high, middle = _bounds(box)
    x0 = middle if start is None else np.clip(start, low, high)
    fixed = np.stack([surface.moneyness, surface.maturity, surface.rate], axis=1)
    evaluations = 0
    if pricer is None:
        def residuals(theta: np.ndarray) -> np.ndarray:
            nonlocal evaluations
            evaluations += 1
            return _reference(surface, theta) - surface.call

        jacobian: Any = "2-point"
    else:
        network = copy.deepcopy(pricer.network_).double().eval()
        options = torch.as_tensor(fixed, dtype=torch.float64)
        observed = torch.as_tensor(surface.call, dtype=torch.float64)

        def model(theta: torch.Tensor) -> torch.Tensor:
            x = torch.cat([options, theta.expand(options.shape[0], -1)], dim=1)  # (n, 8)
            return network.price(x) - observed

        def residuals(theta: np.ndarray) -> np.ndarray:
            nonlocal evaluations
            evaluations += 1
            with torch.no_grad():
                return model(torch.tensor(theta)).numpy()

        def jacobian(theta: np.ndarray) -> np.ndarray:
            # row i's price depends on theta only through row i's copy of it, so one
            # backward pass of the summed prices gives every row's gradient: (n, 5)
            rows = torch.tensor(theta).expand(options.shape[0], -1).clone().requires_grad_()
            network.price(torch.cat([options, rows], dim=1)).sum().backward()
            return rows.grad.numpy()

    started, cpu_started = time.perf_counter(), time.process_time()
    # one intra-op thread: a surface is a few hundred rows, and on a busy machine a second
    # thread waiting for its turn made the network calibration 4-7x slower than the
    # reference (one thread: 0.06 CPU-s where two took 1.5-2.1)
    with cpu_threads(1):
        fit = least_squares(residuals, x0, jac=jacobian, bounds=(low, high), method="trf",
                            x_scale="jac", ftol=1e-12, xtol=1e-10, gtol=1e-12, max_nfev=200)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    own = fit.fun
    repriced = _reference(surface, fit.x) - surface.call
    label = "reference" if pricer is None else "network"
    result = CalibrationResult(
        pricer=label,
        parameters={c: float(v) for c, v in zip(HESTON_COLUMNS, fit.x, strict=True)},
        rmse=float(np.sqrt(np.mean(own**2))), max_error=float(np.max(np.abs(own))),
        reference_rmse=float(np.sqrt(np.mean(repriced**2))), seconds=seconds,
        evaluations=evaluations, success=bool(fit.success), cpu_seconds=cpu_seconds,
        left_out=surface.left_out, message=str(fit.message))
    _judge(result, fit.x, low, high)
    for sentence in result.warnings:
        warnings.warn(sentence, FindeepWarning, stacklevel=2)
    return result


def _judge(result: CalibrationResult, x: np.ndarray, low: np.ndarray,
           high: np.ndarray) -> None:
    """Fill ``at_bounds`` and ``warnings``: what makes the fit not to be taken at its word."""
    tolerance = AT_BOUND * (high - low)
    edges = []
    for name, value, lo, hi, tol in zip(HESTON_COLUMNS, x, low, high, tolerance, strict=True):
        if value - lo <= tol or hi - value <= tol:
            result.at_bounds.append(name)
            side, bound = ("lower", lo) if value - lo <= tol else ("upper", hi)
            edges.append(f"{name} {value:.4g} at its {side} bound {bound:.4g}")
    if edges:
        result.warnings.append(
            f"the {result.pricer} calibration ended on the edge of its search box "
            f"({', '.join(edges)}): the surface wants parameters at or beyond the box, or is "
            "not Heston-like, so these parameters are not a free optimum.")
    if not result.success:
        result.warnings.append(f"the {result.pricer} calibration did not converge "
                               f"({result.message.rstrip('.')}); its parameters are where it "
                               "stopped, not an optimum.")
    if result.pricer == "network" and result.reference_rmse > REFERENCE_RATIO * result.rmse \
            and result.reference_rmse - result.rmse > REFERENCE_GAP:
        result.warnings.append(
            f"the reference pricer reprices the network's fitted parameters with RMSE "
            f"{result.reference_rmse:.2e}, {result.reference_rmse / result.rmse:.1f}x the "
            f"network's own {result.rmse:.2e}: the network is inaccurate for this surface, so "
            "use the reference calibration (--reference) for it.")


def _reference(surface: Surface, theta: np.ndarray) -> np.ndarray:
    rho, kappa, vbar, gamma, v0 = theta
    return heston_price(surface.moneyness, surface.maturity, surface.rate, kappa=kappa,
                        vbar=vbar, gamma=gamma, rho=rho, v0=v0)


def synthetic_surface(parameters: dict[str, float], *, rate: float = 0.03,
                      moneyness: tuple[float, ...] = tuple(np.linspace(0.8, 1.2, 10)),
                      maturities: tuple[float, ...] = tuple(np.linspace(0.2, 1.3, 10)),
                      ) -> pd.DataFrame:
    """A surface priced by the reference pricer at known parameters (10 x 10 = 100 options
    by default), for measuring how well calibration recovers them."""
    m, tau = (a.ravel() for a in np.meshgrid(moneyness, maturities))
    price = heston_price(m, tau, rate, **{k: parameters[k] for k in HESTON_COLUMNS})
    return pd.DataFrame({"moneyness": m, "maturity": tau, "rate": rate, "price": price})


def _non_numeric(frame: pd.DataFrame, columns: list[str]) -> str:
    """The sentence for a surface with a cell that is not a number: its column, the first
    such value and its row (``box.data_row``: 1-based over the data rows)."""
    for column in columns:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column].notna() & numbers.isna()
        if bad.any():
            at = int(np.flatnonzero(bad.to_numpy())[0])
            return (f"the surface's '{column}' holds {int(bad.sum()):,} value(s) that are not "
                    f"numbers (e.g. {frame[column].iloc[at]!r} at "
                    f"{data_row(frame.index[at])}); "
                    "fix them, or leave the cell empty to leave the quote out.")
    return "the surface has non-numeric values in its option columns."
