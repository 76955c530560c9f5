"""findeep's default tabular network: numeric embeddings + a parameter-efficient ensemble.

- Numerics pass through a piecewise-linear encoding against quantile bins of the training
  rows, then a per-feature linear layer and ReLU (the "MLP-PLR"/"PLE" family: lets a network
  express threshold effects that trees find easily). The raw scaled value is kept beside it
  so near-linear behaviour stays one step away.
- Categoricals with at most ``one_hot_max`` codes enter one-hot (a fixed identity lookup:
  nothing to learn from few rows per level); wider ones get learned embeddings.
- The backbone is TabM-mini: ``k`` members share every MLP weight; each member multiplies
  the input by its own vector ``r_i`` and has its own output head. Training averages the k
  members' losses, inference averages their probabilities.
- ``wide=True`` adds a linear ("wide", as in Wide & Deep) path to every member's logit: a
  weight per scaled numeric input and one per categorical level, zero at the start and
  trained jointly, so the network contains logistic regression on the same inputs.
  ``wide="additive"`` puts that linear term on the whole embedded input instead (the scaled
  values, the per-feature piecewise-linear embeddings, the categorical embeddings): an
  additive model of per-feature curves beside the MLP.
- ``level_one_hot_max=N`` also offers every numeric column with 3 to N distinct training
  values (codes, counts, day of month) as one-hot indicators of those values, beside its
  number; a value not seen in training sets none of them.
- Regularisers for small or wide, noisy tables (off by default; measured in BENCHMARKS.md,
  issue 12, tenth session): ``feature_fraction=f`` < 1 lets member i see only a random
  fraction f of the input columns (every slot of a column kept or dropped together; drawn
  once, saved with the network), the random-subspace method inside the k members;
  ``input_noise=s`` adds Gaussian noise of std s to the scaled numerics while training;
  ``group_lasso=l`` adds l x the sum over input columns of the norm of the first layer's
  weights on that column's slots to the training loss (``penalty``).

Members of a bag (``models/bagged.py``) must share one architecture, so what shapes it is read
from all of the bag's training rows once (``shared_architecture``: the level values, the
columns left unencoded) and handed to every member; each member still places its bin edges on
its own fit rows, and a level absent from them starts, and stays, with zero weight, exactly
as if the member had never seen it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from findeep.errors import ConfigError
from findeep.models.categorical_lookup import (
    CategoricalLookup,
    category_width,
    fuse_legacy_state,
)

_FAR = 1.0e4  # left edge of padding bins: their encoding is always 0
# Up to this many numeric inputs, the per-feature layers run as one block-diagonal product;
# past it the F-fold wasted multiply-adds cost more than F small products (measured at 24).
DENSE_MAX_FEATURES = 16


def quantile_bin_edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Distinct quantile edges of one feature's training values (at least two)."""
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, n_bins + 1)))
    if edges.size < 2:
        edges = np.array([edges[0], edges[0] + 1.0])
    return edges


def unencoded_columns(x_num_train: np.ndarray, plain_max_values: int) -> list[int]:
    """Numeric columns with at most ``plain_max_values`` distinct training values (codes,
    small counts): ``plain_max_values`` leaves them out of the piecewise-linear encoding."""
    if not plain_max_values:
        return []
    return [j for j in range(x_num_train.shape[1])
            if np.unique(x_num_train[:, j]).size <= plain_max_values]


def numeric_levels(x_num_train: np.ndarray, level_one_hot_max: int) -> list[np.ndarray]:
    """Per numeric column, its distinct training values (float32) when there are 3 to
    ``level_one_hot_max`` of them, else none: what ``level_one_hot_max`` one-hot encodes."""
    levels = []
    for j in range(x_num_train.shape[1]):
        distinct = np.unique(x_num_train[:, j].astype(np.float32))
        keep = level_one_hot_max and 3 <= distinct.size <= level_one_hot_max
        levels.append(distinct if keep else np.zeros(0, dtype=np.float32))
    return levels


def shared_architecture(x_num_train: np.ndarray, *, plain_max_values: int = 0,
                        level_one_hot_max: int = 0, **_: Any) -> dict[str, Any]:
    """The data-derived facts that shape a ``TabMPLE`` (and must agree across a bag's
    members), read from ``x_num_train``: keyword arguments that fix them in the constructor."""
    facts: dict[str, Any] = {}
    if plain_max_values:
        facts["plain_columns"] = unencoded_columns(x_num_train, plain_max_values)
    if level_one_hot_max:
        facts["levels"] = numeric_levels(x_num_train, level_one_hot_max)
    return facts


