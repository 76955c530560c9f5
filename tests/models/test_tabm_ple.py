"""The default network's fast forward pass is TabM-mini with PLE, written the plain way."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from findeep.models.categorical_lookup import embedding_width
from findeep.models.tabm_ple import DENSE_MAX_FEATURES, TabMPLE


def textbook_forward(model: TabMPLE, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
    """Per-feature PLE embeddings, then every member i runs the shared MLP on ``x * r_i``."""
    encoded = model.encoding(x_num)  # (B, F, T)
    per_feature = [torch.relu(encoded[:, f] @ model.num_weight[f] + model.num_bias[f])
                   for f in range(x_num.shape[1])]
    categorical = [model.cat_lookup.table(j)[x_cat[:, j]]
                   for j in range(x_cat.shape[1])]
    x = torch.cat([x_num, *per_feature, *categorical], dim=1)
    members = []
    for i in range(model.k):
        h = model.backbone(x * model.member_scale[i])
        members.append(h @ model.head_weight[i] + model.head_bias[i])
    return torch.stack(members, dim=1)


@pytest.mark.parametrize(("n_num", "n_out"), [(5, 1), (5, 3), (DENSE_MAX_FEATURES + 4, 1)])
def test_forward_equals_the_textbook_formulation(n_num: int, n_out: int) -> None:
    """Folding the member signs into the first layer and the block-diagonal numeric layer
    (used up to DENSE_MAX_FEATURES numerics) change the arithmetic's order, not its result."""
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(200, n_num)).astype(np.float32)
    torch.manual_seed(0)
    model = TabMPLE(n_num=n_num, cardinalities=[4, 7], n_out=n_out, k=4,
                    x_num_train=x_train).eval()
    x_num = torch.from_numpy(x_train[:32])
    x_cat = torch.from_numpy(rng.integers(0, 4, size=(32, 2)))
    with torch.no_grad():
        torch.testing.assert_close(model(x_num, x_cat), textbook_forward(model, x_num, x_cat),
                                   atol=1e-5, rtol=1e-5)


def test_gradients_reach_every_member_and_feature_weight() -> None:
    """Training updates the member signs and each feature's own block, nothing off-diagonal."""
    rng = np.random.default_rng(1)
    x_train = rng.normal(size=(100, 3)).astype(np.float32)
    model = TabMPLE(n_num=3, cardinalities=[], n_out=1, k=3, x_num_train=x_train)
    model(torch.from_numpy(x_train), torch.zeros(100, 0, dtype=torch.long)).sum().backward()
    assert (model.member_scale.grad.abs().sum(dim=1) > 0).all()
    assert (model.num_weight.grad.abs().sum(dim=(1, 2)) > 0).all()
    weight = model.block_diagonal_weight().reshape(3, 16, 3 * 8)  # (F, T, F*E), 16 bins
    assert weight[0, :, 8:].abs().sum() == 0 and weight[1, :, :8].abs().sum() == 0


def test_small_categoricals_enter_one_hot_and_wide_ones_as_embeddings() -> None:
    """With one_hot_max=8, a 4-code column enters as its 4 indicator columns (nothing learned
    for it) and a 20-code column keeps a learned embedding; attributions map every slot back."""
    torch.manual_seed(0)
    model = TabMPLE(n_num=2, cardinalities=[4, 20], n_out=1, k=2, one_hot_max=8,
                    x_num_train=np.random.default_rng(0).normal(size=(50, 2)))
    x_cat = torch.tensor([[0, 5], [3, 19]])
    embedded = model.embed(torch.zeros(2, 2), x_cat)
    slots = model.embedding_slots()
    one_hot = embedded[:, [i for i, slot in enumerate(slots) if slot == ("cat", 0)]]
    torch.testing.assert_close(one_hot, torch.tensor([[1.0, 0, 0, 0], [0, 0, 0, 1.0]]))
    assert len(slots) == embedded.shape[1]
    # only the 20-code column's table is learned: 20 codes x width embedding_width(20)
    assert model.state_dict()["cat_lookup.weight"].numel() == 20 * embedding_width(20)
    assert model.cat_lookup.weight.requires_grad
    assert model.config["one_hot_max"] == 8


def test_a_config_without_one_hot_max_builds_the_embeddings_it_was_saved_with() -> None:
    """Bundles saved before one-hot existed have no one_hot_max in their config: they get
    embeddings for every categorical, so their saved weights still load."""
    old = TabMPLE(n_num=2, cardinalities=[4], n_out=1, k=2, one_hot_max=0)
    config = {k: v for k, v in old.config.items() if k != "one_hot_max"}
    rebuilt = TabMPLE(**config)
    rebuilt.load_state_dict(old.state_dict(), strict=True)
