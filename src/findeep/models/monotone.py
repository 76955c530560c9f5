"""Monotone constraints by construction: a network whose score can only move one way in the
columns a risk team names, for every value of every other column.

Construction (why it holds): the score is
``f(c) + sum_j s_j * g_j(x_j) + M(u, c)``, where ``c`` is the wrapped network's embedding of
the *other* columns and ``u`` the constrained columns' monotone features.

- ``f`` is the wrapped network (``default`` by default) with each constrained column held at
  a constant (0, the centre of its scaled range), so it cannot depend on it at all;
- ``g_j`` is a piecewise-linear function on quantile bins of the column's training values —
  the same clamped bin encoding as ``default``'s numeric embeddings, each bin's fill
  non-decreasing in the value — with non-negative weights (absolute values) per bin plus a
  non-negative linear term, so ``g_j`` is non-decreasing everywhere, extrapolation included;
- ``s_j`` is +1 (the score never falls as the column rises) or -1 (never rises);
- ``M`` keeps the interactions (a constrained monotonic network, after Runje &
  Shankaranarayana 2023): ``u`` holds ``s_j`` times each constrained column's bin fills and
  scaled value, so every entry moves only the allowed way; ``u`` enters through
  non-negative weights, ``c`` through free weights (it may shift every unit, which is what
  lets income's effect depend on the loan amount), each layer applies non-decreasing
  activations — a third convex (ReLU), a third concave (-ReLU(-x)), a third saturating
  (hardtanh), so the network can bend both ways — and the output weights are non-negative.
  A composition of non-decreasing maps with non-negative weights is non-decreasing in
  every entry of ``u``, whatever ``c`` holds.

A sum of functions non-decreasing in ``x_j`` and of terms that do not depend on it is
non-decreasing in ``x_j`` whatever the other columns hold. The preprocessing before the
network (quantile-normal or standard scaling) is increasing, ensembling averages member
logits that each keep the property, and temperature calibration divides by a positive
number, so the served probability keeps it too. Bundles saved before ``M`` existed load
without it (``config["interactions"]`` absent): the additive construction alone.

Shape: ``(B, d_num), (B, n_cat) -> (B, k, n_out)`` with ``n_out == 1`` (binary or regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from findeep.models.tabm_ple import PiecewiseLinearEncoding

N_BINS = 16  # as default's numeric encoding
D_HIDDEN = 32  # width of the interaction network's two layers (a multiple of 3)


class MonotoneNetwork(nn.Module):
    """``inner`` plus one non-decreasing (or non-increasing) path per constrained column.

    >>> from findeep.models.tabm_ple import TabMPLE
    >>> x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    >>> inner = TabMPLE(n_num=3, cardinalities=[], n_out=1, k=2, x_num_train=x)
    >>> net = MonotoneNetwork(inner, monotone={0: 1}, x_num_train=x)
    >>> net(torch.zeros(5, 3), torch.zeros(5, 0, dtype=torch.long)).shape
    torch.Size([5, 2, 1])
    """

    def __init__(self, inner: nn.Module, *, monotone: dict[int | str, int],
                 x_num_train: np.ndarray | None = None, interactions: bool = True) -> None:
        super().__init__()
        config = dict(getattr(inner, "config", {}))
        if config.get("n_out", 1) != 1:
            raise ValueError("monotone constraints apply to binary and regression models "
                             f"(one output), however: n_out={config.get('n_out')}")
        columns = sorted(int(j) for j in monotone)
        signs = [int(monotone[j] if j in monotone else monotone[str(j)]) for j in columns]
        if not columns or any(s not in (1, -1) for s in signs):
            raise ValueError(f"monotone must map numeric input positions to +1 or -1, "
                             f"however: {monotone=}")
        self.inner = inner
        self.k = int(getattr(inner, "k", 1))
        self.config = {**config, "monotone": {str(j): s for j, s in zip(columns, signs,
                                                                         strict=True)}}
        if interactions:
            self.config["interactions"] = True
        self.register_buffer("columns", torch.tensor(columns, dtype=torch.long))
        self.register_buffer("signs", torch.tensor(signs, dtype=torch.float32))
        keep = torch.ones(config.get("n_num", max(columns) + 1))
        keep[columns] = 0.0
        self.register_buffer("keep", keep)  # 0 where a column is constrained
        train = None if x_num_train is None else np.asarray(x_num_train)[:, columns]
        self.encoding = PiecewiseLinearEncoding(n_num=len(columns), n_bins=N_BINS,
                                                x_num_train=train)
        d = len(columns)
        # raw weights, made >= 0 by |.| (softplus in bundles saved before ``interactions``).
        # |.| keeps d(weight)/d(raw) = 1: AdamW moves a raw weight ~learning_rate per step,
        # and behind softplus(-3) the same steps left the weights where they started
        # (0.05 -> 0.046 in a 15-epoch fit on sample:credit; the path learnt nothing).
        self.nonnegative = torch.abs if interactions else nn.functional.softplus
        start = 0.05 if interactions else -3.0  # small either way: the inner network leads
        self.bin_weight = nn.Parameter(torch.full((self.k, d, N_BINS), start))
        self.linear_weight = nn.Parameter(torch.full((self.k, d), start))
        self.interaction = None
        if interactions:
            with torch.no_grad():
                d_context = int(inner.embed(torch.zeros(1, keep.numel()),
                                            torch.zeros(1, len(config.get("cardinalities", [])),
                                                        dtype=torch.long)).shape[1])
            self.interaction = InteractionNetwork(k=self.k, d_monotone=d * (N_BINS + 1),
                                                  d_context=d_context)

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """``(B, d_inner + d_monotone)``: the inner network's embedding of the other columns,
        then the constrained columns' scaled values."""
        inner = self.inner.embed(x_num * self.keep, x_cat)
        return torch.cat([inner, x_num[:, self.columns]], dim=1)

    def forward_embedded(self, z: torch.Tensor) -> torch.Tensor:
        d = self.columns.numel()
        context, values = z[:, :-d], z[:, -d:]
        out = self.inner.forward_embedded(context) + self.monotone_part(values).unsqueeze(-1)
        if self.interaction is None:
            return out  # (B, k, 1)
        encoded = self.encoding(values)  # (B, d, T)
        u = torch.cat([encoded, values.unsqueeze(-1)], dim=-1) * self.signs[:, None]
        return out + self.interaction(u.flatten(1), context).unsqueeze(-1)

    def monotone_part(self, values: torch.Tensor) -> torch.Tensor:
        """``(B, d) -> (B, k)``: sum over constrained columns of s_j * g_j(x_j)."""
        encoded = self.encoding(values)  # (B, d, T), each bin non-decreasing in its value
        bins = torch.einsum("bdt,kdt->bkd", encoded, self.nonnegative(self.bin_weight))
        linear = values.unsqueeze(1) * self.nonnegative(self.linear_weight)  # (B, k, d)
        return ((bins + linear) * self.signs).sum(dim=-1)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(x_num, x_cat))

    def embedding_slots(self) -> list[tuple[str, int]]:
        return [*self.inner.embedding_slots(), *(("num", int(j)) for j in self.columns)]

    @property
    def row_cost(self) -> float:
        return float(getattr(self.inner, "row_cost", 1.0))


