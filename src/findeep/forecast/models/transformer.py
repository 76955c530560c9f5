"""A Transformer encoder over the window, with learned positions; the head reads the last step.

Every step in a window is at or before the forecast date, so full attention inside the
window looks at no future; a causal mask would only discard information. The layers are
pre-norm and no LayerNorm sits before the head: a final norm rescales each step to unit
size and so throws away how large today's move was, which is most of the signal.
"""

from __future__ import annotations

import torch
from torch import nn


class TransformerForecaster(nn.Module):
    """Shape: ``(B, W, F), (B, 0) -> (B, 1, n_out)``.

    >>> model = TransformerForecaster(n_features=3, window=10)
    >>> model(torch.zeros(2, 10, 3), torch.zeros(2, 0, dtype=torch.long)).shape
    torch.Size([2, 1, 1])
    """

    def __init__(self, *, n_features: int, window: int, n_out: int = 1, d_model: int = 32,
                 n_heads: int = 4, n_layers: int = 2, d_feedforward: int = 64,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.config = {"n_features": n_features, "window": window, "n_out": n_out,
                       "d_model": d_model, "n_heads": n_heads, "n_layers": n_layers,
                       "d_feedforward": d_feedforward, "dropout": dropout}
        self.input = nn.Linear(n_features, d_model)
        self.position = nn.Parameter(torch.zeros(1, window, d_model))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, d_feedforward, dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, n_out)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        h = self.input(x_num) + self.position  # (B, W, F) -> (B, W, d_model)
        h = self.encoder(h)
        return self.head(h[:, -1]).unsqueeze(1)  # (B, d_model) -> (B, 1, n_out)
