"""Sequence networks for forecasting: plain nn.Modules over windows ``(B, W, F)``."""

from findeep.forecast.models.registry import NETWORKS, build_network, network_names

__all__ = ["NETWORKS", "build_network", "network_names"]
