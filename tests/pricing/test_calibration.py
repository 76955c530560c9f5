"""Calibration: the reference recovers known parameters; the network's Jacobian is exact."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch

from findeep.data.schema import FindeepWarning
from findeep.errors import DataError
from findeep.pricing.calibration import calibrate, read_surface, synthetic_surface
from findeep.pricing.reference import heston_price, implied_volatility

TRUE = {"rho": -0.6, "kappa": 1.2, "vbar": 0.08, "gamma": 0.35, "v0": 0.12}


def test_reference_calibration_recovers_known_parameters():
    """A surface priced at known parameters is fitted back to them."""
    surface = read_surface(synthetic_surface(TRUE, moneyness=(0.85, 1.0, 1.15),
                                             maturities=(0.3, 0.7, 1.2)))
    result = calibrate(surface)
    assert result.rmse < 1e-8
    for name, value in TRUE.items():
        assert result.parameters[name] == pytest.approx(value, rel=1e-3)


def test_network_calibration_uses_the_networks_exact_gradient(pricer):
    """The Jacobian handed to least squares equals a central finite difference of the
    network's own prices (float64), and the fit reprices its surface better than its start."""
    surface = read_surface(synthetic_surface(TRUE, moneyness=(0.9, 1.0, 1.1),
                                             maturities=(0.4, 1.0)))
    network = copy.deepcopy(pricer.network_).double()
    fixed = torch.as_tensor(np.stack([surface.moneyness, surface.maturity, surface.rate], 1))
    theta = torch.tensor([-0.3, 0.8, 0.2, 0.2, 0.2], dtype=torch.float64, requires_grad=True)
    network.price(torch.cat([fixed, theta.expand(len(fixed), -1)], 1)).sum().backward()

    def summed(t):
        with torch.no_grad():
            return network.price(torch.cat([fixed, t.expand(len(fixed), -1)], 1)).sum().item()

    h = 1e-6
    numeric = [(summed(theta.detach() + h * e) - summed(theta.detach() - h * e)) / (2 * h)
               for e in torch.eye(5, dtype=torch.float64)]
    np.testing.assert_allclose(theta.grad.numpy(), numeric, rtol=1e-5, atol=1e-8)
    result = calibrate(surface, pricer=pricer)
    assert result.success and result.pricer == "network"


def test_a_surface_with_too_few_options_or_negative_quotes_is_refused():
    small = synthetic_surface(TRUE).iloc[:5]
    with pytest.raises(DataError, match="at least 6"):
        read_surface(small)
    negative = synthetic_surface(TRUE).assign(price=-0.1)
    with pytest.raises(DataError, match="negative"):
        read_surface(negative)


def small_surface():
    """3 x 3 calls at TRUE: enough quotes to calibrate, cheap to read."""
    return synthetic_surface(TRUE, moneyness=(0.85, 1.0, 1.15), maturities=(0.3, 0.7, 1.2))


def as_puts(surface, label):
    m, tau, r = (surface[c].to_numpy() for c in ("moneyness", "maturity", "rate"))
    put = heston_price(m, tau, r, call=False, **TRUE)
    return surface.assign(price=put, type=label)


@pytest.mark.parametrize("label", ["put", "Put ", " P", "PUT"])
def test_put_quotes_are_read_as_pricing_price_reads_them(label):
    """Puts marked 'Put ' (a trailing space) or any case become the same calls by parity as
    the call surface they were priced from: the calibration sees the same quotes."""
    calls = read_surface(small_surface()).call
    puts = read_surface(as_puts(small_surface(), label)).call
    np.testing.assert_allclose(puts, calls, atol=1e-12)


def test_an_unknown_option_type_is_refused_naming_it():
    """'straddle' is neither a call nor a put: refused, not fitted as a call."""
    with pytest.raises(DataError, match="'straddle'"):
        read_surface(small_surface().assign(type="straddle"))


def test_prices_in_the_wrong_units_are_refused_with_a_count_and_an_example():
    """Prices x100 (percent of strike) break the call's upper bound S/K on most rows; the
    error counts them and shows one."""
    scaled = small_surface().assign(price=lambda f: f["price"] * 100)
    with pytest.raises(DataError, match=r"of 9 prices lie outside .* e\.g\. row \d+ \(call, "
                                        r"moneyness .*above its upper bound .*strike units"):
        read_surface(scaled)


def test_put_bounds_are_the_puts_own():
    """A deep in-the-money put worth more than the call's bound S/K is fine, but one priced
    below its discounted intrinsic value K e^{-rT} - S is refused as a put."""
    puts = as_puts(small_surface(), "put")
    read_surface(puts.assign(moneyness=0.6, price=lambda f: 1.0 - 0.55))  # above S/K = 0.6
    cheap = puts.copy()
    cheap.loc[0, "price"] = 0.01  # S/K = 0.85: intrinsic about 0.14
    with pytest.raises(DataError, match=r"1 of 9 prices .*row 1 \(put, .*below its lower bound"):
        read_surface(cheap)


def test_implied_vols_in_percent_are_refused_with_a_hint():
    surface = small_surface()
    m, tau, r = (surface[c].to_numpy() for c in ("moneyness", "maturity", "rate"))
    vols = implied_volatility(surface["price"].to_numpy(), m, tau, r)
    quotes = surface.drop(columns="price").assign(implied_vol=vols)
    read_surface(quotes)  # fractions: accepted
    with pytest.raises(DataError, match=r"9 of 9 implied vols are above 5 .*look like percent"):
        read_surface(quotes.assign(implied_vol=vols * 100))


def test_a_quote_without_a_price_is_left_out_and_counted():
    """A row with an empty price is not fitted, and the surface and the result say so."""
    surface = small_surface()
    surface.loc[4, "price"] = np.nan
    quotes = read_surface(surface)
    assert quotes.call.size == 8
    assert (quotes.left_out, quotes.left_out_columns) == (1, ("price",))
    assert read_surface(small_surface()).left_out == 0


def test_a_clean_reference_fit_is_reported_converged_and_off_the_bounds():
    """Recovering known parameters: converged, no parameter on a bound, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        result = calibrate(read_surface(small_surface()))
    assert result.success and result.message
    assert result.at_bounds == [] and result.warnings == []


def test_a_fit_pinned_to_the_search_box_is_warned_about_and_recorded():
    """A surface priced at v0 = 0.9 (beyond the box's 0.5) cannot be fitted inside it: the
    parameters that end on a bound are named in the warning and in the result."""
    surface = read_surface(synthetic_surface({**TRUE, "v0": 0.9}, moneyness=(0.85, 1.0, 1.15),
                                             maturities=(0.3, 0.7, 1.2)))
    with pytest.warns(FindeepWarning, match=r"reference calibration ended on the edge of its "
                                            r"search box \(.*v0 0\.4995 at its upper bound"):
        result = calibrate(surface)
    assert "v0" in result.at_bounds and "edge of its search box" in result.warnings[0]
    assert result.to_dict()["at_bounds"] == result.at_bounds


def test_a_network_fit_the_reference_reprices_much_worse_is_warned_about(pricer):
    """The small test network pins its fit to the box edges and the reference reprices its
    parameters several times worse than the network's own RMSE: both are said, not shown
    as a normal fit."""
    with pytest.warns(FindeepWarning) as caught:
        result = calibrate(read_surface(small_surface()), pricer=pricer)
    said = " ".join(str(w.message) for w in caught)
    assert result.reference_rmse > 2 * result.rmse
    assert "reprices the network's fitted parameters" in said and "--reference" in said
    assert result.at_bounds and "network calibration ended on the edge" in said
    assert len(result.warnings) == 2
