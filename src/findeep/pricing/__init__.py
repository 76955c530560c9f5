"""Product pricing: surrogate networks that learn a slow option pricer once, then price and
calibrate thousands of times faster, without static arbitrage in strike by construction.

The path a user follows::

    reference.py    Black–Scholes–Merton, Heston by the COS method, implied volatility
    box.py          the parameter box (default: Liu, Oosterlee & Bohte 2019) and per-row checks
    sampling.py     Latin-hypercube / Sobol designs priced in parallel chunks, Parquet metadata
    networks.py     MixturePriceNet (a price by construction), SurfaceNet (implied-vol grids)
    estimator.py    ``HestonSurrogate``: fit with findeep's trainer, price, flag rows off the box
    calibration.py  Heston least squares with the network's autograd Jacobian, or the reference
    checks.py       accuracy on a fresh sample, static-arbitrage counts on a grid
    bundle.py       save/load through findeep's bundle format
    onnx.py         ONNX export with a parity check
    jobs.py         the commands as library calls
    commands.py     ``findeep pricing generate|train|price|calibrate|check``
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from findeep.pricing.box import ParameterBox
    from findeep.pricing.bundle import load_pricer, save_pricer
    from findeep.pricing.calibration import calibrate
    from findeep.pricing.estimator import HestonSurrogate
    from findeep.pricing.reference import bsm_price, heston_price, implied_volatility

# imported on first use, so `findeep pricing --help` does not load torch
_LAZY = {"ParameterBox": "findeep.pricing.box", "load_pricer": "findeep.pricing.bundle",
         "save_pricer": "findeep.pricing.bundle", "calibrate": "findeep.pricing.calibration",
         "HestonSurrogate": "findeep.pricing.estimator", "bsm_price": "findeep.pricing.reference",
         "heston_price": "findeep.pricing.reference",
         "implied_volatility": "findeep.pricing.reference"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'findeep.pricing' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value

__all__ = [
    "HestonSurrogate",
    "ParameterBox",
    "bsm_price",
    "calibrate",
    "heston_price",
    "implied_volatility",
    "load_pricer",
    "save_pricer",
]
