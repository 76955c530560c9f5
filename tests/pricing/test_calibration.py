"""Calibration: the reference recovers known parameters; the network's Jacobian is exact."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from findeep.errors import DataError
from findeep.pricing.calibration import calibrate, read_surface, synthetic_surface

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
