"""``text-cnn``: convolutions of several widths over learned token embeddings, max-pooled.

Kim (2014)'s sentence CNN. Windows that hold only padding are left out of the max, so a
text's vector does not depend on how long the other texts in its batch are.

Scoring takes a shortcut (``forward_ids``): a convolution over embeddings is a sum, over the
kernel's taps, of ``W_tap @ embedding(token)`` — a product that depends only on the token.
So the products of every vocabulary token with every tap are computed once (a table of
``n_taps x vocab x n_filters``, 14 x 8,001 x 128 floats = 57 MB for the defaults, rebuilt
whenever the weights change) and a convolution becomes ``n_taps`` row lookups and adds:
about 128x fewer multiplications; the same numbers up to float rounding (1e-6, tested).
Measured: the encoder 2.7x faster per CPU-second on PhraseBank-length batches
(BENCHMARKS.md, "Financial text"). Training and explanations keep the convolution (they
need gradients through the embeddings).

Shape: ``embedded (B, L, d_embedding)``, ``mask (B, L)`` -> ``(B, n_filters * len(widths))``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# largest lookup table kept (floats; 128 MB): past it, scoring convolves as training does
MAX_TABLE_FLOATS = 32_000_000


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
        self._table: torch.Tensor | None = None
        self._table_key: tuple[int, ...] = ()

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

    # ---- scoring by lookup --------------------------------------------------------------------
    def lookup_table(self) -> torch.Tensor | None:
        """``(n_taps, vocab + 1, n_filters)``: each token's product with each tap (the last
        row zero, for padding); ``None`` when it would exceed ``MAX_TABLE_FLOATS``."""
        weight = self.token_embedding.weight
        n_taps = sum(self.widths)
        if n_taps * (weight.shape[0] + 1) * self.convs[0].out_channels > MAX_TABLE_FLOATS:
            return None
        params = [weight, *(c.weight for c in self.convs)]
        key = tuple(v for p in params for v in (id(p), p._version, p.data_ptr()))
        if self._table is None or key != self._table_key:
            with torch.no_grad():
                taps = [weight @ conv.weight[:, :, k].T  # (V, d) @ (d, F) -> (V, F)
                        for conv in self.convs for k in range(conv.kernel_size[0])]
                table = torch.stack(taps)  # (n_taps, V, F)
                self._table = torch.cat([table, table.new_zeros(n_taps, 1, table.shape[2])], 1)
            self._table_key = key
        return self._table

    def forward_ids(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor | None:
        """``forward(token_embedding(ids), mask)`` by table lookups (no gradients); ``None``
        when the table would be too large. ``ids (B, L)``, ``mask (B, L)`` -> ``(B, d_out)``."""
        table = self.lookup_table()
        if table is None:
            return None
        zero_row = table.shape[1] - 1
        reach = max(self.widths) - 1
        length = ids.shape[1]
        # padding -> the zero row; `reach` zero rows either side stand for the convolutions'
        # own zero padding
        index = F.pad(ids.masked_fill(~mask, zero_row), (reach, reach), value=zero_row)
        lengths = mask.sum(dim=1, keepdim=True)  # (B, 1)
        pooled, tap = [], 0
        for conv, w in zip(self.convs, self.widths, strict=True):
            n_out = length + w - 1
            start = reach - (w - 1)
            h = F.embedding(index[:, start:start + n_out], table[tap])  # (B, L + w - 1, F)
            for k in range(1, w):
                h.add_(F.embedding(index[:, start + k:start + k + n_out], table[tap + k]))
            tap += w
            h.add_(conv.bias).relu_()
            valid = torch.arange(n_out, device=h.device) < lengths + (w - 1)  # (B, L + w - 1)
            pooled.append((h * valid.unsqueeze(2)).amax(dim=1))  # (B, F)
        return torch.cat(pooled, dim=1)
