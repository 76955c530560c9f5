"""A bag's members scored in one stacked pass: the small-batch path of serving a bag.

A ``BaggedNetwork`` of m ``TabMPLE`` members scored member by member runs every small
operation m times (encode, embed each categorical, concatenate, first layer, hidden layers,
heads): for one record that is ~20 tiny products per member, and the per-operation overhead,
not arithmetic, is the cost. ``StackedBag`` runs each step once for all members, with a
leading member axis:

- the piecewise-linear encodings of all members in one ``(m, B, F, T)`` pass, their
  per-feature layers as one batched product;
- every categorical column folded into the first layer: member i's table
  ``E_j @ (W_i * r_i)[slots of j]`` (``(cardinality, k * d_block)``; for a one-hot column the
  rows of the weight itself) is precomputed, so all columns of all members become one
  ``embedding_bag`` sum; the ``wide`` path's weights ride along as extra columns of the same
  product, so a wide member's linear logits come out of it too;
- hidden layers and heads as batched products over the member axis.

Same arithmetic up to float rounding (the folded tables are computed in float64; logits
agree with the member loop to ~5e-7, probabilities to ~1e-7). One record through a bag of 2-5
default networks (k=4, 14 columns, one thread): 3.2-4.4x less network CPU than the member
loop; served end to end (``benchmarks/bag_scoring.py``: encoding and output included) 5
members take 0.48 instead of 0.98 CPU ms. Large batches gain nothing
(each member's fused pass is already bound by its products, and the stacked one holds m
times the activations), so ``models/inference.py`` uses this path only up to
``STACKED_MAX_ROWS`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from findeep.models.tabm_ple import (
    DENSE_MAX_FEATURES,
    TabMPLE,
    category_width,
    signed_first_layer,
)

# up to here the stacked pass is cheaper: network CPU, 2-5 members of the default k=4 on 14
# columns, one thread (`bag_scoring.py --crossover`, two runs on a loaded machine): 1.2-1.5x
# less at 64 rows, 0.8-1.15x at 128, 0.5-0.95x (more CPU) at 256
STACKED_MAX_ROWS = 64


class StackedBag:
    """``(B, d_num), (B, n_cat) -> (B, m * k, n_out)``, equal to ``BaggedNetwork.forward``.

    ``linears[i]`` are member i's backbone layers (``[Linear, ReLU]`` blocks, dropout
    skipped); ``models/inference.py`` decides which bags can be stacked.
    """

    def __init__(self, members: list[TabMPLE], linears: list[list[nn.Linear]]) -> None:
        hidden = [layers[1:] for layers in linears]
        config = members[0].config
        self.m = len(members)
        self.k = members[0].k
        self.n_out = int(config["n_out"])
        self.n_num = int(config["n_num"])
        self.d_block = linears[0][0].out_features
        self.wide_width = self.k * self.n_out if config.get("wide") else 0
        self.n_cat = len(config["cardinalities"])
        with torch.no_grad():
            folded = [_fold_first_layer(member) for member in members]
            # (m, C) with C = k * d_block [+ k * n_out wide columns]
            self.first_bias = torch.stack([f.bias for f in folded]).unsqueeze(1)
            # numerics are the same for every member: one (F, m * C) product
            self.raw_weight = torch.cat([f.raw for f in folded], dim=1)
            self.ple_weight = (torch.stack([f.ple for f in folded])
                               if members[0].encoding is not None else None)  # (m, F*E, C)
            self.level_weight = (torch.stack([f.levels for f in folded])
                                 if members[0].level_column.numel() else None)  # (m, L, C)
            # every categorical column of every member: one (sum of codes, m * C) table
            self.cat_table = (torch.cat([f.cat for f in folded], dim=1)
                              if self.n_cat else None)
            offsets = [0]
            for cardinality in config["cardinalities"][:-1]:
                offsets.append(offsets[-1] + cardinality)
            self.cat_offsets = torch.tensor(offsets, dtype=torch.long)
            self.encoding = _stack_encodings(members)
            self.level_values = (torch.stack([m.level_values for m in members]).unsqueeze(1)
                                 if self.level_weight is not None else None)  # (m, 1, L)
            self.level_column = members[0].level_column
            self.hidden = [(torch.stack([layer.weight.t() for layer in layers]),  # (m, d, d)
                            torch.stack([layer.bias for layer in layers]).unsqueeze(1))
                           for layers in zip(*hidden, strict=True)]
            self.head_weight = torch.stack([m.head_weight for m in members])  # (m, k, d, n_out)
            self.head_bias = torch.stack([m.head_bias for m in members]).unsqueeze(1)

    def __call__(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        m, rows = self.m, x_num.shape[0]
        width = self.first_bias.shape[-1]
        # first layer, parts shared by all members: raw numerics and folded categoricals
        first = x_num @ self.raw_weight  # (B, F) @ (F, m * C) -> (B, m * C)
        if self.cat_table is not None:
            first += nn.functional.embedding_bag(x_cat + self.cat_offsets, self.cat_table,
                                                 mode="sum")
        first = first.view(rows, m, width).transpose(0, 1) + self.first_bias  # (m, B, C)
        if self.ple_weight is not None:
            first = torch.baddbmm(first, self._numeric_embeddings(x_num), self.ple_weight)
        if self.level_weight is not None:  # (m, B, L): 1 where a column holds that value
            levels = (x_num[:, self.level_column].unsqueeze(0) == self.level_values)
            first = torch.baddbmm(first, levels.to(x_num.dtype), self.level_weight)
        kd = self.k * self.d_block
        h = first[..., :kd].relu().reshape(m, rows * self.k, self.d_block)  # (m, B * k, d)
        for weight_t, bias in self.hidden:
            h = torch.baddbmm(bias, h, weight_t).relu_()
        h = h.view(m, rows, self.k, self.d_block)
        if self.n_out == 1:  # (m, B, k, d) * (m, 1, k, d) -> (m, B, k, 1)
            out = (h * self.head_weight[..., 0].unsqueeze(1)).sum(-1, keepdim=True)
        else:
            out = torch.einsum("mbkd,mkdo->mbko", h, self.head_weight)
        out = out + self.head_bias  # (m, 1, k, n_out)
        if self.wide_width:
            out = out + first[..., kd:].reshape(m, rows, self.k, self.n_out)
        # (m, B, k, n_out) -> (B, m * k, n_out): member i's k logits at [i * k, (i + 1) * k)
        return out.transpose(0, 1).reshape(rows, m * self.k, self.n_out)

    def _numeric_embeddings(self, x_num: torch.Tensor) -> torch.Tensor:
        """All members' per-feature embeddings, ``(B, F) -> (m, B, F * E)``."""
        offset, inverse_width, floor, ceiling, weight, bias = self.encoding
        ratio = torch.addcmul(offset, x_num[None, :, :, None], inverse_width)  # (m, B, F, T)
        encoded = torch.clamp(ratio, floor, ceiling)
        m, rows = encoded.shape[:2]
        if self.n_num <= DENSE_MAX_FEATURES:  # (m, B, F*T) @ (m, F*T, F*E)
            embedded = torch.baddbmm(bias, encoded.view(m, rows, -1), weight)
        else:
            embedded = torch.einsum("mbft,mfte->mbfe", encoded, weight).flatten(2) + bias
        return embedded.relu_()


