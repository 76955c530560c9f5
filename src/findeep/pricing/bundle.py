"""A ``HestonSurrogate`` on disk, in findeep's bundle format (safetensors + JSON, no pickle).

``bundle.json`` keeps the estimator's parameters, the network config, the training box (so
loaded pricers still flag rows outside it), the generating pricer's version and the training
record; ``model.safetensors`` the weights; ``checksums.json`` is verified on every load.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from findeep.bundle import read_bundle, write_bundle
from findeep.errors import BundleError
from findeep.pricing.box import ParameterBox
from findeep.pricing.estimator import HestonSurrogate

KIND = "pricing"


def save_pricer(pricer: HestonSurrogate, path: str | os.PathLike[str], *,
                metrics: dict[str, Any] | None = None, force: bool = False) -> Path:
    """Write a fitted ``pricer`` atomically; an existing ``path`` needs ``force``."""
    pricer._check_fitted()
    meta = {
        "estimator": type(pricer).__name__,
        "params": pricer.get_params(),
        "model": {"name": type(pricer.network_).__name__, "config": pricer.network_.config},
        "box": pricer.box_.to_dict(),
        "data": pricer.data_,
        "training": pricer.training_,
    }
    tensors = {f"network.{k}": v for k, v in pricer.network_.state_dict().items()}
    return write_bundle(path, kind=KIND, meta=meta, tensors=tensors, metrics=metrics,
                        force=force)


def load_pricer(path: str | os.PathLike[str]) -> HestonSurrogate:
    """Verify the checksums, then rebuild the fitted ``HestonSurrogate``."""
    meta, tensors = read_bundle(path)
    return pricer_from_bundle(meta, tensors, path)


def pricer_from_bundle(meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                       path: str | os.PathLike[str]) -> HestonSurrogate:
    """The fitted ``HestonSurrogate`` of a bundle already read (``findeep.load`` reads once)."""
    if meta.get("kind") != KIND:
        raise BundleError(f"'{path}' holds a {meta.get('kind')!r} model, not a pricer; train one "
                          "with 'findeep pricing train'.")
    try:
        params = {k: v for k, v in meta["params"].items() if k in HestonSurrogate().get_params()}
        pricer = HestonSurrogate(**params)
        pricer.box_ = ParameterBox.from_dict(meta["box"])
        pricer.data_ = meta.get("data", {})
        pricer.training_ = meta.get("training", {})
        network = pricer._build()
        network.load_state_dict({k.removeprefix("network."): v for k, v in tensors.items()},
                                strict=True)
    except (KeyError, TypeError, RuntimeError) as exc:
        raise BundleError(f"the pricing bundle is incomplete or does not fit its model: "
                          f"{exc}") from None
    pricer.network_ = network.eval()
    return pricer

