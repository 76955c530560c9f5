"""The scoring forward pass (batch and serving) equals the network's own forward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from findeep.models.inference import _FusedTabM, inference_forward
from findeep.models.registry import build_model


@pytest.mark.parametrize("name,options,n_out,fused", [
    ("default", {}, 1, True), ("default", {"k": 4, "n_blocks": 3, "dropout": 0.1}, 3, True),
    ("mlp", {}, 1, True), ("seed-mlp", {}, 1, False)])
def test_inference_forward_matches_the_network(name, options, n_out, fused):
    """Folding member signs into the first layer changes logits by float rounding only."""
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(200, 6)).astype(np.float32)
    torch.manual_seed(0)
    network = build_model(name, n_num=6, cardinalities=[5, 3], n_out=n_out,
                          x_num_train=x_train, options=options).eval()
    x_num = torch.from_numpy(rng.normal(size=(1100, 6)).astype(np.float32))
    x_cat = torch.from_numpy(rng.integers(0, 3, size=(1100, 2)))
    with torch.inference_mode():
        expected = network(x_num, x_cat)
        got = inference_forward(network)(x_num, x_cat)
        single = inference_forward(network)(x_num[:1], x_cat[:1])
    assert isinstance(inference_forward(network), _FusedTabM) == fused
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(single, expected[:1], atol=1e-5, rtol=1e-5)
