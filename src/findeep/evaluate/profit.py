"""What a cut-off earns: expected loss by score band, the profit curve over cut-offs, the
profit-maximising cut-off, and the expected maximum profit measure (EMP; Verbraken, Bravo,
Weber & Baesens 2014).

A lender approves applicants whose event (default) probability is below a cut-off. An
approved non-defaulter earns ``margin`` x exposure; an approved defaulter loses ``lgd`` x
exposure (loss given default). Declining earns nothing. Exposure and LGD may be a
constant or one value per row.

EMP integrates the best achievable profit over an uncertain LGD: with probability ``p0``
the whole loan is repaid (LGD 0), with probability ``p1`` it is all lost (LGD 1), and in
between LGD is uniform. Profit is per applicant, as a share of the loan amount, measured
against approving everyone (the paper's convention: rejecting a defaulter saves its loss,
rejecting a payer forgoes its return). Both are pinned equal to the reference
implementation in the ``empulse`` package by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from findeep.errors import ConfigError, DataError
from findeep.evaluate.metrics import score_bands

# Verbraken et al. (2014)'s defaults, from their Belgian consumer-loan data
DEFAULT_ROI = 0.2644
DEFAULT_P0 = 0.55  # share of defaulters who repay all (LGD = 0)
DEFAULT_P1 = 0.1  # share of defaulters who repay nothing (LGD = 1)


def _checked(y_event: Any, p_event: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_event).astype(float)
    p = np.asarray(p_event, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise DataError(f"labels and scores must be two columns of one length, however: "
                        f"{y.shape} and {p.shape}.")
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise DataError("labels must be 1 (event, e.g. default) or 0.")
    if not np.isfinite(p).all():
        raise DataError("scores must be finite numbers.")
    return y, p


def percentage_hint(top: float) -> str:
    """What a share above 1 most likely was: a percentage (45 for 45%); '' past 100."""
    return f" (a share, not a percentage: {top / 100:g} for {top:g}%)" if top <= 100 else ""


def _per_row(value: float | np.ndarray, n: int, name: str, *, upper: float | None) -> np.ndarray:
    values = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    if not np.isfinite(values).all() or (values < 0).any():
        raise DataError(f"{name} must be finite and >= 0.")
    if upper is not None and (values > upper).any():
        hint = percentage_hint(float(values.max())) if upper == 1.0 else ""
        raise DataError(f"{name} must be at most {upper:g}, however it reaches "
                        f"{values.max():g}{hint}.")
    return values


@dataclass(frozen=True)
class ProfitCurve:
    """Total profit of approving every row with score below each cut-off."""

    cutoffs: np.ndarray  # approve score < cutoff; ascending, the last approves everyone
    profit: np.ndarray
    approval_rate: np.ndarray
    best_cutoff: float
    best_profit: float
    best_approval_rate: float

    def to_dict(self, points: int = 101) -> dict[str, Any]:
        keep = np.unique(np.linspace(0, len(self.cutoffs) - 1, points).round().astype(int))
        return {"best_cutoff": self.best_cutoff, "best_profit": self.best_profit,
                "best_approval_rate": self.best_approval_rate,
                "curve": [{"cutoff": float(self.cutoffs[i]), "profit": float(self.profit[i]),
                           "approval_rate": float(self.approval_rate[i])} for i in keep]}


def profit_curve(y_event: Any, p_event: Any, *, margin: float | np.ndarray,
                 lgd: float | np.ndarray, exposure: float | np.ndarray = 1.0) -> ProfitCurve:
    """Profit of every cut-off on labelled rows: approved payers earn margin x exposure,
    approved defaulters lose lgd x exposure. Rows tied on score are approved together."""
    y, p = _checked(y_event, p_event)
    n = len(y)
    gain = np.where(y == 1, -_per_row(lgd, n, "lgd", upper=1.0),
                    _per_row(margin, n, "margin", upper=None)) * _per_row(
        exposure, n, "exposure", upper=None)
    order = np.argsort(p, kind="stable")
    scores = p[order]
    ends = np.r_[np.flatnonzero(scores[1:] != scores[:-1]), n - 1]  # last row of each tie
    cumulative = np.cumsum(gain[order])[ends]
    # cut-off k approves every row scored below the next distinct score
    cutoffs = np.r_[scores[0], np.r_[scores[ends[1:]], np.inf][:len(ends)]]
    profit = np.r_[0.0, cumulative]
    approval = np.r_[0, ends + 1] / n
    # cut-offs that earn the same: the one that approves the most (declining applicants for
    # no gain is no policy; with nothing to gain anywhere, everyone is approved)
    best = len(profit) - 1 - int(np.argmax(profit[::-1]))
    return ProfitCurve(cutoffs, profit, approval, float(cutoffs[best]), float(profit[best]),
                       float(approval[best]))


HELD_OUT_FOLDS = 5


def held_out_profit(y_event: Any, p_event: Any, *, margin: float | np.ndarray,
                    lgd: float | np.ndarray, exposure: float | np.ndarray = 1.0,
                    n_folds: int = HELD_OUT_FOLDS, seed: int = 0) -> float | None:
    """What choosing the cut-off earns on rows it was not chosen on: the rows cut into
    ``n_folds`` stratified folds, each fold's rows approved below the best cut-off of the
    other folds' rows, their profit summed. The best cut-off's own profit is chosen and
    counted on the same rows, so it flatters (an audit: 0.0355 a row reported, 0.0314 on
    fresh applicants); this is the honest estimate beside it. None when a fold would hold
    no defaulter or no payer."""
    y, p = _checked(y_event, p_event)
    n = len(y)
    if min(int(y.sum()), int(n - y.sum())) < n_folds:
        return None
    values = [_per_row(v, n, name, upper=upper) for v, name, upper in (
        (margin, "margin", None), (lgd, "lgd", 1.0), (exposure, "exposure", None))]
    gain = np.where(y == 1, -values[1], values[0]) * values[2]
    from sklearn.model_selection import StratifiedKFold

    total = 0.0
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(p, y)
    for chosen_on, scored in folds:
        curve = profit_curve(y[chosen_on], p[chosen_on], margin=values[0][chosen_on],
                             lgd=values[1][chosen_on], exposure=values[2][chosen_on])
        total += float(gain[scored][p[scored] < curve.best_cutoff].sum())
    return total


def expected_loss_by_band(p_event: Any, *, lgd: float | np.ndarray,
                          exposure: float | np.ndarray = 1.0,
                          n_bands: int = 10) -> list[dict[str, float]]:
    """Expected loss (PD x LGD x exposure) by score band, riskiest band first: the gains
    table's bands (``score_bands``: near-equal size, tied scores always in one band)."""
    p = np.asarray(p_event, dtype=float)
    n = len(p)
    el = p * _per_row(lgd, n, "lgd", upper=1.0) * _per_row(exposure, n, "exposure", upper=None)
    exposure_rows = _per_row(exposure, n, "exposure", upper=None)
    rows = []
    for band, members in enumerate(score_bands(p, n_bands), start=1):
        rows.append({"band": band, "score_min": float(p[members].min()),
                     "rows": len(members), "exposure": float(exposure_rows[members].sum()),
                     "expected_loss": float(el[members].sum()),
                     "expected_loss_rate": float(el[members].sum()
                                                 / max(exposure_rows[members].sum(), 1e-12))})
    return rows


