"""A sequence network that contains the linear model: ridge path + nonlinear residual.

``output = linear(flattened window) + body(window)``. The linear path starts at the
ridge solution fitted on the training rows (``init_linear``) and the body's head starts
at zero, so before any gradient step the network *is* ridge; training can only move it
where validation says it helps (early stopping keeps the ridge start when nothing does).

Quantiles (several at once) never cross: the quantile nearest 0.5 is the anchor (linear
+ body), and the others sit at cumulative ``softplus`` gaps above and below it. The
gaps start at the ridge residuals' empirical quantile gaps and have their own linear
path (zero at the start), so intervals can widen with volatility.

Instance normalisation (``instance_norm=True``, RevIN-style): the body sees each window
standardised by its own per-feature mean and spread, and its residual is scaled back by
the window's spread of ``scale_feature`` (the feature that matches the target), so one
set of weights serves assets on different scales. The linear path sees the raw window.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

_EPS = 1e-3


def inverse_softplus(value: np.ndarray) -> np.ndarray:
    value = np.maximum(value, 1e-4)
    return value + np.log(-np.expm1(-value))


class LinearResidualForecaster(nn.Module):
    """Shape: ``(B, W, F), (B, 0) -> (B, H, Q)`` (H horizons, Q quantiles; Q=1 for a point).

    >>> from findeep.forecast.models.tcn import TemporalConvForecaster
    >>> body = TemporalConvForecaster(n_features=3, window=8, n_out=2)
    >>> model = LinearResidualForecaster(body, n_features=3, window=8, n_horizons=2)
    >>> model(torch.zeros(4, 8, 3), torch.zeros(4, 0, dtype=torch.long)).shape
    torch.Size([4, 2, 1])
    """

    def __init__(self, body: nn.Module, *, n_features: int, window: int, n_horizons: int = 1,
                 quantiles: tuple[float, ...] | list[float] = (), instance_norm: bool = False,
                 scale_feature: int | None = None, linear_path: bool = True,
                 zero_head: bool = True) -> None:
        super().__init__()
        self.n_horizons = n_horizons
        self.quantiles = [float(q) for q in quantiles]
        n_q = max(1, len(self.quantiles))
        self.anchor = (int(np.argmin([abs(q - 0.5) for q in self.quantiles]))
                       if self.quantiles else 0)
        self.instance_norm = instance_norm
        self.scale_feature = scale_feature
        self.linear_path = linear_path
        self.config = {"n_horizons": n_horizons, "quantiles": self.quantiles,
                       "instance_norm": instance_norm, "scale_feature": scale_feature,
                       "linear_path": linear_path, "zero_head": zero_head,
                       "body": dict(getattr(body, "config", {}))}
        self.body = body
        self.linear = nn.Linear(window * n_features, n_horizons)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)
        if n_q > 1:
            self.gap_linear = nn.Linear(window * n_features, n_horizons * (n_q - 1))
            nn.init.zeros_(self.gap_linear.weight)
            self.gap_bias = nn.Parameter(torch.zeros(n_horizons, n_q - 1))
        if not linear_path:  # ablation: the plain network, its location path held at zero
            self.linear.weight.requires_grad_(False)
            self.linear.bias.requires_grad_(False)
        elif zero_head:
            _zero_head(body)  # the network starts as exactly the linear model

    def init_linear(self, coef: np.ndarray, intercept: np.ndarray,
                    gaps: np.ndarray | None = None) -> None:
        """Set the linear path to ridge: ``coef (H, W*F)``, ``intercept (H,)``;
        ``gaps (H, Q-1)`` the residual quantile gaps (lower gaps first, outward order)."""
        with torch.no_grad():
            self.linear.weight.copy_(torch.as_tensor(coef, dtype=torch.float32))
            self.linear.bias.copy_(torch.as_tensor(intercept, dtype=torch.float32))
            if gaps is not None and hasattr(self, "gap_bias"):
                self.gap_bias.copy_(torch.as_tensor(inverse_softplus(gaps), dtype=torch.float32))

    def linear_parameters(self) -> list[nn.Parameter]:
        params = [self.linear.weight, self.linear.bias] if self.linear_path else []
        if hasattr(self, "gap_bias"):
            params += [self.gap_linear.weight, self.gap_linear.bias, self.gap_bias]
        return params

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        flat = x_num.flatten(1)  # (B, W, F) -> (B, W*F)
        body_in, scale = x_num, None
        if self.instance_norm:
            mean = x_num.mean(dim=1, keepdim=True)
            spread = x_num.std(dim=1, keepdim=True) + _EPS  # (B, 1, F)
            body_in = (x_num - mean) / spread
            if self.scale_feature is not None:
                scale = spread[:, 0, self.scale_feature].unsqueeze(1)  # (B, 1)
        n_q = max(1, len(self.quantiles))
        raw = self.body(body_in, x_cat).reshape(len(x_num), self.n_horizons, n_q)  # (B, H, Q)
        residual = raw[:, :, 0]
        if scale is not None:
            residual = residual * scale
        location = self.linear(flat) + residual  # (B, H)
        if n_q == 1:
            return location.unsqueeze(-1)
        gap_logits = (self.gap_bias + raw[:, :, 1:]
                      + self.gap_linear(flat).reshape(len(x_num), self.n_horizons, n_q - 1))
        gaps = F.softplus(gap_logits)  # (B, H, Q-1), positive
        n_below = self.anchor
        below = location.unsqueeze(-1) - gaps[:, :, :n_below].cumsum(-1)  # nearest first
        above = location.unsqueeze(-1) + gaps[:, :, n_below:].cumsum(-1)
        return torch.cat([below.flip(-1), location.unsqueeze(-1), above], dim=-1)


def _zero_head(body: nn.Module) -> None:
    """Zero the body's last linear layer, so its residual starts at exactly zero."""
    last = [m for m in body.modules() if isinstance(m, nn.Linear)]
    if last:
        nn.init.zeros_(last[-1].weight)
        nn.init.zeros_(last[-1].bias)