class InteractionNetwork(nn.Module):
    """``(B, d_monotone), (B, d_context) -> (B, k)``, non-decreasing in every monotone input.

    Per ensemble member: two layers whose weights on the monotone inputs (and on the
    previous layer) are used as absolute values, so they are >= 0; the context enters each layer
    through free weights, which only shift the units. Activations are non-decreasing.
    """

    def __init__(self, *, k: int, d_monotone: int, d_context: int,
                 d_hidden: int = D_HIDDEN) -> None:
        super().__init__()
        def raw(*shape: int, scale: float) -> nn.Parameter:
            return nn.Parameter(torch.rand(shape) * 2.0 * scale)  # |raw| averages ``scale``
        self.monotone_weight = raw(k, d_monotone, d_hidden, scale=1.0 / d_monotone)
        self.context_weight = nn.Parameter(torch.randn(k, d_context, 2 * d_hidden)
                                           * d_context**-0.5)
        self.bias = nn.Parameter(torch.zeros(k, 2, d_hidden))
        self.hidden_weight = raw(k, d_hidden, d_hidden, scale=1.0 / d_hidden)
        self.out_weight = raw(k, d_hidden, scale=0.05)

    @staticmethod
    def activation(h: torch.Tensor) -> torch.Tensor:
        """Non-decreasing: ReLU, its concave mirror and hardtanh on thirds of the units."""
        a, b, c = h.tensor_split(3, dim=-1)
        return torch.cat([torch.relu(a), -torch.relu(-b), nn.functional.hardtanh(c)], dim=-1)

    def forward(self, u: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        shift = torch.einsum("bc,kch->bkh", context, self.context_weight)  # (B, k, 2H)
        first, second = shift.chunk(2, dim=-1)
        h = torch.einsum("bm,kmh->bkh", u, nn.functional.torch.abs(self.monotone_weight))
        h = self.activation(h + first + self.bias[:, 0])
        h = torch.einsum("bkh,khg->bkg", h, torch.abs(self.hidden_weight))
        h = self.activation(h + second + self.bias[:, 1])
        return torch.einsum("bkh,kh->bk", h, torch.abs(self.out_weight))


def wrap_monotone(inner: nn.Module, options: dict[str, Any],
                  x_num_train: np.ndarray | None) -> nn.Module:
    """``inner`` wrapped when ``options`` names monotone columns, else ``inner`` itself."""
    monotone = options.get("monotone")
    if not monotone:
        return inner
    return MonotoneNetwork(inner, monotone=monotone, x_num_train=x_num_train,
                           interactions=bool(options.get("interactions", True)))