def _roc_hull(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper convex hull of the ROC curve with defaulters as positives, ranked by score:
    (share of non-defaulters rejected, share of defaulters rejected, cut-off score)."""
    order = np.argsort(-p, kind="stable")
    scores, labels = p[order], y[order]
    ends = np.r_[np.flatnonzero(scores[1:] != scores[:-1]), len(p) - 1]
    events = np.r_[0.0, np.cumsum(labels)[ends]] / labels.sum()
    others = np.r_[0.0, np.cumsum(1 - labels)[ends]] / (1 - labels).sum()
    cut = np.r_[np.inf, scores[ends]]  # reject score >= cut
    hull = [0]
    for i in range(1, len(events)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = ((others[b] - others[a]) * (events[i] - events[a])
                     - (events[b] - events[a]) * (others[i] - others[a]))
            if cross >= 0:  # b lies on or below the chord a -> i
                hull.pop()
            else:
                break
        hull.append(i)
    index = np.asarray(hull)
    return others[index], events[index], cut[index]


@dataclass(frozen=True)
class ExpectedMaximumProfit:
    """EMP and where it is earned: the expected share of applicants to reject."""

    emp: float
    rejection_rate: float


def expected_maximum_profit(y_event: Any, p_event: Any, *, roi: float = DEFAULT_ROI,
                            p0: float = DEFAULT_P0, p1: float = DEFAULT_P1
                            ) -> ExpectedMaximumProfit:
    """EMP for credit scoring (Verbraken et al. 2014): the expected, over LGD, of the best
    profit per applicant any cut-off of ``p_event`` achieves. ``roi``: return on a repaid
    loan; ``p0`` / ``p1``: probability that a default loses nothing / everything."""
    y, p = _checked(y_event, p_event)
    if not (p0 >= 0 and p1 >= 0 and p0 + p1 <= 1):
        raise ConfigError(f"p0 and p1 must be probabilities summing to at most 1, however: "
                          f"{p0=}, {p1=}")
    if not roi > 0:
        raise ConfigError(f"roi must be > 0, however: {roi=}")
    if y.min() == y.max():
        raise DataError("EMP needs labelled rows of both classes.")
    pi0 = y.mean()  # defaulters
    pi1 = 1 - pi0
    x, yy, _ = _roc_hull(y, p)  # x: payers rejected, yy: defaulters rejected
    # vertex i is optimal for lgd in [lam[i-1], lam[i]]: moving to i+1 pays when
    # lgd * pi0 * slope_i > roi * pi1
    slopes = np.diff(yy) / np.maximum(np.diff(x), 1e-300)
    with np.errstate(divide="ignore"):
        lam = np.where(slopes > 0, roi * pi1 / (pi0 * np.maximum(slopes, 1e-300)), np.inf)
    lower = np.clip(np.r_[0.0, lam], 0.0, 1.0)
    upper = np.clip(np.r_[lam, np.inf], 0.0, 1.0)
    density = 1.0 - p0 - p1
    uniform = density * (pi0 * yy * (upper**2 - lower**2) / 2 - roi * pi1 * x * (upper - lower))
    at_one = pi0 * yy - roi * pi1 * x
    best_at_one = int(np.argmax(at_one))
    emp = float(uniform.sum() + p1 * at_one[best_at_one])
    rejected = pi0 * yy + pi1 * x
    rejection = float(density * (rejected * (upper - lower)).sum() + p1 * rejected[best_at_one])
    return ExpectedMaximumProfit(emp, rejection)
