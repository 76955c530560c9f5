"""Monotone constraints by construction: a network whose score can only move one way in the
columns a risk team names, for every value of every other column.

Construction (why it holds): the score is ``f(other columns) + sum_j s_j * g_j(x_j)``.

- ``f`` is the wrapped network (``default`` by default) with each constrained column held at
  a constant (0, the centre of its scaled range), so it cannot depend on it at all;
- ``g_j`` is a piecewise-linear function on quantile bins of the column's training values —
  the same clamped bin encoding as ``default``'s numeric embeddings, each bin's fill
  non-decreasing in the value — with non-negative weights (softplus) per bin plus a
  non-negative linear term, so ``g_j`` is non-decreasing everywhere, extrapolation included;
- ``s_j`` is +1 (the score never falls as the column rises) or -1 (never rises).

A sum of functions non-decreasing in ``x_j`` and of terms that do not depend on it is
non-decreasing in ``x_j`` whatever the other columns hold. The preprocessing before the
network (quantile-normal or standard scaling) is increasing, ensembling averages member
logits that each keep the property, and temperature calibration divides by a positive
number, so the served probability keeps it too. The price: constrained columns act
additively (no interactions with other columns) — the same price a monotone GAM pays, and
what the benchmark's comparison with constrained gradient boosting measures.

Shape: ``(B, d_num), (B, n_cat) -> (B, k, n_out)`` with ``n_out == 1`` (binary or regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from findeep.models.tabm_ple import PiecewiseLinearEncoding

N_BINS = 16  # as default's numeric encoding


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
                 x_num_train: np.ndarray | None = None) -> None:
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
        self.register_buffer("columns", torch.tensor(columns, dtype=torch.long))
        self.register_buffer("signs", torch.tensor(signs, dtype=torch.float32))
        keep = torch.ones(config.get("n_num", max(columns) + 1))
        keep[columns] = 0.0
        self.register_buffer("keep", keep)  # 0 where a column is constrained
        train = None if x_num_train is None else np.asarray(x_num_train)[:, columns]
        self.encoding = PiecewiseLinearEncoding(n_num=len(columns), n_bins=N_BINS,
                                                x_num_train=train)
        d = len(columns)
        # raw weights; softplus makes them >= 0. Start small so the inner network leads.
        self.bin_weight = nn.Parameter(torch.full((self.k, d, N_BINS), -3.0))
        self.linear_weight = nn.Parameter(torch.full((self.k, d), -3.0))

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """``(B, d_inner + d_monotone)``: the inner network's embedding of the other columns,
        then the constrained columns' scaled values."""
        inner = self.inner.embed(x_num * self.keep, x_cat)
        return torch.cat([inner, x_num[:, self.columns]], dim=1)

    def forward_embedded(self, z: torch.Tensor) -> torch.Tensor:
        d = self.columns.numel()
        base = self.inner.forward_embedded(z[:, :-d])  # (B, k, 1)
        return base + self.monotone_part(z[:, -d:]).unsqueeze(-1)

    def monotone_part(self, values: torch.Tensor) -> torch.Tensor:
        """``(B, d) -> (B, k)``: sum over constrained columns of s_j * g_j(x_j)."""
        encoded = self.encoding(values)  # (B, d, T), each bin non-decreasing in its value
        bins = torch.einsum("bdt,kdt->bkd", encoded, nn.functional.softplus(self.bin_weight))
        linear = values.unsqueeze(1) * nn.functional.softplus(self.linear_weight)  # (B, k, d)
        return ((bins + linear) * self.signs).sum(dim=-1)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(x_num, x_cat))

    def embedding_slots(self) -> list[tuple[str, int]]:
        return [*self.inner.embedding_slots(), *(("num", int(j)) for j in self.columns)]

    @property
    def row_cost(self) -> float:
        return float(getattr(self.inner, "row_cost", 1.0))


def wrap_monotone(inner: nn.Module, options: dict[str, Any],
                  x_num_train: np.ndarray | None) -> nn.Module:
    """``inner`` wrapped when ``options`` names monotone columns, else ``inner`` itself."""
    monotone = options.get("monotone")
    return MonotoneNetwork(inner, monotone=monotone, x_num_train=x_num_train) if monotone \
        else inner
