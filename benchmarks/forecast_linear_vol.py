"""Forecasting, round 4 (issue 13): the volatility tables with the round-4 linear-path default.

Same panels, folds, networks (GRU, TCN) and Diebold-Mariano tests as rounds 3b/3c
(``forecast_garch_input.py``'s runner): S&P 500 walk-forward (refit every 1,000 dates) and
eustocks (fixed split), 1 and 5 days; HAR-RV, GARCH(1,1), GJR-GARCH, each network with the
round-3 default (ridge-started linear path) and with ``linear_path=<choice>``; every row
DM-tested against GJR-GARCH, GARCH(1,1) and HAR-RV, and each new network against the same
network with the ridge start. The choice comes from the round-4 linear-path measurement on
the six panel tasks, never from these test periods.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/forecast_linear_vol.py --linear-path select \\
        --json benchmarks/results/forecast_linear_vol.json
    python benchmarks/forecast_linear_vol.py --linear-path select --render \\
        --json benchmarks/results/forecast_linear_vol.json
"""

from __future__ import annotations

import sys

from forecast_garch_input import Variant, main


def variant(choice: str) -> Variant:
    return Variant(f" + linear_path={choice}", lambda default: {"linear_path": choice},
                   f"linear_path={choice} vs ridge start (DM)",
                   "benchmarks/results/forecast_linear_vol.json")


if __name__ == "__main__":
    choice = "select"
    if "--linear-path" in sys.argv:  # ours; the rest of the arguments go to main's parser
        at = sys.argv.index("--linear-path")
        choice = sys.argv[at + 1]
        del sys.argv[at:at + 2]
    main(variant(choice), __doc__)
