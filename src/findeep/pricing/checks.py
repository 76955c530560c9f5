"""Is a surrogate good enough to use? Accuracy against the reference, and static arbitrage.

``accuracy`` prices a fresh Latin-hypercube sample of the box (a seed the training data did
not use) with the network and the reference: R², MAE and max error in strike units, and the
implied-volatility error in vol points on the liquid region (S/K 0.8–1.2, maturity >= 0.3).

``arbitrage`` prices a strike × maturity grid for many parameter sets and counts, beyond a
tolerance, the violations of: calls non-increasing in strike, convex in strike (second
differences on an even strike grid), non-decreasing in maturity at a fixed strike, and
within ``max(S - K e^{-r tau}, 0) <= C <= S``. Prices are per unit of spot (S = 1). The
network is evaluated in float64 (the function it represents) and in float32 (what it
serves): float32 rounding alone is ~3e-8 of a price, so its second differences can dip
below a 1e-7 tolerance even where the function is exactly convex.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from findeep.evaluate.metrics import regression_metrics
from findeep.pricing.box import INPUT_COLUMNS
from findeep.pricing.estimator import HestonSurrogate
from findeep.pricing.reference import heston_price, implied_volatility
from findeep.pricing.sampling import ProgressHook, price_rows, sample_box

LIQUID = {"moneyness": (0.8, 1.2), "maturity": (0.3, np.inf)}


def accuracy(pricer: HestonSurrogate, *, n: int = 20_000, seed: int = 12345, n_jobs: int = 2,
             progress: ProgressHook | None = None) -> dict[str, Any]:
    """Network against the reference pricer on ``n`` fresh options from the pricer's box."""
    sample = sample_box(pricer.box_, n, seed=seed)
    reference = price_rows(sample, n_jobs=n_jobs, progress=progress)
    network = pricer.price_inputs(sample[list(INPUT_COLUMNS)].to_numpy())
    error = network - reference
    metrics = regression_metrics(reference, network)
    m, tau, r = (sample[c].to_numpy() for c in ("moneyness", "maturity", "rate"))
    liquid = (m >= 0.8) & (m <= 1.2) & (tau >= LIQUID["maturity"][0])
    otm_call = m <= 1.0  # out-of-the-money side: implied vols well conditioned
    to_otm = np.where(otm_call, 0.0, -m + np.exp(-r * tau))  # call -> put by parity
    iv_ref = implied_volatility(reference[liquid] + to_otm[liquid], m[liquid], tau[liquid],
                                r[liquid], call=otm_call[liquid])
    iv_net = implied_volatility(network[liquid] + to_otm[liquid], m[liquid], tau[liquid],
                                r[liquid], call=otm_call[liquid])
    both = np.isfinite(iv_ref) & np.isfinite(iv_net)
    iv_error = np.abs(iv_net[both] - iv_ref[both]) * 100  # vol points
    return {
        "rows": n, "seed": seed, "r2": metrics["r2"], "mae": float(np.mean(np.abs(error))),
        "rmse": float(np.sqrt(np.mean(error**2))), "max_error": float(np.max(np.abs(error))),
        "liquid_rows": int(liquid.sum()), "liquid_rows_with_iv": int(both.sum()),
        "iv_mae_vol_points": float(np.mean(iv_error)) if both.any() else float("nan"),
        "iv_max_vol_points": float(np.max(iv_error)) if both.any() else float("nan"),
    }


def _grid(pricer: HestonSurrogate, n_strikes: int, n_maturities: int,
          ) -> tuple[np.ndarray, np.ndarray]:
    m_lo, m_hi = pricer.box_.ranges["moneyness"]
    t_lo, t_hi = pricer.box_.ranges["maturity"]
    strikes = np.linspace(1.0 / m_hi, 1.0 / m_lo, n_strikes)  # K / S, evenly spaced
    maturities = np.linspace(t_lo, t_hi, n_maturities)
    return strikes, maturities


