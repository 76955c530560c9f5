"""The trainer, extended to many labels: masked binary cross-entropy over products.

A thin extension of ``train/trainer.py`` (its optimiser, schedule, batch-size rule,
thread rule, seeding and early stopping with best-epoch restore are reused as they are);
what differs is the loss — each (customer, product) pair counts only where the product
was not held at t (an owned product cannot be "newly taken") — and the validation score,
MAP@k over all validation customers, which is what the ranking is judged on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from findeep.long_work import long_work_starts
from findeep.recommend.metrics import ranking_metrics
from findeep.train.trainer import (
    EarlyStopping,
    FitResult,
    ProgressHook,
    TrainConfig,
    apply_step,
    auto_batch_size,
    cpu_threads,
    lr_schedule,
    make_optimizer,
    row_cost,
    training_threads,
)


@dataclass
class LabelTensors:
    """One split: inputs, labels (n, P) and the eligibility mask (n, P)."""

    x_num: torch.Tensor
    x_cat: torch.Tensor
    labels: torch.Tensor
    eligible: torch.Tensor

    def __len__(self) -> int:
        return int(self.x_num.shape[0])


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, eligible: torch.Tensor,
               ) -> torch.Tensor:
    """Mean BCE over members and eligible (row, product) pairs; ``logits`` (B, k, P)."""
    k = logits.shape[1]
    per = F.binary_cross_entropy_with_logits(
        logits, labels.unsqueeze(1).expand(-1, k, -1), reduction="none")  # (B, k, P)
    mask = eligible.unsqueeze(1).to(per.dtype)
    return (per * mask).sum() / (mask.sum() * 1.0).clamp_min(1.0)


def score_logits(model: nn.Module, x_num: torch.Tensor, x_cat: torch.Tensor,
                 batch_size: int = 8192) -> torch.Tensor:
    """Member-averaged probabilities ``(N, P)``, in eval mode."""
    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, x_num.shape[0], batch_size):
            logits = model(x_num[start:start + batch_size], x_cat[start:start + batch_size])
            out.append(torch.sigmoid(logits).mean(dim=1))
    return torch.cat(out) if out else torch.zeros(0, 0)


def fit_multilabel(model: nn.Module, train: LabelTensors, valid: LabelTensors, *,
                   config: TrainConfig, k: int = 7,
                   on_epoch_end: ProgressHook | None = None) -> FitResult:
    """Train ``model`` in place; keep the epoch with the best validation MAP@k (all customers)."""
    config.check()
    long_work_starts()  # the inputs passed their checks: held warnings may be shown now
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(int(config.seed))
    optimizer = make_optimizer(model, config)
    n = len(train)
    batch_size = auto_batch_size(n) if config.batch_size == "auto" else int(config.batch_size)
    batch_size = min(batch_size, n)
    steps_per_epoch = max(1, n // batch_size)
    total_steps = steps_per_epoch * config.max_epochs
    scheduler = lr_schedule(optimizer, config, total_steps)
    labels_valid = valid.labels.numpy()
    eligible_valid = valid.eligible.numpy()
    threads = training_threads(config, batch_size, row_cost(model), torch.device("cpu"))
    stopping = EarlyStopping(config, model)
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    epoch = 0
    with cpu_threads(threads):
        for epoch in range(1, config.max_epochs + 1):
            model.train()
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for step in range(steps_per_epoch):
                rows = order[step * batch_size:(step + 1) * batch_size]
                logits = model(train.x_num[rows], train.x_cat[rows])
                loss = masked_bce(logits, train.labels[rows], train.eligible[rows])
                total += apply_step(loss, optimizer, scheduler, model, config.grad_clip)
            scores = score_logits(model, valid.x_num, valid.x_cat).numpy()
            score = ranking_metrics(scores, labels_valid, eligible_valid, k=k)["map_all@k"]
            record = {"epoch": epoch, "train_loss": total / steps_per_epoch,
                      "valid_score": float(score)}
            history.append(record)
            if on_epoch_end is not None:
                on_epoch_end(epoch, record)
            if stopping.should_stop(epoch, score, model):
                break
    stopping.finish(model)
    seconds = time.perf_counter() - started
    return FitResult(stopping.best_epoch, epoch, float(stopping.best_score), seconds,
                     rows_per_second=n * epoch / max(seconds, 1e-9), history=history)


def as_tensors(x_num: np.ndarray, x_cat: np.ndarray, labels: np.ndarray | None,
               eligible: np.ndarray) -> LabelTensors:
    n, p = eligible.shape
    y = np.zeros((n, p), dtype=np.float32) if labels is None else labels.astype(np.float32)
    return LabelTensors(torch.as_tensor(x_num, dtype=torch.float32),
                        torch.as_tensor(x_cat, dtype=torch.long), torch.as_tensor(y),
                        torch.as_tensor(eligible))
