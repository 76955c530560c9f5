from __future__ import annotations

import numpy as np
import torch

from findeep.models import build_model
from findeep.train.trainer import cpu_threads, predict_logits


def test_threaded_batch_scoring_equals_scoring_on_one_thread() -> None:
    """Spreading batches over threads changes nothing: same logits, same order."""
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(300, 5)).astype(np.float32)
    torch.manual_seed(0)
    model = build_model("default", n_num=5, cardinalities=[4], n_out=1, x_num_train=x_train)
    x_num = torch.from_numpy(rng.normal(size=(5000, 5)).astype(np.float32))
    x_cat = torch.from_numpy(rng.integers(0, 4, size=(5000, 1)))
    with cpu_threads(2):
        threaded = predict_logits(model, x_num, x_cat, batch_size=512)
    with cpu_threads(1):
        sequential = predict_logits(model, x_num, x_cat, batch_size=512)
    torch.testing.assert_close(threaded, sequential, rtol=0, atol=0)
    assert threaded.shape == (5000, model.k, 1)
