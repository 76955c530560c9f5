"""Every categorical column's lookup in one gather.

The default network used to hold one ``nn.Embedding`` per categorical column (or a fixed
one-hot lookup for small ones): on a table with 30 categoricals that is 30 lookups forward,
30 embedding backwards, 30 parameters for the gradient clip and the optimiser, every step.
On small tables, where a step is a few milliseconds, that bookkeeping was about a fifth of
the training time (wooldridge/loanapp, BENCHMARKS.md "the network's fit time").

``CategoricalLookup`` keeps the same tables and computes the same output, slot for slot, with
one gather from one flat tensor: every learned table (``(c_j, w_j)``, initialised as
``nn.Embedding`` initialises it, in column order, so the same seed draws the same numbers)
flattened into one parameter, and the one-hot columns' identity tables in a constant buffer.
Output slot ``s`` of column ``j`` for code ``v`` reads flat element
``start_j + v * w_j + s``.

Codes must lie in ``[0, c_j)``: the feature encoders guarantee it (0 is the unknown level).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def embedding_width(cardinality: int) -> int:
    """A fastai-style rule of thumb for a categorical embedding's width, capped at 16."""
    return int(min(16, round(1.6 * cardinality**0.56)))


def category_width(cardinality: int, one_hot_max: int) -> int:
    """Input width of one categorical: its code count one-hot, else an embedding's width."""
    return cardinality if cardinality <= one_hot_max else embedding_width(cardinality)


class CategoricalLookup(nn.Module):
    """Codes ``(B, n_cat)`` -> the columns' embeddings and one-hot rows side by side,
    ``(B, sum of widths)``, in column order."""

    def __init__(self, cardinalities: list[int], one_hot_max: int) -> None:
        super().__init__()
        self.cardinalities = [int(c) for c in cardinalities]
        self.widths = [category_width(c, one_hot_max) for c in self.cardinalities]
        self.one_hot = [c <= one_hot_max for c in self.cardinalities]
        learned, fixed, starts = [], [], []
        n_learned = sum(c * w for c, w, hot in zip(self.cardinalities, self.widths,
                                                    self.one_hot, strict=True) if not hot)
        for c, w, hot in zip(self.cardinalities, self.widths, self.one_hot, strict=True):
            if hot:
                starts.append(n_learned + sum(t.numel() for t in fixed))
                fixed.append(torch.eye(c).flatten())
            else:
                starts.append(sum(t.numel() for t in learned))
                table = torch.empty(c, w)
                nn.init.normal_(table)  # nn.Embedding's initialisation
                learned.append(table.flatten())
        # absent when no column is learned, so such a network's state keys are unchanged
        self.weight = nn.Parameter(torch.cat(learned)) if learned else None
        self.register_buffer("identity", torch.cat(fixed) if fixed else torch.zeros(0),
                             persistent=False)
        column = [j for j, w in enumerate(self.widths) for _ in range(w)]
        self.register_buffer("column", torch.tensor(column, dtype=torch.long), persistent=False)
        self.register_buffer("stride", torch.tensor(
            [self.widths[j] for j in column], dtype=torch.long), persistent=False)
        self.register_buffer("start", torch.tensor(
            [starts[j] + s for j, w in enumerate(self.widths) for s in range(w)],
            dtype=torch.long), persistent=False)

    @property
    def width(self) -> int:
        return int(self.column.numel())

    def _source(self) -> torch.Tensor:
        if self.weight is None:
            return self.identity
        if self.identity.numel() == 0:
            return self.weight
        return torch.cat([self.weight, self.identity])

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        if self.width == 0:
            return codes.new_zeros((codes.shape[0], 0), dtype=self._dtype())
        index = codes[:, self.column] * self.stride + self.start  # (B, slots)
        return self._source().index_select(0, index.flatten()).view(index.shape)

    def _dtype(self) -> torch.dtype:
        return self.weight.dtype if self.weight is not None else self.identity.dtype

    def table(self, j: int) -> torch.Tensor:
        """Column ``j``'s table ``(c_j, w_j)``: a view of the learned weight, or the identity."""
        c, w = self.cardinalities[j], self.widths[j]
        first = int(self.start[sum(self.widths[:j])])
        return self._source()[first:first + c * w].view(c, w)

    def legacy_keys(self, prefix: str) -> list[str]:
        """The per-column keys of networks saved before the lookup was fused (``prefix`` is
        the network's, e.g. ``cat_embeddings.``): one ``{prefix}{j}.weight`` per learned
        column."""
        return [f"{prefix}{j}.weight" for j, hot in enumerate(self.one_hot) if not hot]


def fuse_legacy_state(state: dict[str, Any], prefix: str, lookup: CategoricalLookup) -> None:
    """Rewrite a saved state's per-column embedding weights (``{prefix}cat_embeddings.{j}
    .weight``) as the fused ``{prefix}cat_lookup.weight``, in place; a state already fused,
    or a network without learned columns, is left alone."""
    keys = lookup.legacy_keys(f"{prefix}cat_embeddings.")
    if not keys or not all(key in state for key in keys):
        return
    state[f"{prefix}cat_lookup.weight"] = torch.cat([state.pop(key).flatten() for key in keys])
