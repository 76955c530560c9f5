"""The reference pricers: agreement with QuantLib, parity, implied-vol round trips."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql  # the dev extra installs it

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError
from findeep.pricing.box import ParameterBox
from findeep.pricing.reference import bsm_price, heston_price, implied_volatility
from findeep.pricing.sampling import sample_box


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


def test_heston_at_kappa_zero_is_quantlibs_small_kappa_limit_for_calls_and_puts():
    """kappa = 0 is the edge of the default box: priced as QuantLib prices kappa = 1e-8
    (to 1e-9 of strike), calls and puts, in one vectorised call, never NaN."""
    rng = np.random.default_rng(3)
    cases = [(1.0, 365, 0.02, 0.04, 0.3, -0.5, 0.09)]  # the reported case: QuantLib 0.1224332
    for _ in range(9):
        v0 = rng.uniform(0.05, 0.3)
        cases.append((rng.uniform(0.7, 1.3), int(rng.integers(37, 511)), rng.uniform(0, 0.1),
                      v0 + rng.uniform(-0.04, 0.04), rng.uniform(0.05, 0.5),
                      rng.uniform(-0.95, 0), v0))
    m, days, r, vbar, gamma, rho, v0 = (np.array(c) for c in zip(*cases, strict=True))
    call = np.arange(len(cases)) % 2 == 0
    got = heston_price(m, days / 365, r, kappa=0.0, vbar=vbar, gamma=gamma, rho=rho, v0=v0,
                       call=call)
    expected = [quantlib_heston(*c[:3], 1e-8, *c[3:], call=bool(is_call))
                for c, is_call in zip(cases, call, strict=True)]
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    assert float(got[0]) == pytest.approx(0.1224332, abs=1e-7)


def test_heston_without_moving_variance_is_black_scholes_at_the_mean_variance():
    """kappa -> 0 and gamma = 0 together (a corner of the box): the variance path is
    deterministic, so the price is Black–Scholes at its mean; before the series form this
    was NaN at kappa = 0 and wrong by 1e-4 of strike at kappa = 1e-10."""
    m = np.array([0.6, 0.8, 1.0, 1.2, 1.4])
    tau, r, vbar, v0 = 1.3, 0.04, 0.5, 0.05
    for kappa in (0.0, 1e-14, 1e-10):
        for gamma in (0.0, 1e-12):
            mean_var = v0 if kappa == 0 else vbar + (v0 - vbar) * -np.expm1(-kappa * tau) / (
                kappa * tau)
            for call in (True, False):
                got = heston_price(m, tau, r, kappa=kappa, vbar=vbar, gamma=gamma, rho=-0.7,
                                   v0=v0, call=call)
                np.testing.assert_allclose(
                    got, bsm_price(m, tau, r, np.sqrt(mean_var), call=call), rtol=0, atol=1e-10,
                    err_msg=f"{kappa=} {gamma=} {call=}")


def test_heston_at_zero_maturity_is_the_intrinsic_value():
    """A zero maturity is the payoff itself, calls and puts, at and away from the money."""
    m = np.array([0.6, 0.999, 1.0, 1.001, 1.4])
    params = {"kappa": 1.0, "vbar": 0.04, "gamma": 0.3, "rho": -0.5, "v0": 0.09}
    np.testing.assert_array_equal(heston_price(m, 0.0, 0.05, **params), np.maximum(m - 1, 0))
    np.testing.assert_array_equal(heston_price(m, 0.0, 0.05, call=False, **params),
                                  np.maximum(1 - m, 0))


def test_heston_at_very_short_maturities_is_black_scholes_at_the_spot_variance():
    """Over a few seconds to minutes the variance cannot move: the price is Black–Scholes at
    sqrt(v0) to 1e-11 of strike (the COS range no longer widens to 1e-3 around a density a
    few 1e-7 wide, which made the 1e-12-year at-the-money call 3.4 times too dear)."""
    m = np.array([0.999, 1.0, 1.001])
    for tau in (1e-8, 1e-10, 1e-12):
        for call in (True, False):
            got = heston_price(m, tau, 0.02, kappa=1.0, vbar=0.04, gamma=0.3, rho=-0.5,
                               v0=0.09, call=call)
            np.testing.assert_allclose(got, bsm_price(m, tau, 0.02, 0.3, call=call), rtol=0,
                                       atol=1e-11, err_msg=f"{tau=} {call=}")


def test_heston_at_correlation_plus_or_minus_one_is_finite_and_keeps_parity():
    """|rho| = 1 lies outside the default box but inside the model: a finite price, and
    put–call parity holds."""
    for rho in (-1.0, 1.0):
        for kappa in (0.0, 1.0):
            call = heston_price(1.1, 0.5, 0.03, kappa=kappa, vbar=0.04, gamma=0.3, rho=rho,
                                v0=0.09)
            put = heston_price(1.1, 0.5, 0.03, kappa=kappa, vbar=0.04, gamma=0.3, rho=rho,
                               v0=0.09, call=False)
            assert np.isfinite(call) and np.isfinite(put)
            assert float(call - put) == pytest.approx(1.1 - np.exp(-0.03 * 0.5), abs=1e-12)


def test_heston_refuses_parameters_outside_the_model_in_one_error():
    """A negative variance, kappa or vol of vol, |rho| > 1, a negative maturity or a moneyness
    that is not positive is a ConfigError naming each, not a silent NaN or number."""
    good = {"kappa": 1.0, "vbar": 0.04, "gamma": 0.3, "rho": -0.5, "v0": 0.09}
    for name, value in [("kappa", -0.5), ("vbar", -0.01), ("gamma", -0.3), ("rho", 1.5),
                        ("rho", -1.01), ("v0", -0.01), ("kappa", np.inf)]:
        with pytest.raises(ConfigError, match=rf"{name} must .*however: {name}="):
            heston_price(1.0, 1.0, 0.02, **{**good, name: value})
    with pytest.raises(ConfigError, match=r"maturity must be finite and >= 0 .*=-1.0 \(in 1 of"):
        heston_price(1.0, [1.0, -1.0], 0.02, **good)
    with pytest.raises(ConfigError, match=r"moneyness must .*> 0.*\(in 2 of 3 options\).*v0 must"):
        heston_price([0.0, -1.0, 1.0], 1.0, 0.02, **{**good, "v0": -0.2})
    assert np.isnan(heston_price(np.nan, 1.0, 0.02, **good))  # NaN in, NaN out


def test_bsm_at_the_money_at_expiry_or_zero_volatility_is_zero_not_nan():
    """The intrinsic-value limit includes the money itself: F = D gives 0, not 0/0."""
    assert bsm_price(1.0, 0.0, 0.02, 0.3) == 0.0
    assert bsm_price(1.0, 0.0, 0.02, 0.3, call=False) == 0.0
    np.testing.assert_allclose(bsm_price([0.9, 1.0, 1.1], 1.0, 0.0, 0.0), [0.0, 0.0, 0.1],
                               rtol=0, atol=1e-15)


def test_bsm_refuses_a_negative_volatility_maturity_or_moneyness_as_heston_does():
    """A vol of -0.2 priced as 0.0, or a negative maturity as NaN, would be silently wrong:
    each is a ConfigError naming the input."""
    for args, name in [((1.0, 1.0, 0.0, -0.2), "volatility"), ((1.0, -1.0, 0.0, 0.2), "maturity"),
                       ((-1.0, 1.0, 0.0, 0.2), "moneyness"), ((0.0, 1.0, 0.0, 0.2), "moneyness"),
                       ((1.0, 1.0, 0.0, np.inf), "volatility")]:
        with pytest.raises(ConfigError, match=rf"bsm_price: {name} must .*however: {name}="):
            bsm_price(*args)
    assert np.isnan(bsm_price(1.0, 1.0, 0.0, np.nan))  # NaN in, NaN out


def test_text_or_mismatched_shapes_are_a_config_error_naming_the_argument():
    """heston_price('a', ...) and bsm_price with a word for the vol say which argument is
    wrong, instead of numpy's 'could not convert string to float'."""
    good = {"kappa": 1.0, "vbar": 0.04, "gamma": 0.3, "rho": -0.5, "v0": 0.09}
    with pytest.raises(ConfigError, match="heston_price: moneyness must be a number or an array "
                                          "of numbers, however: moneyness='a'"):
        heston_price("a", 1.0, 0.02, **good)
    with pytest.raises(ConfigError, match="bsm_price: volatility must be a number"):
        bsm_price(1.0, 1.0, 0.0, "high")
    with pytest.raises(ConfigError, match=r"shapes do not broadcast together \(moneyness \(2,\), "
                                          r"maturity \(3,\)\)"):
        heston_price([1.0, 1.1], [0.5, 1.0, 1.5], 0.02, **good)


