"""The recurrent family: an LSTM or GRU reads the window, a linear head reads its last state.

LSTM and GRU differ only in the cell; one module keeps them comparable (same widths,
same head, same dropout).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from findeep.errors import ConfigError

Cell = Literal["lstm", "gru"]


class RecurrentForecaster(nn.Module):
    """Shape: ``(B, W, F), (B, 0) -> (B, 1, n_out)``.

    >>> model = RecurrentForecaster(cell="gru", n_features=3, window=10)
    >>> model(torch.zeros(2, 10, 3), torch.zeros(2, 0, dtype=torch.long)).shape
    torch.Size([2, 1, 1])
    """

    def __init__(self, *, cell: Cell = "lstm", n_features: int, window: int, n_out: int = 1,
                 d_hidden: int = 32, n_layers: int = 1, dropout: float = 0.1) -> None:
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ConfigError(f"cell must be 'lstm' or 'gru', however: {cell=}")
        self.config = {"cell": cell, "n_features": n_features, "window": window, "n_out": n_out,
                       "d_hidden": d_hidden, "n_layers": n_layers, "dropout": dropout}
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(n_features, d_hidden, num_layers=n_layers, batch_first=True,
                       dropout=dropout if n_layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(d_hidden, n_out))

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x_num)  # (B, W, F) -> (B, W, d_hidden)
        return self.head(states[:, -1]).unsqueeze(1)  # (B, d_hidden) -> (B, 1, n_out)
