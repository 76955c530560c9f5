"""Forecasting, round 3c (issue 13): the network that contains GJR-GARCH.

``vol_base='gjr'``: the network predicts log variance as log(GJR-GARCH forecast) + a
learned correction (linear path and output layer start at zero), so an untrained network
is exactly the GJR-GARCH(1,1,1) forecast (parameters fitted on each fit's training
returns before its validation block, filtered forward causally) and early stopping scores
that start. Same panels, folds and networks as round 3b (``forecast_garch_input.py``):
S&P 500 walk-forward (refit every 1,000 dates) and eustocks (fixed split), 1 and 5 days;
HAR-RV, GARCH(1,1), GJR-GARCH, GRU and TCN on the default inputs and ``+ gjr base``;
Diebold-Mariano tests of every row against GJR-GARCH, GARCH(1,1) and HAR-RV, and of each
``+ gjr base`` network against the same network without it. The networks and their
settings were fixed before the run (round 3b's); nothing is chosen on the test period.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/forecast_gjr_base.py \\
        --json benchmarks/results/forecast_gjr_base.json
    python benchmarks/forecast_gjr_base.py --render \\
        --json benchmarks/results/forecast_gjr_base.json
"""

from __future__ import annotations

from forecast_garch_input import Variant, main

GJR_BASE = Variant(" + gjr base", lambda default: {"vol_base": "gjr"},
                   "+ gjr base vs same network (DM)", "benchmarks/results/forecast_gjr_base.json")

if __name__ == "__main__":
    main(GJR_BASE, __doc__)