class PiecewiseLinearEncoding(nn.Module):
    """Encode each scalar as how far it fills each of its feature's bins.

    Shape: ``(B, d_num) -> (B, d_num, n_bins)``. A value below bin t's left edge gives 0,
    above its right edge 1, in between the fraction; the first and last real bins may
    extrapolate (below 0, above 1).
    """

    def __init__(self, *, n_num: int, n_bins: int, x_num_train: np.ndarray | None,
                 plain_max_values: int = 0, plain: list[int] | None = None) -> None:
        """``plain`` (column positions) overrides ``plain_max_values``'s choice of the columns
        left unencoded (a bag's members share the choice made on all its rows)."""
        super().__init__()
        left = torch.full((n_num, n_bins), _FAR)
        width = torch.ones(n_num, n_bins)
        # every bin's encoding is clamped to [0, 1], except that the first real bin may go
        # below 0 and the last real bin above 1 (extrapolation beyond the training range)
        floor = torch.zeros(n_num, n_bins)
        ceiling = torch.ones(n_num, n_bins)
        if x_num_train is not None:
            unencoded = set(unencoded_columns(x_num_train, plain_max_values) if plain is None
                            else plain)
            for j in range(n_num):
                if j in unencoded:
                    continue  # a code or small count: left unencoded (all bins padding)
                edges = torch.as_tensor(quantile_bin_edges(x_num_train[:, j], n_bins),
                                        dtype=torch.float32)
                t = edges.numel() - 1
                left[j, :t] = edges[:-1]
                width[j, :t] = edges[1:] - edges[:-1]
                floor[j, 0] = -torch.inf
                ceiling[j, t - 1] = torch.inf
        self.register_buffer("left", left)
        self.register_buffer("inverse_width", 1.0 / width)
        self.register_buffer("floor", floor)
        self.register_buffer("ceiling", ceiling)

    def forward(self, x_num: torch.Tensor) -> torch.Tensor:
        # (x - left) * inverse_width as one fused multiply-add, then one clamp: 20x faster on
        # the CPU than the four broadcast ops written out (18.7 -> 0.8 ms for 8,192 x 12)
        offset = -self.left * self.inverse_width  # (F, T)
        ratio = torch.addcmul(offset, x_num.unsqueeze(-1), self.inverse_width)  # (B, F, T)
        return torch.clamp(ratio, self.floor, self.ceiling)