def grid_prices(price_fn: Any, params: np.ndarray, strikes: np.ndarray,
                maturities: np.ndarray) -> np.ndarray:
    """Call prices per unit spot, (n_sets, n_maturities, n_strikes); ``params`` (n, 6) are
    (rate, rho, kappa, vbar, gamma, v0) rows, ``price_fn`` maps (rows, 8) to C/K."""
    n_sets = params.shape[0]
    tau, k = np.meshgrid(maturities, strikes, indexing="ij")  # (n_tau, n_k)
    cells = tau.size
    x = np.empty((n_sets, cells, 8))
    x[:, :, 0] = 1.0 / k.ravel()
    x[:, :, 1] = tau.ravel()
    x[:, :, 2:] = params[:, None, :]
    per_strike = price_fn(x.reshape(-1, 8)).reshape(n_sets, *tau.shape)
    return per_strike * k  # C/K * K/S = C/S


def count_violations(call: np.ndarray, strikes: np.ndarray, maturities: np.ndarray,
                     rate: np.ndarray, tolerance: float) -> dict[str, int]:
    """Counts of static-arbitrage violations in (n_sets, n_maturities, n_strikes) prices."""
    slope = np.diff(call, axis=2)
    convexity = call[:, :, 2:] - 2 * call[:, :, 1:-1] + call[:, :, :-2]
    calendar = np.diff(call, axis=1)
    tau = maturities[None, :, None]
    lower = np.maximum(1.0 - strikes[None, None, :] * np.exp(-rate[:, None, None] * tau), 0.0)
    return {
        "monotonicity": int((slope > tolerance).sum()),
        "convexity": int((convexity < -tolerance).sum()),
        "calendar": int((calendar < -tolerance).sum()),
        "lower_bound": int((call < lower - tolerance).sum()),
        "upper_bound": int((call > 1.0 + tolerance).sum()),
    }


def arbitrage(pricer: HestonSurrogate, *, n_sets: int = 1000, n_strikes: int = 50,
              n_maturities: int = 50, tolerance: float = 1e-7, seed: int = 54321,
              ) -> dict[str, Any]:
    """Violation counts on an ``n_strikes x n_maturities`` grid for ``n_sets`` parameter sets."""
    columns = ("rate", "rho", "kappa", "vbar", "gamma", "v0")
    params = sample_box(pricer.box_, n_sets, columns=columns, seed=seed).to_numpy()
    strikes, maturities = _grid(pricer, n_strikes, n_maturities)
    network64 = copy.deepcopy(pricer.network_).double().eval()

    def price64(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return torch.cat([network64.price(torch.as_tensor(c))
                              for c in np.array_split(x, max(1, len(x) // 65536))]).numpy()

    result: dict[str, Any] = {"parameter_sets": n_sets, "strikes": n_strikes,
                              "maturities": n_maturities, "tolerance": tolerance}
    checks = {"float64": price64, "float32": pricer.price_inputs}
    for name, fn in checks.items():
        counts = np.zeros(5, dtype=np.int64)
        keys: list[str] = []
        for part in np.array_split(np.arange(n_sets), max(1, n_sets // 100)):
            call = grid_prices(fn, params[part], strikes, maturities)
            found = count_violations(call, strikes, maturities, params[part, 0], tolerance)
            keys = list(found)
            counts += np.array(list(found.values()))
        result[name] = dict(zip(keys, counts.tolist(), strict=True))
    result["checked_cells"] = {
        "monotonicity": n_sets * n_maturities * (n_strikes - 1),
        "convexity": n_sets * n_maturities * (n_strikes - 2),
        "calendar": n_sets * (n_maturities - 1) * n_strikes,
        "bounds": n_sets * n_maturities * n_strikes}
    return result


def reference_arbitrage(n_sets: int = 20, **grid: Any) -> dict[str, int]:
    """The same counts for the reference pricer itself (a sanity check of the check)."""
    from findeep.pricing.box import ParameterBox

    box = ParameterBox.default()
    columns = ("rate", "rho", "kappa", "vbar", "gamma", "v0")
    params = sample_box(box, n_sets, columns=columns, seed=grid.get("seed", 1)).to_numpy()
    strikes = np.linspace(1 / 1.4, 1 / 0.6, grid.get("n_strikes", 50))
    maturities = np.linspace(0.1, 1.4, grid.get("n_maturities", 50))

    def fn(x: np.ndarray) -> np.ndarray:
        return heston_price(x[:, 0], x[:, 1], x[:, 2], rho=x[:, 3], kappa=x[:, 4], vbar=x[:, 5],
                            gamma=x[:, 6], v0=x[:, 7])

    call = grid_prices(fn, params, strikes, maturities)
    return count_violations(call, strikes, maturities, params[:, 0], grid.get("tolerance", 1e-7))
