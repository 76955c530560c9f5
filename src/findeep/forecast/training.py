"""Fit a ridge-started forecasting network: closed-form start, AdamW, early stopping, members.

Why a loop of its own rather than ``findeep.train``: the forecaster's outputs are
``(B, H, Q)`` (horizons x quantiles) with a pinball loss, its linear path is pulled
towards the ridge start instead of towards zero, and early stopping scores the ridge
start itself (epoch 0), so a fit that never beats ridge on validation returns ridge.

With a few thousand samples a validation loss is noisy from epoch to epoch; the loop
keeps the best epoch's weights, stops after ``patience`` epochs without improvement,
and (``k`` members) averages networks that differ only in their seed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from findeep.errors import ConfigError
from findeep.train.trainer import apply_step


@dataclass
class FitSettings:
    """The knobs of one forecasting fit (defaults frozen in ``models/registry.py``)."""

    max_epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 6
    anchor_penalty: float = 1e-3  # L2 pull of the linear path towards its ridge start
    grad_clip: float = 1.0
    linear_lr_scale: float = 1.0  # the linear path's step size, relative to the body's


def ridge_start(x: np.ndarray, y: np.ndarray, alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form ridge of ``y (N, H)`` on flattened ``x (N, W, F)``: coef (H, W*F),
    intercept (H,); the intercept is not penalised (as scikit-learn's ``Ridge``)."""
    flat = x.reshape(len(x), -1).astype(np.float64)
    x_mean, y_mean = flat.mean(axis=0), y.mean(axis=0)
    centred = flat - x_mean
    gram = centred.T @ centred + alpha * np.eye(flat.shape[1])
    coef = np.linalg.solve(gram, centred.T @ (y - y_mean))  # (W*F, H)
    return coef.T, y_mean - x_mean @ coef


