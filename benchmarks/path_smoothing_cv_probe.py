"""Issue 12, thirty-sixth session: the additive path's smoothing chosen by 5-fold
cross-validation of the path alone on all the training rows, on all 22 tables.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/path_smoothing_cv_probe.py        # ~6 min
    python benchmarks/path_smoothing_cv_probe.py --report-only

Why: on the linear 1,000-row table of ``linear_table_check.py`` the path's bends (bin fills at
0.3 of their size) cost 0.0054 AUC against an almost linear path (0.01); the thirty-second
session let the out-of-fold rows of `default`'s network (one network: its ~20% early-stopping
rows) choose the smoothing together with the share, and that choice was too noisy (−0.0004 a
table, credit_cards −0.0068). The path is a closed-form logistic regression, so its smoothing
can be chosen on every training row instead: 5 stratified folds of the path alone, for each of
0.3 (today's), 0.1, 0.03 and 0.01, the one with the lowest out-of-fold log-loss (ties: the
earlier, smoother-in-bends first listed); the share is then chosen as today, on the network's
out-of-fold rows, with that path. Fitted with `fit_tabular(model="default", seed=0)` on the
reference's folds (``results/blend_budget_probe.json``); where the path is skipped (a basis too
wide for the closed form) nothing changes.

The rule, declared before the run (the thirtieth session's): adopted only if (1) the mean
per-table paired Δ AUC over the 22 real tables is above zero, (2) no table's mean Δ is below
minus the reference's fold std there, and (3) the network's fit seconds over the 22 tables are
within 1.10x the reference's.
"""

from __future__ import annotations

import numpy as np
import torch
from probe_rule import HERE, labelled_report, measure_variant, probe_command_line, unchanged
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

import findeep.pipeline as pipeline_module
from findeep.models import additive

STORE = HERE / "results" / "path_smoothing_cv_probe.json"
REPORT = HERE / "results" / "path_smoothing_cv_probe.md"
CANDIDATES = (0.3, 0.1, 0.03, 0.01)
CV_FOLDS = 5
CHOSEN: list[float] = []  # the smoothing each fit chose, in order
_ORIGINAL = pipeline_module.fit_additive_path


def smoothing_by_cross_validation(cardinalities: list[int], x_num: np.ndarray,
                                  x_cat: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                                  x_raw: np.ndarray) -> float:
    splitter = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=0)
    losses = {}
    for scale in CANDIDATES:
        out_of_fold = np.zeros(len(y))
        for fit_rows, held in splitter.split(x_num, y):
            path = additive.AdditivePath(
                n_num=x_num.shape[1], cardinalities=cardinalities, x_num_train=x_num[fit_rows],
                x_raw_train=x_raw[fit_rows], bin_scale=scale).fit(
                    x_num[fit_rows], x_cat[fit_rows], y[fit_rows],
                    None if weights is None else weights[fit_rows])
            with torch.no_grad():
                out_of_fold[held] = path(torch.as_tensor(x_num[held]),
                                         torch.as_tensor(x_cat[held])).numpy()
        losses[scale] = log_loss(y, 1.0 / (1.0 + np.exp(-out_of_fold)), sample_weight=weights)
    best = min(losses.values())
    return next(scale for scale in CANDIDATES if losses[scale] <= best + 1e-12)


def fit_additive_path_cv(bag, folds, x_num, x_cat, y_codes, weights, *, x_raw):
    cardinalities = list(bag.network.config["cardinalities"])
    if additive.basis_width(x_num.shape[1], cardinalities) > additive.MAX_BASIS_COLUMNS:
        return _ORIGINAL(bag, folds, x_num, x_cat, y_codes, weights, x_raw=x_raw)
    scale = smoothing_by_cross_validation(cardinalities, x_num, x_cat, y_codes, weights, x_raw)
    CHOSEN.append(scale)
    smoothings, additive.SMOOTHINGS = additive.SMOOTHINGS, (scale,)
    try:
        return _ORIGINAL(bag, folds, x_num, x_cat, y_codes, weights, x_raw=x_raw)
    finally:
        additive.SMOOTHINGS = smoothings


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    CHOSEN.clear()
    pipeline_module.fit_additive_path = fit_additive_path_cv
    try:
        record = measure_variant(name, frame, target, n_folds,
                                 prepare=lambda _x, _y: (1, unchanged))
    finally:
        pipeline_module.fit_additive_path = _ORIGINAL
    record["smoothings_chosen"] = list(CHOSEN)
    return record


RULE_REPORT = labelled_report(count_label="cv on", variant_label="smoothing by cv",
                              fit_label="smoothing by cv")


def report(records: list[dict], reference: dict[str, dict]) -> str:
    chosen = [s for r in records for s in r.get("smoothings_chosen", [])]
    counts = ", ".join(f"{s}: {chosen.count(s)}" for s in CANDIDATES)
    return (RULE_REPORT(records, reference)
            + f"\nSmoothing chosen over the fits where the path was considered: {counts}.\n")


def main() -> None:
    probe_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
