from __future__ import annotations

import numpy as np
import pytest
import torch

from findeep.errors import ConfigError
from findeep.models import build_model, model_names


@pytest.mark.parametrize("name", model_names())
def test_every_model_maps_inputs_to_member_logits(name: str) -> None:
    """Each registered model returns (batch, members, outputs) and embeds consistently."""
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(64, 4)).astype(np.float32)
    model = build_model(name, n_num=4, cardinalities=[3, 5], n_out=2, x_num_train=x_train).eval()
    x_num = torch.from_numpy(x_train[:8])
    x_cat = torch.randint(0, 3, (8, 2))
    logits = model(x_num, x_cat)
    assert logits.shape[0] == 8 and logits.shape[2] == 2
    z = model.embed(x_num, x_cat)
    assert z.shape[1] == len(model.embedding_slots())
    torch.testing.assert_close(model.forward_embedded(z), logits)


def test_unknown_model_name_suggests_the_right_one() -> None:
    """A typo in --model gets the list and a close match."""
    with pytest.raises(ConfigError, match="Did you mean 'seed-mlp'"):
        build_model("seed_mlp", n_num=1, cardinalities=[], n_out=1)


def test_seed_mlp_is_the_classic_64_32_1_network() -> None:
    """The reference keeps its textbook layer widths."""
    model = build_model("seed-mlp", n_num=5, cardinalities=[], n_out=1)
    widths = [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [64, 32, 1]