class TabMPLE(nn.Module):
    """Shape: ``(B, d_num), (B, n_cat) -> (B, k, n_out)``.

    >>> model = TabMPLE(n_num=3, cardinalities=[4], n_out=1, k=4,
    ...                 x_num_train=np.random.default_rng(0).normal(size=(50, 3)))
    >>> model(torch.zeros(2, 3), torch.zeros(2, 1, dtype=torch.long)).shape
    torch.Size([2, 4, 1])
    """

    def __init__(
        self, *, n_num: int, cardinalities: list[int], n_out: int,
        x_num_train: np.ndarray | None = None, k: int = 4, n_bins: int = 16,
        d_embedding: int = 8, d_block: int = 128, n_blocks: int = 2, dropout: float = 0.0,
        one_hot_max: int = 0, wide: bool | str = False, plain_max_values: int = 0,
        level_one_hot_max: int = 0, level_counts: list[int] | None = None,
        levels: list[np.ndarray] | None = None, plain_columns: list[int] | None = None,
        feature_fraction: float = 1.0, input_noise: float = 0.0, group_lasso: float = 0.0,
        **_: Any,
    ) -> None:
        """``levels`` and ``plain_columns`` (from ``shared_architecture``) fix what
        ``level_one_hot_max`` and ``plain_max_values`` would read from ``x_num_train``;
        ``level_counts`` rebuilds a saved network's level slots before its buffers load."""
        super().__init__()
        if k < 1 or n_blocks < 1:
            raise ConfigError(f"k and n_blocks must be positive integers, however: {k=}, "
                             f"{n_blocks=}")
        self.config = {"n_num": n_num, "cardinalities": list(cardinalities), "n_out": n_out,
                       "k": k, "n_bins": n_bins, "d_embedding": d_embedding,
                       "d_block": d_block, "n_blocks": n_blocks, "dropout": dropout,
                       "one_hot_max": one_hot_max}
        if wide not in (False, True, "additive"):
            raise ConfigError(f"wide must be False, True or 'additive', however: {wide=}")
        check_regularisers(feature_fraction, input_noise, group_lasso)
        if wide:  # absent from the config of bundles saved before it existed
            self.config["wide"] = wide
        self.k = k
        d_in = n_num
        if n_bins > 0 and n_num > 0:
            self.encoding: PiecewiseLinearEncoding | None = PiecewiseLinearEncoding(
                n_num=n_num, n_bins=n_bins, x_num_train=x_num_train,
                plain_max_values=plain_max_values, plain=plain_columns)
            self.num_weight = nn.Parameter(torch.empty(n_num, n_bins, d_embedding))
            self.num_bias = nn.Parameter(torch.empty(n_num, d_embedding))
            bound = n_bins**-0.5
            nn.init.uniform_(self.num_weight, -bound, bound)
            nn.init.uniform_(self.num_bias, -bound, bound)
            # 1 where bin row (f, t) may feed embedding column (f, e): a block-diagonal mask
            self.register_buffer("block_mask", torch.eye(n_num).reshape(n_num, 1, n_num, 1),
                                 persistent=False)
            d_in += n_num * d_embedding
        else:
            self.encoding = None
        # every categorical's table in one lookup (one-hot columns hold no state); networks
        # saved with one nn.Embedding per column load through ``fuse_legacy_state``
        self.cat_lookup = CategoricalLookup(cardinalities, one_hot_max)
        self._register_load_state_dict_pre_hook(self._fuse_legacy_embeddings)
        d_in += self.cat_lookup.width
        # numeric columns with few distinct values, also one-hot: counts fixed at fit time
        # (kept in the config so a bundle rebuilds the same buffers before loading them)
        if levels is not None:
            levels = [np.asarray(v, dtype=np.float32) for v in levels]
        elif level_counts is not None:
            levels = [np.zeros(c, dtype=np.float32) for c in level_counts]
        elif level_one_hot_max and x_num_train is not None:
            levels = numeric_levels(x_num_train, level_one_hot_max)
        else:
            levels = [np.zeros(0, dtype=np.float32) for _ in range(n_num)]
        level_counts = [int(v.size) for v in levels]
        if any(level_counts):
            self.config["level_counts"] = list(level_counts)
        self.register_buffer("level_values", torch.from_numpy(np.concatenate(
            [*levels, np.zeros(0, dtype=np.float32)])))
        self.register_buffer("level_column", torch.tensor(
            [j for j, c in enumerate(level_counts) for _ in range(c)], dtype=torch.long),
            persistent=False)
        d_in += sum(level_counts)
        # r_i: random signs per member (TabM-mini's initialisation); all ones when k == 1
        signs = torch.ones(k, d_in)
        if k > 1:
            signs = torch.where(torch.rand(k, d_in) < 0.5, -1.0, 1.0)
        self.member_scale = nn.Parameter(signs)
        blocks: list[nn.Module] = []
        d = d_in
        for _ in range(n_blocks):
            blocks += [nn.Linear(d, d_block), nn.ReLU()]
            if dropout > 0:  # CPU dropout masks cost a quarter of an epoch; off by default
                blocks.append(nn.Dropout(dropout))
            d = d_block
        self.backbone = nn.Sequential(*blocks)
        if x_num_train is not None and sum(level_counts):
            self._silence_unseen_levels(x_num_train, d_in - sum(level_counts))
        self.head_weight = nn.Parameter(torch.empty(k, d, n_out))
        self.head_bias = nn.Parameter(torch.zeros(k, n_out))
        nn.init.uniform_(self.head_weight, -(d**-0.5), d**-0.5)
        self.d_in = d_in
        self.input_noise = float(input_noise)
        self.group_lasso = float(group_lasso)
        # absent from the config (and the state) of networks without them, as of bundles
        # saved before they existed
        for key, value, off in (("feature_fraction", feature_fraction, 1.0),
                                ("input_noise", input_noise, 0.0),
                                ("group_lasso", group_lasso, 0.0)):
            if value != off:
                self.config[key] = float(value)
        if wide:
            # zero at the start: the deep part begins exactly as without it (starting at a
            # fitted linear model made early stopping fire at epoch 1-3 in forecasting, #13)
            span = d_in if wide == "additive" else n_num  # leading slots of the embedding
            self.wide_num = nn.Parameter(torch.zeros(span, k * n_out))
            self.wide_cat = nn.ModuleList(nn.Embedding(c, k * n_out) for c in cardinalities)
            for table in self.wide_cat:
                nn.init.zeros_(table.weight)
        # (n_columns, d_in): 1 where a slot is that column's; built only when an option needs
        # it (subclasses may finish their slot bookkeeping after this constructor)
        groups = self._column_groups() if feature_fraction < 1.0 or group_lasso > 0 else None
        if feature_fraction < 1.0:
            self.register_buffer("member_mask", member_column_mask(groups, k, feature_fraction))
        else:
            self.member_mask = None
        if group_lasso > 0:
            self.register_buffer("column_groups", groups, persistent=False)

    def _column_groups(self) -> torch.Tensor:
        """``(n_columns, d_in)`` indicators of which embedded slots come from which input
        column (numerics first, then categoricals), from ``embedding_slots``."""
        slots = self.embedding_slots()[:self.d_in]
        columns = sorted(set(slots), key=lambda s: (s[0] != "num", s[1]))
        index = {column: i for i, column in enumerate(columns)}
        groups = torch.zeros(len(columns), self.d_in)
        groups[[index[s] for s in slots], torch.arange(self.d_in)] = 1.0
        return groups

    def member_scales(self) -> torch.Tensor:
        """Each member's input scale ``r_i`` ``(k, d_in)``, zero on the columns that member
        does not see (``feature_fraction``)."""
        if self.member_mask is None:
            return self.member_scale
        return self.member_scale * self.member_mask

    def penalty(self) -> torch.Tensor | None:
        """The training-loss term of ``group_lasso`` (None without it): the sum over input
        columns of the norm of the first layer's weights on that column's slots, scaled."""
        if not self.group_lasso:
            return None
        squares = self.backbone[0].weight.square().sum(0)  # (d_in,)
        return self.group_lasso * (self.column_groups @ squares + 1e-12).sqrt().sum()

    def _silence_unseen_levels(self, x_num_train: np.ndarray, first_slot: int) -> None:
        """Zero the first-layer weights of level slots no training row sets: their input is 0
        on every fit row, so the weights get no gradient and stay 0 (weight decay keeps 0 at
        0), and a value this network never saw moves its output no more than an unknown one."""
        columns = self.level_column.numpy()
        values = self.level_values.numpy()
        seen = np.array([np.isin(value, x_num_train[:, j].astype(np.float32))
                         for j, value in zip(columns, values, strict=True)], dtype=bool)
        with torch.no_grad():
            first = self.backbone[0]
            first.weight[:, first_slot + np.flatnonzero(~seen)] = 0.0

    def _fuse_legacy_embeddings(self, state: dict[str, Any], prefix: str,
                                *_: Any) -> None:
        fuse_legacy_state(state, prefix, self.cat_lookup)

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """The flat input vector the backbone sees, ``(B, d_in)``."""
        clean = x_num
        if self.training and self.input_noise > 0:  # noise injection: training only
            x_num = x_num + self.input_noise * torch.randn_like(x_num)
        parts = [x_num]
        if self.encoding is not None:
            encoded = self.encoding(x_num)  # (B, F, T)
            if self.config["n_num"] <= DENSE_MAX_FEATURES:
                embedded = torch.addmm(self.num_bias.flatten(), encoded.flatten(1),
                                       self.block_diagonal_weight())  # (B, F*E)
            else:
                embedded = (torch.einsum("bft,fte->bfe", encoded, self.num_weight)
                            + self.num_bias).flatten(1)
            parts.append(torch.relu(embedded))
        parts.append(self.cat_lookup(x_cat))
        if self.level_column.numel():  # (B, n_levels): 1 where the column holds that value
            parts.append((clean[:, self.level_column] == self.level_values).to(x_num.dtype))
        if self.config.get("wide"):  # each level's wide weights ride along: (B, n_cat*k*n_out)
            parts += [table(x_cat[:, j]) for j, table in enumerate(self.wide_cat)]
        return torch.cat(parts, dim=1)

    def wide_logits(self, x: torch.Tensor) -> torch.Tensor | None:
        """The linear path's logits from the embedded vector, ``(B, k, n_out)``; None without it.

        Numerics: the scaled values (the first ``n_num`` slots; with "additive" every slot
        up to ``d_in``) times per-member weights;
        categoricals: the sum of the looked-up per-level weights appended after ``d_in``.
        """
        if not self.config.get("wide"):
            return None
        k, n_out = self.k, self.config["n_out"]
        out = x[:, :self.wide_num.shape[0]] @ self.wide_num  # (B, k*n_out)
        if self.wide_cat:
            levels = x[:, self.d_in:].view(x.shape[0], len(self.wide_cat), k * n_out)
            out = out + levels.sum(1)
        return out.view(x.shape[0], k, n_out)

    def block_diagonal_weight(self) -> torch.Tensor:
        """The per-feature linear layers as one ``(F*T, F*E)`` matrix.

        For a few features, one dense product on this mostly-zero matrix is cheaper on the
        CPU than F small batched ones (an einsum): 2-4x for 4-12 features, training or scoring.
        """
        n_num, n_bins, d_embedding = self.num_weight.shape
        blocks = self.num_weight.unsqueeze(2) * self.block_mask  # (F, T, F, E)
        return blocks.reshape(n_num * n_bins, n_num * d_embedding)

    def embedding_slots(self) -> list[tuple[str, int]]:
        """For each slot of ``embed``'s output, the input it comes from: ("num", j) or ("cat", j).

        Lets attributions taken on the embedded vector be summed back to input columns.
        """
        n_num = self.config["n_num"]
        slots = [("num", j) for j in range(n_num)]
        if self.encoding is not None:
            d_embedding = self.config["d_embedding"]
            slots += [("num", j) for j in range(n_num) for _ in range(d_embedding)]
        one_hot_max = self.config["one_hot_max"]
        for j, c in enumerate(self.config["cardinalities"]):
            slots += [("cat", j)] * category_width(c, one_hot_max)
        slots += [("num", j) for j, c in enumerate(self.config.get("level_counts", []))
                  for _ in range(c)]
        if self.config.get("wide"):
            width = self.k * self.config["n_out"]
            slots += [("cat", j) for j in range(len(self.wide_cat)) for _ in range(width)]
        return slots

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(x_num, x_cat))

    def forward_embedded(self, x: torch.Tensor) -> torch.Tensor:
        """Logits from the embedded vector ``(B, d_in) -> (B, k, n_out)``.

        Member i sees ``x * r_i``; the first layer computes ``W (x * r_i)`` as ``(W * r_i) x``
        for all members in one product, which skips the ``(B, k, d_in)`` copy and its backward.
        """
        first = self.backbone[0]
        signed = first.weight.unsqueeze(0) * self.member_scales().unsqueeze(1)  # (k, d, d_in)
        deep = x[:, :self.d_in] if self.config.get("wide") else x
        h = nn.functional.linear(deep, signed.flatten(0, 1), first.bias.repeat(self.k))
        h = self.backbone[1:](h.view(x.shape[0], self.k, -1))  # (B, k, d_block)
        out = member_heads(h, self.head_weight, self.head_bias, self.config["n_out"])
        wide = self.wide_logits(x)
        return out if wide is None else out + wide


