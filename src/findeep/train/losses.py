"""Losses on logits of shape ``(B, k, n_out)``: each of the k members is scored, then averaged.

The textbook formulas — binary cross-entropy, cross-entropy, mean squared error — plus
Huber for regression targets with heavy tails, and the pinball (quantile) loss with one
output per quantile (conformalised quantile regression, ``evaluate/intervals.py``).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch.nn import functional as F

from findeep.errors import ConfigError

LossName = Literal["bce", "cross_entropy", "mse", "huber", "pinball"]
LOSSES = ("bce", "cross_entropy", "mse", "huber", "pinball")


def default_loss(task: str) -> LossName:
    return {"binary": "bce", "multiclass": "cross_entropy"}.get(task, "mse")  # type: ignore[return-value]


def member_loss(
    name: str, logits: torch.Tensor, target: torch.Tensor, sample_weight: torch.Tensor | None,
    quantiles: tuple[float, ...] | list[float] = (),
    member_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean over rows and members of the per-row loss; ``logits`` is ``(B, k, n_out)``;
    ``pinball`` scores output j as quantile ``quantiles[j]``; ``member_weight`` ``(B, k)``
    weighs each member's loss on each row (a per-member bootstrap)."""
    k = logits.shape[1]
    if name == "pinball":
        per = pinball(logits, target.unsqueeze(1), quantiles)
    elif name == "bce":
        per = F.binary_cross_entropy_with_logits(
            logits[..., 0], target.unsqueeze(1).expand(-1, k), reduction="none")  # (B, k)
    elif name == "cross_entropy":
        per = F.cross_entropy(logits.permute(0, 2, 1), target.unsqueeze(1).expand(-1, k),
                              reduction="none")  # (B, n_out, k) vs (B, k) -> (B, k)
    elif name == "mse" and target.dim() == 2:  # several outputs (a whole surface): their mean
        per = ((logits - target.unsqueeze(1)) ** 2).mean(dim=-1)  # (B, k, n_out) -> (B, k)
    elif name == "mse":
        per = (logits[..., 0] - target.unsqueeze(1)) ** 2
    elif name == "huber":
        per = F.huber_loss(logits[..., 0], target.unsqueeze(1).expand(-1, k), reduction="none")
    else:
        raise ConfigError(f"loss must be one of {', '.join(LOSSES)}, however: {name=}")
    if member_weight is not None:
        per = per * member_weight
    per_row = per.mean(dim=1)
    if sample_weight is None:
        return per_row.mean()
    # a batch whose rows all weigh 0 (sample_weight) teaches nothing: 0, not 0 / 0
    return (per_row * sample_weight).sum() / sample_weight.sum().clamp_min(1e-12)


def pinball(prediction: torch.Tensor, target: torch.Tensor,
            quantiles: tuple[float, ...] | list[float]) -> torch.Tensor:
    """Mean over the last axis of the quantile loss; ``target`` broadcasts without it."""
    q = torch.as_tensor(quantiles, dtype=prediction.dtype, device=prediction.device)
    gap = target.unsqueeze(-1) - prediction
    return torch.maximum(q * gap, (q - 1) * gap).mean(dim=-1)


def check_loss(name: str, task: str) -> None:
    allowed = {"binary": ("bce",), "multiclass": ("cross_entropy",),
               "regression": ("mse", "huber")}[task]
    if name not in allowed:
        raise ConfigError(f"loss '{name}' does not fit a {task} task; use {' or '.join(allowed)}.")
