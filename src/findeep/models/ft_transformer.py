"""FT-Transformer (Gorishniy et al., NeurIPS 2021): each column becomes a token and a
Transformer lets every column attend to every other.

- Feature tokenizer: numeric column j becomes ``x_j * w_j + b_j`` and categorical column j
  its embedding plus ``b_j``, all of width ``d_token``; a learned [CLS] token is appended.
- ``n_blocks`` pre-norm Transformer blocks: multi-head self-attention, then a ReGLU
  feed-forward layer, each added back to its input (the first block skips its first
  LayerNorm, as in the paper: the tokens are fresh from a linear map).
- The [CLS] token's final state goes through LayerNorm, ReLU and a linear head.

findeep keeps it as the attention-based option, not as ``default``: on the panel
(``benchmarks/ablations.py``, ``benchmarks/run_panel.py``) it ties ``default`` on AUC at
10-60x the fit time, since attention over every column pair costs far more per row than
an MLP on 2 CPU cores. For the same reason its width and depth sit at the small end of
the paper's search space (64-wide tokens, 2 blocks; the paper's default is 192 and 3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from findeep.errors import ConfigError


class _Block(nn.Module):
    """Pre-norm Transformer block: attention, then ReGLU feed-forward, each residual."""

    def __init__(self, *, d_token: int, n_heads: int, d_ffn: int, attention_dropout: float,
                 ffn_dropout: float, residual_dropout: float, first: bool) -> None:
        super().__init__()
        self.attention_norm: nn.Module = nn.Identity() if first else nn.LayerNorm(d_token)
        self.attention = nn.MultiheadAttention(d_token, n_heads, dropout=attention_dropout,
                                               batch_first=True)
        self.ffn_norm = nn.LayerNorm(d_token)
        self.ffn_in = nn.Linear(d_token, 2 * d_ffn)
        self.ffn_out = nn.Linear(d_ffn, d_token)
        self.ffn_dropout = nn.Dropout(ffn_dropout)
        self.residual_dropout = nn.Dropout(residual_dropout)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.attention_norm(tokens)
        h, _ = self.attention(h, h, h, need_weights=False)
        tokens = tokens + self.residual_dropout(h)
        value, gate = self.ffn_in(self.ffn_norm(tokens)).chunk(2, dim=-1)
        h = self.ffn_out(self.ffn_dropout(value * F.relu(gate)))  # ReGLU
        return tokens + self.residual_dropout(h)


class FTTransformer(nn.Module):
    """Shape: ``(B, d_num), (B, n_cat) -> (B, 1, n_out)``.

    >>> model = FTTransformer(n_num=3, cardinalities=[4], n_out=1)
    >>> model(torch.zeros(2, 3), torch.zeros(2, 1, dtype=torch.long)).shape
    torch.Size([2, 1, 1])
    """

    # attention and LayerNorm bend the output along Integrated Gradients' path: 32 points
    # left sums 0.05 log-odds off on held-out rows; the error is not monotone in the points
    # (on one fit: 64 -> 0.020, 128 -> 0.028, 200 -> 0.007, 256 -> 0.007, 512 -> 0.002), so
    # 256 keep it well under 0.02 (measured on the driver table, 100 held-out rows)
    attribution_steps = 256
    # a row costs ~40x a default member's (3,800 vs 40,000 rows/s for default's 4 members on
    # the credit sample, one thread), so batches of 128+ rows train on two threads: 1.3-1.8x
    # faster than one (8,000 rows, batch 512, measured)
    row_cost = 16

    def __init__(
        self, *, n_num: int, cardinalities: list[int], n_out: int,
        x_num_train: np.ndarray | None = None, d_token: int = 64, n_blocks: int = 2,
        n_heads: int = 4, attention_dropout: float = 0.1, ffn_dropout: float = 0.05,
        residual_dropout: float = 0.0, ffn_factor: float = 4 / 3, **_: Any,
    ) -> None:
        super().__init__()
        if n_num + len(cardinalities) == 0:
            raise ConfigError("the FT-Transformer needs at least one input column.")
        if d_token % n_heads:
            raise ConfigError(f"d_token must be a multiple of n_heads, however: {d_token=}, "
                             f"{n_heads=}")
        self.config = {"n_num": n_num, "cardinalities": list(cardinalities), "n_out": n_out,
                       "d_token": d_token, "n_blocks": n_blocks, "n_heads": n_heads,
                       "attention_dropout": attention_dropout, "ffn_dropout": ffn_dropout,
                       "residual_dropout": residual_dropout, "ffn_factor": ffn_factor}
        bound = d_token**-0.5  # the paper's initialisation of every token parameter
        self.num_weight = nn.Parameter(torch.empty(n_num, d_token).uniform_(-bound, bound))
        self.num_bias = nn.Parameter(torch.empty(n_num, d_token).uniform_(-bound, bound))
        self.cat_embeddings = nn.ModuleList(nn.Embedding(c, d_token) for c in cardinalities)
        for embedding in self.cat_embeddings:
            nn.init.uniform_(embedding.weight, -bound, bound)
        self.cat_bias = nn.Parameter(
            torch.empty(len(cardinalities), d_token).uniform_(-bound, bound))
        self.cls = nn.Parameter(torch.empty(1, 1, d_token).uniform_(-bound, bound))
        d_ffn = int(d_token * ffn_factor)
        self.blocks = nn.ModuleList(
            _Block(d_token=d_token, n_heads=n_heads, d_ffn=d_ffn,
                   attention_dropout=attention_dropout, ffn_dropout=ffn_dropout,
                   residual_dropout=residual_dropout, first=i == 0)
            for i in range(n_blocks))
        self.head_norm = nn.LayerNorm(d_token)
        self.head = nn.Linear(d_token, n_out)

    @property
    def n_tokens(self) -> int:
        return self.config["n_num"] + len(self.config["cardinalities"])

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """The feature tokens, flattened: ``(B, n_tokens * d_token)``."""
        tokens = [x_num.unsqueeze(-1) * self.num_weight + self.num_bias]  # (B, F, d)
        if self.cat_embeddings:
            tokens.append(torch.stack([emb(x_cat[:, j]) for j, emb
                                       in enumerate(self.cat_embeddings)], dim=1)
                          + self.cat_bias)
        return torch.cat(tokens, dim=1).flatten(1)

    def embedding_slots(self) -> list[tuple[str, int]]:
        """For each slot of ``embed``'s output, the input column it comes from."""
        d = self.config["d_token"]
        slots = [("num", j) for j in range(self.config["n_num"]) for _ in range(d)]
        return slots + [("cat", j) for j in range(len(self.config["cardinalities"]))
                        for _ in range(d)]

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(x_num, x_cat))

    def forward_embedded(self, x: torch.Tensor) -> torch.Tensor:
        """Logits from the flattened tokens: ``(B, n_tokens * d) -> (B, 1, n_out)``."""
        tokens = x.view(x.shape[0], self.n_tokens, self.config["d_token"])
        tokens = torch.cat([tokens, self.cls.expand(x.shape[0], -1, -1)], dim=1)
        for block in self.blocks:
            tokens = block(tokens)
        cls = F.relu(self.head_norm(tokens[:, -1]))
        return self.head(cls).unsqueeze(1)
