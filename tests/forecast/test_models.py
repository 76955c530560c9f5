"""The sequence networks: shapes, causality, registry, and the built-in samples."""

from __future__ import annotations

import pytest
import torch

from findeep.forecast.estimator import model_names
from findeep.forecast.jobs import resolve_columns
from findeep.forecast.models import build_network, network_names


@pytest.mark.parametrize("name", network_names())
def test_networks_map_windows_to_one_forecast_each(name):
    """Every network maps (B, W, F) windows and an empty x_cat to (B, 1, 1)."""
    torch.manual_seed(0)
    network = build_network(name, n_features=4, window=12)
    out = network(torch.randn(5, 12, 4), torch.zeros(5, 0, dtype=torch.long))
    assert out.shape == (5, 1, 1)


def test_tcn_convolutions_are_causal():
    """Changing the last step of a window leaves the TCN's outputs at earlier steps unchanged."""
    torch.manual_seed(0)
    network = build_network("tcn", n_features=3, window=16).eval()
    x = torch.randn(2, 16, 3)
    changed = x.clone()
    changed[:, -1] += 10.0
    hidden = network.blocks(x.transpose(1, 2))
    hidden_changed = network.blocks(changed.transpose(1, 2))
    torch.testing.assert_close(hidden[:, :, :-1], hidden_changed[:, :, :-1])
    assert not torch.allclose(hidden[:, :, -1], hidden_changed[:, :, -1])


def test_every_issue_model_is_registered():
    """The recurrent, convolutional and attention networks and the baselines are all available."""
    expected = {"lstm", "gru", "tcn", "transformer", "naive", "linear", "lightgbm"}
    assert expected <= set(model_names())


def test_samples_know_their_date_and_asset_columns():
    """sample:sp500 is one series dated by Date; sample:eustocks is four indices in long format."""
    assert resolve_columns("sample:sp500", None, None) == ("Date", None)
    assert resolve_columns("sample:eustocks", None, None) == ("date", "index")
