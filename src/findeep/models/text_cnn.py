"""``text-cnn``: convolutions of several widths over learned token embeddings, max-pooled.

Kim (2014)'s sentence CNN. Padding positions are masked to -inf before the max, so a text's
vector does not depend on how long the other texts in its batch are.

Shape: ``embedded (B, L, d_embedding)``, ``mask (B, L)`` -> ``(B, n_filters * len(widths))``.
"""

from __future__ import annotations

import torch
from torch import nn


class TextCNN(nn.Module):
    """Token embeddings -> Conv1d per width -> ReLU -> masked max over positions -> concat."""

    def __init__(self, *, vocab_size: int, d_embedding: int = 128,
                 widths: tuple[int, ...] = (2, 3, 4, 5), n_filters: int = 128,
                 pad_id: int = 0) -> None:
        super().__init__()
        if not widths or min(widths) < 1:
            raise ValueError(f"widths must be positive integers, however: {widths=}")
        self.token_embedding = nn.Embedding(vocab_size, d_embedding, padding_idx=pad_id)
        self.convs = nn.ModuleList(nn.Conv1d(d_embedding, n_filters, w, padding=w - 1)
                                   for w in widths)
        self.widths = tuple(widths)
        self.d_out = n_filters * len(widths)

    def forward(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = (embedded * mask.unsqueeze(-1)).transpose(1, 2)  # (B, L, d) -> (B, d, L)
        pooled = []
        for conv, w in zip(self.convs, self.widths, strict=True):
            h = conv(x).relu()  # (B, F, L + w - 1): each output covers positions [j-w+1, j]
            # a window position is valid when it overlaps at least one real token
            valid = nn.functional.max_pool1d(
                nn.functional.pad(mask.float(), (w - 1, w - 1)).unsqueeze(1), w, 1).squeeze(1)
            h = h.masked_fill(valid.unsqueeze(1) < 0.5, float("-inf"))
            pooled.append(h.amax(dim=2))  # (B, F)
        return torch.cat(pooled, dim=1)
