"""``text-cnn``: convolutions of several widths over learned token embeddings, max-pooled.

Kim (2014)'s sentence CNN. Windows that hold only padding are left out of the max, so a
text's vector does not depend on how long the other texts in its batch are.

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
        # texts are left-aligned (padding on the right), so the window ending at output
        # position j, covering input positions [j-w+1, j], overlaps a real token exactly
        # when j < length + w - 1; after the ReLU every value is >= 0, so zeroing the other
        # windows leaves the max over the valid ones unchanged (the same result as masking
        # them to -inf, at a fraction of the cost)
        lengths = mask.sum(dim=1, keepdim=True)  # (B, 1)
        pooled = []
        for conv, w in zip(self.convs, self.widths, strict=True):
            h = conv(x).relu_()  # (B, F, L + w - 1)
            valid = torch.arange(h.shape[2], device=h.device) < lengths + (w - 1)  # (B, L+w-1)
            pooled.append((h * valid.unsqueeze(1)).amax(dim=2))  # (B, F)
        return torch.cat(pooled, dim=1)
