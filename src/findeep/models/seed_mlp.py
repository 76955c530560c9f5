"""The classic finance-textbook network: Dense 64 ReLU -> Dense 32 ReLU -> 1 output.

Kept as the reference every benchmark shows findeep's default beating. Categoricals are
one-hot encoded, as that recipe does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class SeedMLP(nn.Module):
    """Shape: ``(B, d_num), (B, n_cat) -> (B, 1, n_out)``.

    >>> model = SeedMLP(n_num=3, cardinalities=[4], n_out=1)
    >>> model(torch.zeros(2, 3), torch.zeros(2, 1, dtype=torch.long)).shape
    torch.Size([2, 1, 1])
    """

    def __init__(self, *, n_num: int, cardinalities: list[int], n_out: int,
                 x_num_train: np.ndarray | None = None, **_: Any) -> None:
        super().__init__()
        self.config = {"n_num": n_num, "cardinalities": list(cardinalities), "n_out": n_out}
        self.cardinalities = list(cardinalities)
        d_in = n_num + sum(cardinalities)
        self.layers = nn.Sequential(
            nn.Linear(d_in, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, n_out)
        )

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """The network's input vector: scaled numerics then one-hot categoricals."""
        one_hots = [F.one_hot(x_cat[:, j], c).to(x_num.dtype)
                    for j, c in enumerate(self.cardinalities)]
        return torch.cat([x_num, *one_hots], dim=1)

    def embedding_slots(self) -> list[tuple[str, int]]:
        """For each slot of ``embed``'s output, the input it comes from."""
        slots = [("num", j) for j in range(self.config["n_num"])]
        for j, c in enumerate(self.cardinalities):
            slots += [("cat", j)] * c
        return slots

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(x_num, x_cat))

    def forward_embedded(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x).unsqueeze(1)  # (B, n_out) -> (B, 1, n_out)