def check_regularisers(feature_fraction: float, input_noise: float, group_lasso: float) -> None:
    """Refuse a ``feature_fraction`` outside (0, 1] or a negative noise or penalty."""
    if not 0.0 < feature_fraction <= 1.0:
        raise ConfigError(f"feature_fraction must be in (0, 1], however: {feature_fraction=}")
    if input_noise < 0 or group_lasso < 0:
        raise ConfigError(f"input_noise and group_lasso must be >= 0, however: {input_noise=}, "
                          f"{group_lasso=}")


def member_column_mask(groups: torch.Tensor, k: int, fraction: float) -> torch.Tensor:
    """``(k, d_in)``: member i keeps the slots of ``max(1, round(fraction * columns))`` input
    columns drawn at random (torch's generator, so the fit's seed fixes them)."""
    n_columns = groups.shape[0]
    keep = max(1, round(fraction * n_columns))
    chosen = torch.zeros(k, n_columns)
    for i in range(k):
        chosen[i, torch.randperm(n_columns)[:keep]] = 1.0
    return chosen @ groups


def signed_first_layer(network: TabMPLE, dtype: torch.dtype = torch.float32
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """The first backbone layer with the k members' signs folded in, for scoring:
    ``weight (d_in, k * d_block)`` (member i's columns at ``[i * d_block, (i + 1) * d_block)``)
    and ``bias (k * d_block,)``, computed in ``dtype``."""
    first = network.backbone[0]
    # (d_block, d_in) * (k, 1, d_in) -> (k, d_block, d_in) -> (d_in, k * d_block)
    signed = first.weight.to(dtype).unsqueeze(0) * network.member_scales().to(dtype).unsqueeze(1)
    return signed.reshape(-1, signed.shape[-1]).t(), first.bias.to(dtype).repeat(network.k)


def member_heads(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                 n_out: int) -> torch.Tensor:
    """Each member's own output layer: ``(B, k, d), (k, d, n_out), (k, n_out) -> (B, k, n_out)``.

    With one output a multiply-and-sum is 4-6x faster on the CPU than the batched product.
    """
    if n_out == 1:
        return (h * weight[..., 0]).sum(-1, keepdim=True) + bias
    return torch.einsum("bkd,kdo->bko", h, weight) + bias
