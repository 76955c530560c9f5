"""``text-bilstm``: learned token embeddings read by a bidirectional LSTM.

The texts are packed (``pack_padded_sequence``), so padding never enters the recurrence and
a text scores the same alone or in a batch. The text's vector is the last hidden state of
each direction beside the max over positions of the outputs.

Shape: ``embedded (B, L, d_embedding)``, ``mask (B, L)`` -> ``(B, 4 * d_hidden)``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class TextBiLSTM(nn.Module):
    """Token embeddings -> BiLSTM -> [last forward; last backward; max over outputs]."""

    def __init__(self, *, vocab_size: int, d_embedding: int = 128, d_hidden: int = 128,
                 n_layers: int = 1, pad_id: int = 0) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, d_embedding, padding_idx=pad_id)
        self.lstm = nn.LSTM(d_embedding, d_hidden, num_layers=n_layers, batch_first=True,
                            bidirectional=True)
        self.d_out = 4 * d_hidden

    def forward(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(dim=1).clamp(min=1).cpu()
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        outputs, (h_n, _) = self.lstm(packed)
        padded, _ = pad_packed_sequence(outputs, batch_first=True,
                                        total_length=embedded.shape[1])  # (B, L, 2H)
        padded = padded.masked_fill(~mask.bool().unsqueeze(-1), float("-inf"))
        last = torch.cat([h_n[-2], h_n[-1]], dim=1)  # (B, 2H): forward and backward finals
        return torch.cat([last, padded.amax(dim=1)], dim=1)
