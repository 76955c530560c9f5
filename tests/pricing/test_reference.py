"""The reference pricers: agreement with QuantLib, parity, implied-vol round trips."""

from __future__ import annotations

import numpy as np
import pytest
import QuantLib as ql  # the dev extra installs it

from findeep.pricing.reference import bsm_price, heston_price, implied_volatility


def quantlib_heston(m, tau_days, r, kappa, vbar, gamma, rho, v0, call=True):
    today = ql.Date(1, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    rates = ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc))
    dividends = ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc))
    process = ql.HestonProcess(rates, dividends, ql.QuoteHandle(ql.SimpleQuote(m)), v0, kappa,
                               vbar, gamma, rho)
    engine = ql.AnalyticHestonEngine(ql.HestonModel(process), 1e-12, 1_000_000)
    option = ql.VanillaOption(
        ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, 1.0),
        ql.EuropeanExercise(today + tau_days))
    option.setPricingEngine(engine)
    return option.NPV()


def test_heston_cos_matches_quantlib_to_1e8_of_strike_over_the_default_box():
    """Random options from Liu et al.'s box (Feller violated or not) agree with QuantLib's
    AnalyticHestonEngine to 1e-8 of strike, calls and puts."""
    rng = np.random.default_rng(7)
    worst, checked = 0.0, 0
    for i in range(60):
        m, r = rng.uniform(0.6, 1.4), rng.uniform(0, 0.1)
        days = int(rng.integers(37, 511))  # 0.1 to 1.4 years on QuantLib's day count
        kappa, vbar, gamma = rng.uniform(0.01, 2), rng.uniform(0.01, 0.5), rng.uniform(0.01, 0.5)
        rho, v0 = rng.uniform(-0.95, 0), rng.uniform(0.05, 0.5)
        call = i % 2 == 0
        try:
            expected = quantlib_heston(m, days, r, kappa, vbar, gamma, rho, v0, call)
        except RuntimeError:  # QuantLib's adaptive integration gives up on a few points
            continue
        got = heston_price(m, days / 365, r, kappa=kappa, vbar=vbar, gamma=gamma, rho=rho,
                           v0=v0, call=call)
        worst = max(worst, abs(float(got) - expected))
        checked += 1
    assert checked >= 50
    assert worst < 1e-8


def test_heston_with_tiny_vol_of_vol_is_black_scholes_with_its_mean_variance():
    """gamma -> 0 makes variance deterministic: the price is Black–Scholes at the average
    variance, and the stable characteristic function gets there without cancellation."""
    tau, kappa, vbar, v0 = 0.8, 1.3, 0.04, 0.09
    mean_var = vbar + (v0 - vbar) * (1 - np.exp(-kappa * tau)) / (kappa * tau)
    m = np.linspace(0.7, 1.3, 7)
    got = heston_price(m, tau, 0.03, kappa=kappa, vbar=vbar, gamma=1e-7, rho=-0.5, v0=v0)
    np.testing.assert_allclose(got, bsm_price(m, tau, 0.03, np.sqrt(mean_var)), atol=1e-9)


def test_bsm_known_value_and_put_call_parity_with_dividends():
    """Hull's textbook example (S=42, K=40, r=10%, sigma=20%, T=0.5): call 4.76; and
    C - P = S e^{-qT} - K e^{-rT} with a dividend yield."""
    assert bsm_price(42 / 40, 0.5, 0.1, 0.2) * 40 == pytest.approx(4.7594, abs=1e-4)
    m, tau, r, q, sigma = 1.1, 0.7, 0.05, 0.02, 0.3
    call = bsm_price(m, tau, r, sigma, dividend=q)
    put = bsm_price(m, tau, r, sigma, dividend=q, call=False)
    assert call - put == pytest.approx(m * np.exp(-q * tau) - np.exp(-r * tau), abs=1e-14)


def test_implied_volatility_round_trips_over_a_wide_range():
    """Prices made at known vols (1% to 300%, deep in and out of the money) come back to
    their vol; prices outside the no-arbitrage bounds give NaN, not a number."""
    rng = np.random.default_rng(0)
    n = 5000
    m, tau = rng.uniform(0.5, 2.0, n), rng.uniform(0.02, 3.0, n)
    r, q = rng.uniform(0, 0.1, n), rng.uniform(0, 0.05, n)
    sigma = np.exp(rng.uniform(np.log(0.01), np.log(3.0), n))
    call = rng.random(n) < 0.5
    price = bsm_price(m, tau, r, sigma, dividend=q, call=call)
    otm = bsm_price(m, tau, r, sigma, dividend=q, call=m * np.exp(-q * tau) <= np.exp(-r * tau))
    vega_ok = otm > 1e-10  # below this a price carries no information about its vol
    found = implied_volatility(price, m, tau, r, dividend=q, call=call)
    np.testing.assert_allclose(found[vega_ok], sigma[vega_ok], rtol=1e-6)
    bad = implied_volatility([-0.1, 2.0], [1.0, 1.0], [1.0, 1.0], [0.0, 0.0])
    assert np.isnan(bad).all()
