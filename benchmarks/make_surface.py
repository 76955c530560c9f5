"""A small Heston quote surface with known parameters, for `findeep pricing calibrate`.

    python benchmarks/make_surface.py surface.csv   # 7 moneyness x 3 maturities = 21 options

The twenty-fifth session's timing used a 21-option surface that was not kept; this writes one
of the same size from the reference pricer (parameters inside the trained box, printed so the
calibration's recovery can be checked against them).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from findeep.pricing.calibration import synthetic_surface

PARAMETERS = {"rho": -0.6, "kappa": 1.5, "vbar": 0.06, "gamma": 0.4, "v0": 0.1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    out = parser.parse_args().out
    if out.exists():
        raise SystemExit(f"{out} already exists")
    surface = synthetic_surface(PARAMETERS, moneyness=tuple(np.linspace(0.85, 1.15, 7)),
                                maturities=(0.25, 0.5, 1.0))
    surface.to_csv(out, index=False)
    print(f"{len(surface)} options written to {out}; true parameters {PARAMETERS}")


if __name__ == "__main__":
    main()