def test_heston_where_the_density_is_sharply_peaked_matches_quantlib_to_1e8():
    """The walkthrough's points: Feller condition far from met inside the box (512 fixed
    terms were off by 1.2e-5) and a vol of vol of 1.5 outside it (off by 1.5e-4): the
    per-option number of terms brings both within 1e-10 of QuantLib."""
    inside = heston_price(1.0, 511 / 365, 0.0, rho=-0.95, kappa=0.05, vbar=0.01, gamma=0.5,
                          v0=0.05)
    assert abs(float(inside) - quantlib_heston(1.0, 511, 0.0, 0.05, 0.01, 0.5, -0.95,
                                               0.05)) < 1e-10
    outside = heston_price(0.5, 2.0, 0.05, rho=-0.95, kappa=0.1, vbar=0.5, gamma=1.5, v0=0.02)
    assert abs(float(outside) - quantlib_heston(0.5, 730, 0.05, 0.1, 0.5, 1.5, -0.95,
                                                0.02)) < 1e-10


def test_heston_matches_quantlib_to_1e8_over_a_box_sample_weighted_to_its_hard_corner():
    """1,500 Latin-hypercube options of the box and 500 from its corner where the Feller
    condition fails worst (rho near -0.95, small kappa and vbar, gamma near 0.5), calls, in
    one vectorised call: all within 1e-8 of strike of QuantLib (measured worst: 5e-14)."""
    box = ParameterBox.default()
    corner = ParameterBox({**box.ranges, "rho": (-0.95, -0.8), "kappa": (0.0, 0.2),
                           "vbar": (0.0, 0.05), "gamma": (0.4, 0.5)})
    sample = pd.concat([sample_box(box, 1500, seed=21), sample_box(corner, 500, seed=22)],
                       ignore_index=True)
    days = np.clip(np.round(sample["maturity"].to_numpy() * 365), 37, 511).astype(int)
    expected = [quantlib_heston(row.moneyness, int(d), row.rate, row.kappa, row.vbar,
                                row.gamma, row.rho, row.v0)
                for row, d in zip(sample.itertuples(), days, strict=True)]
    got = heston_price(sample["moneyness"], days / 365, sample["rate"], kappa=sample["kappa"],
                       vbar=sample["vbar"], gamma=sample["gamma"], rho=sample["rho"],
                       v0=sample["v0"])
    assert np.max(np.abs(got - np.array(expected))) < 1e-8


