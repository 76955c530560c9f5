"""Training and scoring loops for ``TextNetwork``: length-bucketed batches, dynamic padding.

Reuses the tabular trainer's config, losses, schedule, validation score and calibration; only
the batching differs. Batches are formed from texts of similar length (a shuffled pool of
``BUCKET_BATCHES`` batches is sorted by length, cut into batches, and the batches shuffled),
and each batch is padded to its own longest text, so CPU time goes to tokens, not padding.
A frozen encoder (``minilm`` with ``frozen=True``) runs once per text: the head then trains
on the cached sentence vectors.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from findeep.models.text_network import TextNetwork
from findeep.train.losses import member_loss
from findeep.train.trainer import (
    EarlyStopping,
    FitResult,
    ProgressHook,
    TrainConfig,
    apply_step,
    cpu_threads,
    fit_temperature,
    logits_to_prediction,
    lr_schedule,
    validation_score,
)

BUCKET_BATCHES = 50
SCORE_BATCH = 128


@dataclass
class TextData:
    """One split: token ids per row, numeric features, category codes, target, weights."""

    ids: list[np.ndarray]
    x_num: torch.Tensor
    x_cat: torch.Tensor
    y: torch.Tensor | None = None
    weight: torch.Tensor | None = None

    @classmethod
    def build(cls, ids: list[np.ndarray], x_num: np.ndarray, x_cat: np.ndarray,
              y: np.ndarray | None = None, *, task: str = "binary",
              weight: np.ndarray | None = None) -> TextData:
        y_t = None if y is None else torch.as_tensor(
            y, dtype=torch.long if task == "multiclass" else torch.float32)
        return cls(list(ids), torch.as_tensor(x_num, dtype=torch.float32),
                   torch.as_tensor(x_cat, dtype=torch.long), y_t,
                   None if weight is None else torch.as_tensor(weight, dtype=torch.float32))

    def subset(self, rows: np.ndarray) -> TextData:
        index = torch.as_tensor(rows, dtype=torch.long)
        return TextData([self.ids[i] for i in rows], self.x_num[index], self.x_cat[index],
                        None if self.y is None else self.y[index],
                        None if self.weight is None else self.weight[index])

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(i) for i in self.ids], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)


def pad_batch(ids: list[np.ndarray], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids (B, L), mask (B, L)) padded to the longest text of the batch."""
    longest = max(len(i) for i in ids)
    out = np.full((len(ids), longest), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), longest), dtype=bool)
    for row, tokens in enumerate(ids):
        out[row, :len(tokens)] = tokens
        mask[row, :len(tokens)] = True
    return torch.from_numpy(out), torch.from_numpy(mask)


def bucketed_batches(lengths: np.ndarray, batch_size: int, generator: torch.Generator
                     ) -> list[np.ndarray]:
    """Shuffled batches of similar-length rows; the ragged last batch is kept."""
    order = torch.randperm(len(lengths), generator=generator).numpy()
    pool = batch_size * BUCKET_BATCHES
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    shuffle = torch.randperm(len(batches), generator=generator).numpy()
    return [batches[i] for i in shuffle]


def _text_vectors(network: TextNetwork, data: TextData, batch_size: int = SCORE_BATCH, *,
                  lookup: bool = False) -> torch.Tensor:
    """Encoder output for every row (frozen encoders: computed once, then cached)."""
    if network.training:
        network.eval()
    order = np.argsort(data.lengths, kind="stable")
    out = torch.empty((len(data), network.encoder.d_out))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            ids, mask = pad_batch([data.ids[i] for i in rows], network.config["pad_id"])
            out[torch.as_tensor(rows)] = network.encode_text(ids, mask, lookup=lookup)
    return out


def predict_text_logits(network: TextNetwork, data: TextData, batch_size: int = SCORE_BATCH,
                        vectors: torch.Tensor | None = None, *, lookup: bool = False
                        ) -> torch.Tensor:
    """Logits ``(N, 1, n_out)``; rows scored in length order, returned in input order.
    ``lookup=True``: the scoring path (``TextNetwork.encode_text``); the training loop's
    validation passes keep the encoders' own forward, so fits are unchanged."""
    if network.training:  # walking MiniLM's ~100 modules costs ~1 ms a request otherwise
        network.eval()
    if vectors is None:
        vectors = _text_vectors(network, data, batch_size, lookup=lookup)
    with torch.inference_mode():
        cats = network.embed_categories(data.x_cat)
        return network.head_logits(vectors, data.x_num, cats).float()


