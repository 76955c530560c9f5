"""A bag of networks as one network: members side by side on the ensemble axis.

Cross-fitted bagging (``fit_tabular(..., bagging=m)``) trains ``m`` networks of one
architecture, each on a different part of the training rows. ``BaggedNetwork`` joins them so
that everything downstream sees a single network: its output concatenates the members'
ensemble outputs, ``(B, m * k, n_out)``, and every consumer (scoring, calibration, the
bundle, serving, ONNX, explanations) already averages over that axis. The average over
``m * k`` equals the average of the m members' own averages, since every member has the same
``k``.

Explanations work on the concatenation of the members' embedded vectors: ``embed`` returns
``(B, sum d_i)``, ``forward_embedded`` hands each member its slice, and ``embedding_slots``
lists the members' slots in the same order, so attributions sum back to input columns.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from findeep.errors import ConfigError


class BaggedNetwork(nn.Module):
    """Shape: ``(B, d_num), (B, n_cat) -> (B, m * k, n_out)``.

    >>> import numpy as np
    >>> from findeep.models.tabm_ple import TabMPLE
    >>> x = np.random.default_rng(0).normal(size=(50, 3))
    >>> bag = BaggedNetwork([TabMPLE(n_num=3, cardinalities=[], n_out=1, k=4, x_num_train=x)
    ...                      for _ in range(3)])
    >>> bag(torch.zeros(2, 3), torch.zeros(2, 0, dtype=torch.long)).shape
    torch.Size([2, 12, 1])
    """

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        if len(members) < 2:
            raise ConfigError(f"a bag needs at least 2 members, however: {len(members)=}")
        configs = [dict(getattr(m, "config", {})) for m in members]
        if any(c != configs[0] for c in configs[1:]):
            raise ConfigError("every member of a bag must have the same architecture config.")
        self.members = nn.ModuleList(members)
        self.k = int(getattr(members[0], "k", 1))
        self.config: dict[str, Any] = {**configs[0], "bagging": len(members)}
        self._widths: list[int] | None = None
        if hasattr(members[0], "attribution_steps"):  # explanations integrate as for a member
            self.attribution_steps = int(members[0].attribution_steps)

    @property
    def n_members(self) -> int:
        return len(self.members)

    @property
    def row_cost(self) -> float:
        return float(getattr(self.members[0], "row_cost", self.k)) * self.n_members

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return torch.cat([member(x_num, x_cat) for member in self.members], dim=1)

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """The members' embedded vectors side by side, ``(B, sum of their d_in)``."""
        return torch.cat([member.embed(x_num, x_cat) for member in self.members], dim=1)

    def forward_embedded(self, z: torch.Tensor) -> torch.Tensor:
        """``(B, sum d_in) -> (B, m * k, n_out)``: each member reads its own slice."""
        if self._widths is None:  # fixed by the architecture: each member's slot count
            self._widths = [len(member.embedding_slots()) for member in self.members]
        parts = z.split(self._widths, dim=1)
        return torch.cat([member.forward_embedded(part)
                          for member, part in zip(self.members, parts, strict=True)], dim=1)

    def embedding_slots(self) -> list[tuple[str, int]]:
        return [slot for member in self.members for slot in member.embedding_slots()]


def bag_members(build_member: Any, n_members: int) -> nn.Module:
    """``n_members`` networks from ``build_member()`` joined in a ``BaggedNetwork``
    (the shape a saved bag is rebuilt in before its weights are loaded)."""
    if not isinstance(n_members, int) or n_members < 2:
        raise ConfigError(f"a saved bag names at least 2 members, however: {n_members=}")
    return BaggedNetwork([build_member() for _ in range(n_members)])