def test_heston_warns_where_its_series_does_not_converge():
    """A vol of vol of 1.75 over ten years with kappa near 0 needs more than the largest
    number of terms: the price comes with a FindeepWarning, not silently (it was 1.7e-6
    off)."""
    with pytest.warns(FindeepWarning, match=r"1 of 1 option\(s\) did not converge .*off by "
                                            r"more than 1e-8"):
        price = heston_price(0.635, 3625 / 365, 0.074, kappa=0.0043, vbar=0.045, gamma=1.75,
                             rho=-0.45, v0=0.0132)
    assert np.isfinite(price)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)  # the box itself never warns
        heston_price(1.0, 1.4, 0.1, rho=-0.95, kappa=0.0, vbar=0.0, gamma=0.5, v0=0.05)


@pytest.mark.parametrize("name", ["moneyness", "maturity", "rate", "kappa", "vbar", "gamma",
                                  "rho", "v0", "dividend"])
@pytest.mark.parametrize("call", [True, False])
def test_a_nan_input_prices_as_nan_not_as_a_plausible_number(name, call) -> None:
    """NaN in, NaN out, row by row: a NaN variance gave a call its discounted intrinsic
    value and a put 0.0; the other rows of the call are priced as alone."""
    inputs = {"moneyness": 1.0, "maturity": 0.5, "rate": 0.02, "kappa": 1.0, "vbar": 0.1,
              "gamma": 0.3, "rho": -0.5, "v0": 0.1, "dividend": 0.0}
    inputs[name] = np.array([inputs[name], np.nan])
    prices = heston_price(inputs.pop("moneyness"), inputs.pop("maturity"), inputs.pop("rate"),
                          **inputs, call=call)
    alone = heston_price(1.0, 0.5, 0.02, kappa=1.0, vbar=0.1, gamma=0.3, rho=-0.5, v0=0.1,
                         call=call)
    assert np.isnan(prices[1]) and prices[0] == pytest.approx(float(alone), abs=1e-12)