def _optimizer(network: TextNetwork, config: TrainConfig, options: dict[str, Any]
               ) -> torch.optim.Optimizer:
    groups = network.parameter_groups(
        config.learning_rate, layer_decay=float(options.get("layer_decay", 1.0)),
        encoder_lr=options.get("encoder_learning_rate"))
    return torch.optim.AdamW(groups, weight_decay=config.weight_decay)


def fit_text_network(network: TextNetwork, train: TextData, valid: TextData, *, task: str,
                     config: TrainConfig, options: dict[str, Any] | None = None,
                     on_epoch_end: ProgressHook | None = None) -> FitResult:
    """Train in place; keep the best-validation-epoch weights (unless early stopping is off).

    ``options``: ``encoder_learning_rate`` and ``layer_decay`` for a pretrained encoder;
    ``calibrated_stopping``: judge each epoch by its validation log-loss after the temperature
    calibration will apply (so an epoch that ranks better but is over-confident is not
    passed over for a confidence the calibration removes anyway).
    Small encoders' steps run on one thread (as the tabular trainer measured, hand-offs
    between two threads cost more than small products save); a transformer being
    fine-tuned uses every thread.
    """
    heavy = network.config["encoder"] == "minilm" and not network.frozen_encoder
    threads = torch.get_num_threads() if heavy else 1
    if config.num_threads != "auto":
        threads = int(config.num_threads)
    with cpu_threads(threads):
        return _fit(network, train, valid, task=task, config=config, options=options or {},
                    on_epoch_end=on_epoch_end)


def _fit(network: TextNetwork, train: TextData, valid: TextData, *, task: str,
         config: TrainConfig, options: dict[str, Any], on_epoch_end: ProgressHook | None
         ) -> FitResult:
    config.check()
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(int(config.seed))
    frozen = network.frozen_encoder
    train_vectors = _text_vectors(network, train) if frozen else None
    valid_vectors = _text_vectors(network, valid) if frozen else None
    optimizer = _optimizer(network, config, options)
    batch_size = 64 if config.batch_size == "auto" else int(config.batch_size)
    batch_size = max(1, min(batch_size, len(train)))
    steps_per_epoch = math.ceil(len(train) / batch_size)
    total_steps = steps_per_epoch * config.max_epochs
    scheduler = lr_schedule(optimizer, config, total_steps)
    assert valid.y is not None and train.y is not None
    y_valid = valid.y.numpy()
    pad_id = network.config["pad_id"]
    lengths = train.lengths
    stopping = EarlyStopping(config, network)
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    epoch = 0
    for epoch in range(1, config.max_epochs + 1):
        network.train()
        total_loss = 0.0
        if frozen:
            order = torch.randperm(len(train), generator=generator).numpy()
            batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        else:
            batches = bucketed_batches(lengths, batch_size, generator)
        for rows in batches:
            index = torch.as_tensor(rows)
            cats = network.embed_categories(train.x_cat[index])
            if frozen:
                assert train_vectors is not None
                logits = network.head_logits(train_vectors[index], train.x_num[index], cats)
            else:
                ids, mask = pad_batch([train.ids[i] for i in rows], pad_id)
                logits = network.head_logits(network.encode_text(ids, mask),
                                             train.x_num[index], cats)
            weight = None if train.weight is None else train.weight[index]
            loss = member_loss(config.loss, logits, train.y[index], weight)
            total_loss += apply_step(loss, optimizer, scheduler, network, config.grad_clip)
        logits = predict_text_logits(network, valid, vectors=valid_vectors)
        temperature = (fit_temperature(logits, y_valid, task)
                       if options.get("calibrated_stopping") and task != "regression" else 1.0)
        score = validation_score(task, logits_to_prediction(logits, task, temperature), y_valid)
        record = {"epoch": epoch, "train_loss": total_loss / len(batches), "valid_score": score}
        history.append(record)
        if on_epoch_end is not None:
            on_epoch_end(epoch, record)
        if stopping.should_stop(epoch, score, network):
            break
    stopping.finish(network)
    seconds = time.perf_counter() - started
    return FitResult(stopping.best_epoch, epoch, stopping.best_score, seconds,
                     rows_per_second=len(train) * epoch / max(seconds, 1e-9), history=history)