@dataclass(frozen=True)
class _Folded:
    """One member's first layer, split by the kind of input feeding it (all ``(rows, C)``)."""

    raw: torch.Tensor  # the scaled numerics
    ple: torch.Tensor  # their piecewise-linear embeddings
    cat: torch.Tensor  # every categorical column's codes, one table after another
    levels: torch.Tensor  # numeric level indicators
    bias: torch.Tensor  # (C,)


def _fold_first_layer(member: TabMPLE) -> _Folded:
    """Member signs, categorical lookups and the wide path folded into one first layer.

    Columns: ``k * d_block`` for the backbone (``(W * r_i)`` for member i), then ``k * n_out``
    wide columns if the member has a wide path. Computed in float64, stored in float32.
    """
    k, config = member.k, member.config
    n_num, d_in = config["n_num"], member.d_in
    weight, bias = signed_first_layer(member, torch.float64)  # (d_in, k * d_block), (k * d_block,)
    if config.get("wide"):
        wide = torch.zeros(d_in, k * config["n_out"], dtype=torch.float64)
        wide[:member.wide_num.shape[0]] = member.wide_num.double()
        weight = torch.cat([weight, wide], dim=1)
        bias = torch.cat([bias, torch.zeros(wide.shape[1], dtype=torch.float64)])
    n_ple = n_num * config["d_embedding"] if member.encoding is not None else 0
    cat_start = n_num + n_ple
    tables = []
    lookup = member.cat_lookup
    for j, cardinality in enumerate(config["cardinalities"]):
        slots = category_width(cardinality, config["one_hot_max"])
        rows = weight[cat_start:cat_start + slots]
        table = rows if lookup.one_hot[j] else lookup.table(j).double() @ rows
        if config.get("wide"):  # the level's own wide weights: the extra columns
            table = table.clone()
            table[:, -k * config["n_out"]:] += member.wide_cat[j].weight.double()
        tables.append(table)
        cat_start += slots
    width = weight.shape[1]
    cat = torch.cat(tables) if tables else torch.zeros(0, width, dtype=torch.float64)
    return _Folded(weight[:n_num].float(), weight[n_num:n_num + n_ple].float(), cat.float(),
                   weight[cat_start:d_in].float(), bias.float())


def _stack_encodings(members: list[TabMPLE]) -> tuple[torch.Tensor, ...] | None:
    """Every member's piecewise-linear bins and per-feature layers with a member axis:
    offset, inverse width, floor, ceiling ``(m, 1, F, T)``, weight, bias."""
    if members[0].encoding is None:
        return None
    encodings = [member.encoding for member in members]
    inverse_width = torch.stack([e.inverse_width for e in encodings]).unsqueeze(1)
    left = torch.stack([e.left for e in encodings]).unsqueeze(1)
    floor = torch.stack([e.floor for e in encodings]).unsqueeze(1)
    ceiling = torch.stack([e.ceiling for e in encodings]).unsqueeze(1)
    bias = torch.stack([member.num_bias.flatten() for member in members]).unsqueeze(1)
    if members[0].config["n_num"] <= DENSE_MAX_FEATURES:
        weight = torch.stack([member.block_diagonal_weight() for member in members])
    else:
        weight = torch.stack([member.num_weight for member in members])  # (m, F, T, E)
    return -left * inverse_width, inverse_width, floor, ceiling, weight, bias
