"""A bag's small batches, scored in one stacked pass, equal scoring member by member."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from findeep.models.bagged import BaggedNetwork
from findeep.models.inference import inference_forward
from findeep.models.registry import build_model
from findeep.models.stacked_bag import STACKED_MAX_ROWS

CARDINALITIES = [5, 3, 40]  # 40 > one_hot_max below: learned embeddings beside one-hot ones


def make_bag(n_members: int, *, n_num: int = 6, n_out: int = 1, options: dict | None = None,
             ) -> BaggedNetwork:
    """Members built from different training rows (different quantile bins and levels),
    every weight moved off its initialisation (wide paths start at zero)."""
    rng = np.random.default_rng(0)
    members = []
    for i in range(n_members):
        x_train = rng.normal(size=(300, n_num)).astype(np.float32)
        x_train[:, 1] = rng.integers(0, 5, size=300)  # a code column: level one-hot options
        torch.manual_seed(i)
        member = build_model("default", n_num=n_num, cardinalities=CARDINALITIES, n_out=n_out,
                             x_num_train=x_train, options=options)
        with torch.no_grad():
            for parameter in member.parameters():
                parameter.add_(0.1 * torch.randn_like(parameter))
        members.append(member)
    return BaggedNetwork(members).eval()


def rows(n: int, n_num: int = 6, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    x_num = rng.normal(size=(n, n_num)).astype(np.float32)
    x_num[:, 1] = rng.integers(0, 6, size=n)  # 5 was never seen in training
    x_cat = np.stack([rng.integers(0, c, size=n) for c in CARDINALITIES], axis=1)
    return torch.from_numpy(x_num), torch.from_numpy(x_cat)


@pytest.mark.parametrize("n_members,n_num,n_out,options", [
    (2, 6, 1, {}),
    (5, 6, 1, {"one_hot_max": 8}),
    (3, 6, 1, {"wide": True, "one_hot_max": 4}),
    (3, 6, 1, {"wide": "additive", "level_one_hot_max": 8}),
    (3, 20, 1, {"k": 2}),  # more numerics than DENSE_MAX_FEATURES: the einsum branch
    (2, 6, 3, {"n_blocks": 3, "dropout": 0.1}),
    (2, 6, 1, {"n_bins": 0, "k": 1}),
])
def test_small_batches_match_the_member_loop(n_members, n_num, n_out, options):
    """Up to STACKED_MAX_ROWS rows: logits within 1e-6 of ``BaggedNetwork.forward``."""
    bag = make_bag(n_members, n_num=n_num, n_out=n_out, options=options)
    x_num, x_cat = rows(STACKED_MAX_ROWS, n_num)
    with torch.inference_mode():
        expected = bag(x_num, x_cat)
        got = inference_forward(bag)(x_num, x_cat)
    assert got.shape == expected.shape == (STACKED_MAX_ROWS, n_members * bag.k, n_out)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)


def test_one_record_scores_as_in_a_large_batch():
    """A record alone (stacked pass) and inside 1,000 rows (member by member): the bag's
    probability agrees within 1e-6."""
    bag = make_bag(5, options={"one_hot_max": 8})
    x_num, x_cat = rows(1_000)
    forward = inference_forward(bag)
    with torch.inference_mode():
        batch = torch.sigmoid(forward(x_num, x_cat)[..., 0]).mean(1)
        alone = torch.cat([torch.sigmoid(forward(x_num[i:i + 1], x_cat[i:i + 1])[..., 0]).mean(1)
                           for i in range(0, 1_000, 37)])
    torch.testing.assert_close(alone, batch[::37], atol=1e-6, rtol=0)


def test_a_bag_of_other_networks_is_scored_member_by_member():
    """Members the stacked pass does not know (a monotone wrapper) keep their own forward."""
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(200, 6)).astype(np.float32)
    torch.manual_seed(0)
    bag = BaggedNetwork([build_model("default", n_num=6, cardinalities=CARDINALITIES,
                                     n_out=1, x_num_train=x_train, options={"monotone": {0: 1}})
                         for _ in range(2)]).eval()
    x_num, x_cat = rows(10)
    with torch.inference_mode():
        torch.testing.assert_close(inference_forward(bag)(x_num, x_cat), bag(x_num, x_cat),
                                   atol=1e-6, rtol=0)