def log_variance_ridge(x: np.ndarray, y_scaled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ridge of log variance on flattened ``x (N, W, F)``, as coef (H, W*F), intercept (H,).

    ``y_scaled (N, H)`` is the variance divided by its training mean (so the shift below is
    relative). Variances of zero (an unchanged close) have no logarithm: the fit is on
    ``log(y + shrink)``, shrink = the 10th percentile + 1e-3. ``exp`` of a mean log
    understates the mean, so the intercept is then moved until the fitted variances average
    to the training mean: ``exp(x @ coef.T + intercept)`` is a variance forecast that is never
    below zero. The networks start their linear path here, and the ``linear`` baseline of a
    variance target is this fit, so the two are one model.
    """
    shrink = np.quantile(y_scaled, 0.1, axis=0) + 1e-3
    coef, intercept = ridge_start(x, np.log(y_scaled + shrink).astype(np.float64))
    fitted = x.reshape(len(x), -1) @ coef.T + intercept
    intercept = intercept + np.log(y_scaled.mean(axis=0)) - np.log(
        np.exp(fitted).mean(axis=0))  # exp(mean log) understates the mean: re-level
    return coef, intercept


def pinball_loss(prediction: torch.Tensor, target: torch.Tensor,
                 quantiles: torch.Tensor) -> torch.Tensor:
    """Mean pinball loss: ``prediction (B, H, Q)``, ``target (B, H)``, ``quantiles (Q,)``."""
    error = target.unsqueeze(-1) - prediction
    return torch.maximum(quantiles * error, (quantiles - 1) * error).mean()


def forecast_loss(kind: str, quantiles: torch.Tensor | None) -> Callable[..., torch.Tensor]:
    if kind == "pinball":
        assert quantiles is not None
        return lambda out, y: pinball_loss(out, y, quantiles)
    if kind == "bce":
        return lambda out, y: F.binary_cross_entropy_with_logits(out[..., 0], y)
    if kind == "qlike":  # output: log variance; target: variance (both scaled alike)
        return lambda out, y: (out[..., 0] + y * torch.exp(-out[..., 0].clamp(-30, 30))).mean()
    if kind == "mse":
        return lambda out, y: F.mse_loss(out[..., 0], y)
    raise ConfigError(f"unknown forecast loss {kind!r}")


def _predict(network: nn.Module, x: torch.Tensor, batch_size: int = 8192) -> torch.Tensor:
    network.eval()
    empty = torch.zeros((0,), dtype=torch.long)
    with torch.inference_mode():
        return torch.cat([network(x[i:i + batch_size], empty.expand(len(x[i:i + batch_size]), 0))
                          for i in range(0, len(x), batch_size)])


def train_member(network: nn.Module, x_fit: np.ndarray, y_fit: np.ndarray, x_valid: np.ndarray,
                 y_valid: np.ndarray, *, loss: str, quantiles: list[float], settings: FitSettings,
                 seed: int, device: torch.device,
                 on_epoch_end: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Train ``network`` (a ``LinearResidualForecaster`` already set to ridge) in place;
    it ends holding its best-validation weights (epoch 0 = the ridge start)."""
    generator = torch.Generator().manual_seed(int(seed))
    q = torch.tensor(quantiles, dtype=torch.float32, device=device) if quantiles else None
    criterion = forecast_loss(loss, q)
    network.to(device)
    xf = torch.as_tensor(x_fit, device=device)
    yf = torch.as_tensor(y_fit, dtype=torch.float32, device=device)
    xv = torch.as_tensor(x_valid, device=device)
    yv = torch.as_tensor(y_valid, dtype=torch.float32, device=device)
    linear = list(network.linear_parameters())
    linear_ids = {id(p) for p in linear}
    body = [p for p in network.parameters() if id(p) not in linear_ids]
    anchors = [p.detach().clone() for p in linear]
    optimizer = torch.optim.AdamW([
        {"params": body, "weight_decay": settings.weight_decay},
        {"params": linear, "weight_decay": 0.0,
         "lr": settings.learning_rate * settings.linear_lr_scale}], lr=settings.learning_rate)
    steps = max(1, math.ceil(len(xf) / settings.batch_size))

    def validation_loss() -> float:
        return float(criterion(_predict(network, xv), yv))

    best, best_epoch, best_state, waited = validation_loss(), 0, copy.deepcopy(
        network.state_dict()), 0
    epochs_run = 0
    for epoch in range(1, settings.max_epochs + 1):
        network.train()
        order = torch.randperm(len(xf), generator=generator).to(device)
        for step in range(steps):
            rows = order[step * settings.batch_size:(step + 1) * settings.batch_size]
            out = network(xf[rows], torch.zeros((len(rows), 0), dtype=torch.long, device=device))
            value = criterion(out, yf[rows])
            if settings.anchor_penalty > 0:
                value = value + settings.anchor_penalty * sum(
                    ((p - a) ** 2).sum() for p, a in zip(linear, anchors, strict=True))
            apply_step(value, optimizer, None, network, settings.grad_clip)
        epochs_run = epoch
        score = validation_loss()
        if on_epoch_end is not None:
            on_epoch_end({"epoch": epoch, "valid_loss": score})
        if score < best - 1e-6 * abs(best):
            best, best_epoch, best_state, waited = score, epoch, copy.deepcopy(
                network.state_dict()), 0
        else:
            waited += 1
            if waited >= settings.patience:
                break
    network.load_state_dict(best_state)
    network.cpu().eval()
    return {"best_epoch": best_epoch, "epochs_run": epochs_run, "best_validation_loss": best}


class MemberAverage(nn.Module):
    """``k`` networks of one architecture, outputs averaged (quantiles stay ordered:
    an average of non-decreasing vectors is non-decreasing)."""

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x_num, x_cat) for m in self.members]).mean(dim=0)


def predict_network(network: nn.Module, x: np.ndarray) -> np.ndarray:
    """Outputs ``(N, H, Q)`` of a fitted network (or member average) for windows ``x``."""
    if len(x) == 0:
        return np.zeros((0, 1, 1))
    return _predict(network, torch.as_tensor(x)).numpy().astype(np.float64)
