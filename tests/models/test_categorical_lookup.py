"""One gather for every categorical column: the same tables, outputs and gradients as one
``nn.Embedding`` per column, and networks saved that way still load."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from findeep.models.categorical_lookup import CategoricalLookup, embedding_width
from findeep.models.tabm_ple import TabMPLE

CARDINALITIES = [3, 40, 5, 200]


def per_column_embeddings(seed: int) -> nn.ModuleList:
    torch.manual_seed(seed)
    return nn.ModuleList(nn.Embedding(c, embedding_width(c)) for c in CARDINALITIES)


def codes(rows: int, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    return torch.from_numpy(np.stack([rng.integers(0, c, rows) for c in CARDINALITIES], axis=1))


def test_the_same_seed_draws_the_same_tables_as_one_embedding_per_column() -> None:
    embeddings = per_column_embeddings(7)
    torch.manual_seed(7)
    lookup = CategoricalLookup(CARDINALITIES, one_hot_max=0)
    for j, embedding in enumerate(embeddings):
        torch.testing.assert_close(lookup.table(j), embedding.weight, rtol=0, atol=0)


def test_outputs_and_gradients_equal_one_embedding_per_column() -> None:
    embeddings = per_column_embeddings(1)
    torch.manual_seed(1)
    lookup = CategoricalLookup(CARDINALITIES, one_hot_max=0)
    x = codes(256)
    expected = torch.cat([e(x[:, j]) for j, e in enumerate(embeddings)], dim=1)
    fused = lookup(x)
    torch.testing.assert_close(fused, expected, rtol=0, atol=0)
    upstream = torch.randn_like(expected)
    (expected * upstream).sum().backward()
    (fused * upstream).sum().backward()
    grads = torch.cat([e.weight.grad.flatten() for e in embeddings])
    torch.testing.assert_close(lookup.weight.grad, grads, rtol=1e-6, atol=1e-6)


def test_small_columns_one_hot_beside_learned_ones_in_column_order() -> None:
    lookup = CategoricalLookup(CARDINALITIES, one_hot_max=5)  # 3 and 5 codes: one-hot
    x = torch.tensor([[2, 39, 0, 199], [0, 0, 4, 0]])
    out = lookup(x)
    assert out.shape == (2, 3 + embedding_width(40) + 5 + embedding_width(200))
    torch.testing.assert_close(out[:, :3], torch.tensor([[0.0, 0, 1], [1, 0, 0]]))
    start = 3 + embedding_width(40)
    torch.testing.assert_close(out[:, start:start + 5],
                               torch.tensor([[1.0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]))
    torch.testing.assert_close(out[0, 3:start], lookup.table(1)[39])
    assert lookup.weight.numel() == 40 * embedding_width(40) + 200 * embedding_width(200)


def test_a_network_saved_with_one_embedding_per_column_loads_and_scores_the_same() -> None:
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(100, 2)).astype(np.float32)
    network = TabMPLE(n_num=2, cardinalities=CARDINALITIES, n_out=1, k=2,
                      x_num_train=x_train).eval()
    state = network.state_dict()
    flat = state.pop("cat_lookup.weight")
    start = 0
    for j, c in enumerate(CARDINALITIES):  # the layout bundles had before the lookup was fused
        size = c * embedding_width(c)
        state[f"cat_embeddings.{j}.weight"] = flat[start:start + size].view(c, -1).clone()
        start += size
    rebuilt = TabMPLE(**network.config).eval()
    rebuilt.load_state_dict(state, strict=True)
    x_num, x_cat = torch.from_numpy(x_train[:16]), codes(16)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x_num, x_cat), network(x_num, x_cat),
                                   rtol=0, atol=0)


def test_a_network_without_categoricals_has_no_lookup_state() -> None:
    network = TabMPLE(n_num=3, cardinalities=[], n_out=1, k=2)
    assert not any(key.startswith("cat_lookup") for key in network.state_dict())
    assert network.embed(torch.zeros(4, 3), torch.zeros(4, 0, dtype=torch.long)).shape[0] == 4
