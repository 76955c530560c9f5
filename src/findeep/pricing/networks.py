"""Surrogate networks for Heston: a price network shaped like a price, and a surface network.

``MixturePriceNet`` — the price surrogate. A multilayer perceptron reads the maturity and the
model parameters (never the strike) and returns a mixture of ``n_components`` lognormal
laws for the discounted terminal spot ``X = S_T e^{-r tau} / S``: weights ``w_j`` (softmax),
means ``m_j`` normalised so that ``sum_j w_j m_j = 1`` (the discounted spot is a
martingale), and volatilities ``sigma_j``. The strike enters only through the closed-form
expectation

    C / K = (S/K) * E[(X - (K/S) e^{-r tau})^+]
          = sum_j w_j [ (S/K) m_j N(d1_j) - e^{-r tau} N(d2_j) ],

so, for every maturity and parameter set, the price is *by construction* the price of a
genuine distribution with the right mean (the mixture-of-lognormals idea of Brigo &
Mercurio 2002, with the network choosing the mixture): non-increasing and convex in the
strike, and within the no-arbitrage bounds ``max(S - K e^{-r tau}, 0) <= C <= S``. By
default the network has no such hold on maturity: the calendar condition (price
non-decreasing in maturity at a fixed strike) is verified afterwards on a grid
(``pricing/checks.py``) and reported, not assumed.

With ``calendar=True`` it is built in as well. The perceptron then reads the rate and the
Heston parameters only (not the maturity), and the law is a product ``X_tau = D_tau L_tau``
of two independent parts, each growing in convex order with ``tau``:

* ``D_tau``: J atoms ``1 + h(tau)(m_j - 1)`` with fixed weights ``w_j`` and
  ``sum w_j m_j = 1``, where ``h`` in [0, 1) rises with ``tau``. For ``h1 <= h2``, D at
  ``h1`` is D at ``h2`` mixed with its own mean (``lambda = h1/h2``), so by Jensen it is
  smaller in convex order. The atoms' spread (the skew a variance path brings) grows with
  the maturity and vanishes at ``h = 0``.
* ``L_tau``: K mean-one lognormals with fixed weights whose log-variances
  ``V_k(tau) = sum_i c_ki phi_i(tau)`` have ``c_ki >= 0`` (softplus) and basis functions
  ``phi_i`` non-decreasing in ``tau``: 1, tau, 1 - e^{-l tau} and tau - (1 - e^{-l tau})/l
  for a few rates l. Non-negative combinations of them hold Heston's expected integrated
  variance whether v0 is above or below vbar. A fixed-mean lognormal with a larger
  log-variance dominates in convex order.

For convex ``f``, ``E f(D1 L1) <= E f(D1 L2) <= E f(D2 L2)`` (condition on D, then use
that ``d -> E f(d L2)`` is convex), so ``E[(X_tau - c)^+]`` is non-decreasing in ``tau``
for every fixed ``c``. At a fixed strike, ``c = (K/S) e^{-r tau}`` falls with ``tau`` when
``r >= 0``, which only raises the call. Hence calls are non-decreasing in maturity at a
fixed strike for ``r >= 0`` (and at a fixed forward moneyness for any ``r``), whatever the
weights. The J x K products are priced as one lognormal mixture.

``SurfaceNet`` — the grid variant of Horvath, Muguruza & Tomas (2021): a perceptron maps
(rate, Heston parameters) to the implied volatilities of a whole fixed strike × maturity
grid in one pass.

Both take inputs in their natural units, scale them to [-1, 1] with the training box stored
as buffers, and follow findeep's trainer contract: ``forward(x_num, x_cat) -> (B, 1, n_out)``
(one ensemble member), multiplied by ``output_scale`` so that the mean squared error the
trainer minimises is of order one (prices in strike units have errors near 1e-4; an
unscaled loss would stall the early-stopping tolerance and AdamW's epsilon).

Shape::

    MixturePriceNet: x_num (B, 8) [moneyness, maturity, rate, rho, kappa, vbar, gamma, v0]
                     -> (B, 1, 1) call price / K * output_scale
    SurfaceNet:      x_num (B, 6) [rate, rho, kappa, vbar, gamma, v0] -> (B, 1, n_cells)
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

SQRT_HALF = 1.0 / math.sqrt(2.0)
BASIS_RATES = (0.5, 2.0, 8.0)  # l in the calendar variant's maturity basis
N_BASIS = 2 + 2 * len(BASIS_RATES)
N_FACTORS = 4  # the calendar variant's lognormal factors (K), each crossed with J atoms


def maturity_basis(tau: torch.Tensor) -> torch.Tensor:
    """(B, 1) maturities -> (B, N_BASIS) functions of tau, each >= 0 and non-decreasing."""
    parts = [torch.ones_like(tau), tau]
    for rate in BASIS_RATES:
        saturating = 1.0 - torch.exp(-rate * tau)  # concave, rising to 1 (no expm1 in ONNX 17)
        parts += [saturating, tau - saturating / rate]  # the second: convex, rising, >= 0
    return torch.cat(parts, dim=1)


def _perceptron(d_in: int, d_hidden: int, n_layers: int, d_out: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = d_in
    for _ in range(n_layers):
        layers += [nn.Linear(width, d_hidden), nn.SiLU()]  # smooth: prices and Greeks are
        width = d_hidden
    layers.append(nn.Linear(width, d_out))
    return nn.Sequential(*layers)


def normal_cdf(x: torch.Tensor) -> torch.Tensor:
    """N(x) through erf, which ONNX has an operator for."""
    return 0.5 * (1.0 + torch.erf(x * SQRT_HALF))


class _Scaled(nn.Module):
    """Inputs mapped from their box to [-1, 1]; box and output scale kept as buffers."""

    row_cost = 4  # compute per row, in default-network members (train/trainer.py threads)

    def __init__(self, low: torch.Tensor, high: torch.Tensor, output_scale: float) -> None:
        super().__init__()
        self.register_buffer("low", torch.as_tensor(low, dtype=torch.float32))
        self.register_buffer("high", torch.as_tensor(high, dtype=torch.float32))
        self.register_buffer("output_scale", torch.tensor(float(output_scale)))

    def scale(self, x: torch.Tensor) -> torch.Tensor:
        return 2.0 * (x - self.low) / (self.high - self.low) - 1.0


class MixturePriceNet(_Scaled):
    """Call price in strike units from (moneyness, maturity, rate, Heston parameters)."""

    def __init__(self, *, low: torch.Tensor, high: torch.Tensor, d_hidden: int = 256,
                 n_layers: int = 4, n_components: int = 8, output_scale: float = 10.0,
                 calendar: bool = False) -> None:
        super().__init__(low[1:], high[1:], output_scale)  # the perceptron never sees S/K
        self.config: dict[str, Any] = {"d_hidden": d_hidden, "n_layers": n_layers,
                                       "n_components": n_components,
                                       "output_scale": output_scale, "calendar": calendar}
        self.n_components = n_components
        self.calendar = calendar
        if calendar:  # reads (rate, Heston parameters); tau enters through the bases only
            # J atoms (weight, mean), K lognormal factors (weight, N_BASIS variance
            # coefficients), N_BASIS coefficients of the atoms' spread h(tau)
            self.body = _perceptron(6, d_hidden, n_layers, 2 * n_components + N_FACTORS * (
                1 + N_BASIS) + N_BASIS)
        else:
            self.body = _perceptron(7, d_hidden, n_layers, 3 * n_components)

    def mixture(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(log weights, log means, total std ``sigma sqrt(tau)``), each (B, J)."""
        scaled = self.scale(x[:, 1:])
        j = self.n_components
        if self.calendar:
            return self._calendar_mixture(self.body(scaled[:, 1:]), x[:, 1:2])
        else:
            raw = self.body(scaled)  # (B, 3J)
            a, b, c = raw.split(j, dim=1)
            sigma = nn.functional.softplus(c - 1.0) + 1e-3  # volatility of each component
            total = sigma * torch.sqrt(x[:, 1:2])
        log_w = torch.log_softmax(a, dim=1)
        log_m = b - torch.logsumexp(log_w + b, dim=1, keepdim=True)  # sum_j w_j m_j = 1
        return log_w, log_m, total

    def _calendar_mixture(self, raw: torch.Tensor, tau: torch.Tensor,
                          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """X_tau = D_tau * L_tau, D and L independent, each growing in convex order.

        D_tau: J atoms ``1 + h(tau)(m_j - 1)`` with weights ``w_j``, ``sum w_j m_j = 1``
        and ``h`` in [0, 1] non-decreasing (a smaller h is a mix of a larger one's law and
        its mean, so D grows in convex order). L_tau: K mean-one lognormals with weights
        ``u_k`` and non-decreasing log-variances ``V_k(tau)``. Returned as the J x K
        product components, flattened: weights ``w_j u_k``, means ``d_j``, std
        ``sqrt(V_k)``.
        """
        j, k = self.n_components, N_FACTORS
        basis = maturity_basis(tau)  # (B, N_BASIS)
        a, b = raw[:, :j], raw[:, j:2 * j]
        u = raw[:, 2 * j:2 * j + k]
        c = raw[:, 2 * j + k:2 * j + k + k * N_BASIS].reshape(-1, k, N_BASIS)
        e = raw[:, 2 * j + k + k * N_BASIS:]  # (B, N_BASIS)
        log_w = torch.log_softmax(a, dim=1)
        log_m = b - torch.logsumexp(log_w + b, dim=1, keepdim=True)  # sum_j w_j m_j = 1
        spread = (nn.functional.softplus(e - 1.0) * basis).sum(dim=1, keepdim=True)
        h = 1.0 - torch.exp(-spread)  # in [0, 1), non-decreasing in tau (no expm1 in ONNX)
        atoms = torch.log(1.0 + h * (torch.exp(log_m) - 1.0))  # (B, J): log d_j, d_j > 0
        variance = (0.15 * nn.functional.softplus(c - 2.0) * basis[:, None, :]).sum(dim=2)
        total = torch.sqrt(variance + 1e-6 * tau)  # (B, K); the floor rises with tau too
        log_u = torch.log_softmax(u, dim=1)
        flat = (-1, j * k)
        return ((log_w[:, :, None] + log_u[:, None, :]).reshape(flat),
                atoms[:, :, None].expand(-1, j, k).reshape(flat),
                total[:, None, :].expand(-1, j, k).reshape(flat))

    def price(self, x: torch.Tensor) -> torch.Tensor:
        """Call price / K, (B, 8) -> (B,)."""
        log_w, log_m, total = self.mixture(x)
        moneyness, maturity, rate = x[:, 0:1], x[:, 1:2], x[:, 2:3]
        log_ratio = log_m + torch.log(moneyness) + rate * maturity  # log(m_j / (k e^{-r tau}))
        d1 = log_ratio / total + 0.5 * total
        d2 = d1 - total
        w = torch.exp(log_w)
        per = w * (moneyness * torch.exp(log_m) * normal_cdf(d1)
                   - torch.exp(-rate * maturity) * normal_cdf(d2))  # (B, J)
        return per.sum(dim=1)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor | None = None) -> torch.Tensor:
        return (self.price(x_num) * self.output_scale)[:, None, None]  # (B,) -> (B, 1, 1)


class SurfaceNet(_Scaled):
    """Implied volatilities of a whole grid from (rate, Heston parameters)."""

    def __init__(self, *, low: torch.Tensor, high: torch.Tensor, n_cells: int,
                 d_hidden: int = 128, n_layers: int = 4, output_scale: float = 10.0) -> None:
        super().__init__(low, high, output_scale)
        self.config = {"d_hidden": d_hidden, "n_layers": n_layers, "n_cells": n_cells,
                       "output_scale": output_scale}
        self.body = _perceptron(low.shape[0], d_hidden, n_layers, n_cells)

    def surface(self, x: torch.Tensor) -> torch.Tensor:
        """Implied volatilities (B, n_cells), kept positive."""
        return nn.functional.softplus(self.body(self.scale(x)) + 1.0) * 0.3

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor | None = None) -> torch.Tensor:
        return (self.surface(x_num) * self.output_scale)[:, None, :]  # (B, 1, n_cells)
