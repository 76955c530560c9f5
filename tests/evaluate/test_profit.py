"""Cut-off economics: expected loss, profit curve, EMP — pinned to empulse's reference
implementation (its metric functions only; none of its data sets is loaded)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from findeep.errors import ConfigError, DataError
from findeep.evaluate.profit import (
    expected_loss_by_band,
    expected_maximum_profit,
    profit_curve,
)

empulse_metrics = pytest.importorskip("empulse.metrics")


def scores(n: int, seed: int, decimals: int | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    p = np.round(p, decimals) if decimals is not None else p
    return (rng.random(n) < p * 0.6).astype(int), p


@pytest.mark.parametrize("decimals", [None, 2])
@pytest.mark.parametrize("roi, p0, p1", [(0.2644, 0.55, 0.1), (0.1, 0.3, 0.3)])
def test_emp_equals_empulse(decimals, roi, p0, p1) -> None:
    """EMP and its expected rejection rate equal empulse's empcs_score to 1e-6, ties or not."""
    y, p = scores(4_000, 1, decimals)
    found = expected_maximum_profit(y, p, roi=roi, p0=p0, p1=p1)
    reference = empulse_metrics.empcs_score(y, p, roi=roi, success_rate=p0, default_rate=p1)
    rate = empulse_metrics.empcs_score.optimal_rate(y, p, roi=roi, success_rate=p0,
                                                    default_rate=p1)
    assert found.emp == pytest.approx(reference, abs=1e-6)
    assert found.rejection_rate == pytest.approx(rate, abs=1e-6)


@pytest.mark.parametrize("decimals", [None, 2])
def test_profit_optimal_cutoff_equals_empulse(decimals) -> None:
    """At a known LGD the best cut-off, its gain over approving everyone and its rejection
    rate equal empulse's mpcs_score, optimal_threshold and optimal_rate."""
    y, p = scores(3_000, 2, decimals)
    curve = profit_curve(y, p, margin=0.2644, lgd=0.6)
    gain = (curve.best_profit - curve.profit[-1]) / len(y)
    assert gain == pytest.approx(empulse_metrics.mpcs_score(y, p, loan_lost_rate=0.6),
                                 abs=1e-6)
    assert curve.best_cutoff == pytest.approx(
        empulse_metrics.mpcs_score.optimal_threshold(y, p, loan_lost_rate=0.6), abs=1e-6)
    assert 1 - curve.best_approval_rate == pytest.approx(
        empulse_metrics.mpcs_score.optimal_rate(y, p, loan_lost_rate=0.6), abs=1e-6)


def test_profit_curve_prices_each_row_with_its_own_exposure() -> None:
    """Approving a payer earns margin x its exposure, a defaulter loses lgd x its exposure."""
    y = np.array([0, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.3, 0.9])
    curve = profit_curve(y, p, margin=0.1, lgd=np.array([0.5, 0.5, 0.5, 1.0]),
                         exposure=np.array([100.0, 200.0, 300.0, 400.0]))
    assert curve.profit.tolist() == pytest.approx([0, 10, -90, -60, -460])
    assert curve.best_profit == pytest.approx(10) and curve.best_approval_rate == 0.25
    assert curve.best_cutoff == pytest.approx(0.2)  # decline 0.2 and above


def test_expected_loss_is_pd_times_lgd_times_exposure_by_band() -> None:
    p = np.array([0.5, 0.1, 0.2, 0.4])
    bands = expected_loss_by_band(p, lgd=0.5, exposure=np.array([10.0, 20.0, 30.0, 40.0]),
                                  n_bands=2)
    assert [b["expected_loss"] for b in bands] == pytest.approx([0.5 * 0.5 * 10 + 0.4 * 0.5 * 40,
                                                                0.2 * 0.5 * 30 + 0.1 * 0.5 * 20])
    assert bands[0]["score_min"] == pytest.approx(0.4)


def test_bad_inputs_are_named() -> None:
    y, p = scores(100, 3, None)
    with pytest.raises(DataError, match="lgd must be at most 1"):
        profit_curve(y, p, margin=0.1, lgd=1.5)
    with pytest.raises(ConfigError, match="p0 and p1"):
        expected_maximum_profit(y, p, p0=0.8, p1=0.3)
    with pytest.raises(DataError, match="both classes"):
        expected_maximum_profit(np.zeros(10), np.linspace(0, 1, 10))


def test_a_percentage_where_a_share_is_due_gets_the_share_named() -> None:
    from findeep.evaluate.profit import _per_row

    with pytest.raises(DataError, match=r"not a percentage: 0.45 for 45%"):
        _per_row(45.0, 3, "lgd", upper=1.0)


def test_expected_loss_bands_are_the_gains_tables_bands_when_scores_tie() -> None:
    """Tied scores share a band in both tables, whatever the row order: the expected-loss
    bands used to split ties by position while the gains table keeps them together."""
    from findeep.evaluate.metrics import gains_table

    p = np.repeat([0.9, 0.5, 0.2], [30, 50, 20])
    y = (np.arange(100) % 3 == 0).astype(int)
    for order in (np.arange(100), np.arange(100)[::-1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gains = gains_table(y[order], p[order], n_bands=10)
        loss = expected_loss_by_band(p[order], lgd=0.5, n_bands=10)
        assert [b["rows"] for b in loss] == [b["rows"] for b in gains] == [30, 50, 20]


def test_the_held_out_profit_is_what_the_chosen_cut_off_earns_on_new_applicants() -> None:
    """The best cut-off's profit is chosen and counted on the same 500 rows: it flatters.
    The held-out estimate (chosen on 4/5, scored on 1/5) is, on average over many draws,
    far closer to what that choice earns on 20,000 fresh applicants."""
    from findeep.evaluate.profit import held_out_profit, profit_curve

    rng = np.random.default_rng(0)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        score = rng.normal(size=n)
        p = 1 / (1 + np.exp(-(score * 1.2 - 1.8)))
        return (rng.random(n) < p).astype(int), p

    fresh_y, fresh_p = draw(20_000)
    fresh_gain = np.where(fresh_y == 1, -0.45, 0.2644)
    in_sample, held_out, fresh = [], [], []
    for _ in range(60):
        y, p = draw(500)
        curve = profit_curve(y, p, margin=0.2644, lgd=0.45)
        in_sample.append(curve.best_profit / 500)
        held_out.append(held_out_profit(y, p, margin=0.2644, lgd=0.45) / 500)
        fresh.append(fresh_gain[fresh_p < curve.best_cutoff].sum() / 20_000)
    optimism = np.mean(in_sample) - np.mean(fresh)
    assert optimism > 0.002  # the in-sample figure flatters
    assert abs(np.mean(held_out) - np.mean(fresh)) < optimism / 2
    assert held_out_profit([0, 0, 0, 1], [0.1, 0.2, 0.3, 0.9], margin=0.2, lgd=0.5) is None
