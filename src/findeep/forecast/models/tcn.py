"""A temporal convolutional network: dilated causal 1-D convolutions with residual blocks.

Causal padding (left only) means the output at step s sees steps <= s; the head reads
the last step, whose receptive field is 1 + 2 * (kernel - 1) * sum(dilations) steps.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class _CausalBlock(nn.Module):
    def __init__(self, d_in: int, d_out: int, kernel_size: int, dilation: int,
                 dropout: float) -> None:
        super().__init__()
        self.left_pad = (kernel_size - 1) * dilation
        self.conv1 = nn.Conv1d(d_in, d_out, kernel_size, dilation=dilation)
        self.conv2 = nn.Conv1d(d_out, d_out, kernel_size, dilation=dilation)
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Conv1d(d_in, d_out, 1) if d_in != d_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.dropout(F.relu(self.conv1(F.pad(x, (self.left_pad, 0)))))  # (B, C, W)
        h = self.dropout(F.relu(self.conv2(F.pad(h, (self.left_pad, 0)))))
        return F.relu(h + self.skip(x))


class TemporalConvForecaster(nn.Module):
    """Shape: ``(B, W, F), (B, 0) -> (B, 1, n_out)``.

    >>> model = TemporalConvForecaster(n_features=3, window=16)
    >>> model(torch.zeros(2, 16, 3), torch.zeros(2, 0, dtype=torch.long)).shape
    torch.Size([2, 1, 1])
    """

    def __init__(self, *, n_features: int, window: int, n_out: int = 1, d_hidden: int = 32,
                 kernel_size: int = 3, dilations: tuple[int, ...] | list[int] = (1, 2, 4, 8),
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.config = {"n_features": n_features, "window": window, "n_out": n_out,
                       "d_hidden": d_hidden, "kernel_size": kernel_size,
                       "dilations": list(dilations), "dropout": dropout}
        widths = [n_features] + [d_hidden] * len(dilations)
        self.blocks = nn.Sequential(*[
            _CausalBlock(widths[i], widths[i + 1], kernel_size, d, dropout)
            for i, d in enumerate(dilations)])
        self.head = nn.Linear(d_hidden, n_out)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        h = self.blocks(x_num.transpose(1, 2))  # (B, W, F) -> (B, F, W) -> (B, d_hidden, W)
        return self.head(h[:, :, -1]).unsqueeze(1)  # last step -> (B, 1, n_out)
