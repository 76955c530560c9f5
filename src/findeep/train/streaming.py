"""The trainer's loop, fed by a stream of chunks instead of tensors held in memory.

Each pass asks ``chunks(pass)`` for its (x_num, x_cat, y) chunks — the data source decides
the order, seeded by the pass — and passes them through a shuffle buffer of ``buffer_rows``
rows into equal-sized batches. Everything else is the in-memory trainer's: the same
optimizer, schedule, loss, clipping, validation score and early stopping (patience,
best-epoch restore), which on a pass of more than ``ROUND_ROWS`` rows looks at the
validation rows every round of a pass, each round an epoch. Under ``torch.distributed`` the
network is wrapped in ``DistributedDataParallel``, every rank takes the same number of
steps, and rank 0 decides early stopping and writes checkpoints. With a checkpoint directory
the full state is saved at every epoch's (round's) end, and ``resume`` continues from the
latest one to the same weights an uninterrupted run reaches (CPU, same seed and threads).
"""

from __future__ import annotations

import copy
import itertools
import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from torch import nn

from findeep.data.schema import FindeepWarning
from findeep.train.checkpoint import (
    TrainingState,
    check_same_run,
    load_checkpoint,
    save_checkpoint,
)
from findeep.train.distributed import Ranks, barrier, broadcast_flag
from findeep.train.losses import member_loss
from findeep.train.progress import step_hook
from findeep.train.trainer import (
    FitResult,
    ProgressHook,
    TensorData,
    TrainConfig,
    apply_step,
    cpu_threads,
    logits_to_prediction,
    lr_schedule,
    make_optimizer,
    predict_logits,
    rounds_of_steps,
    row_cost,
    training_threads,
    validation_score,
)

Chunk = tuple[np.ndarray, ...]  # x_num float32, x_cat int64, y (, row weight float32)
ChunkStream = Callable[[int], Iterable[Chunk]]
SINGLE_PROCESS = Ranks()
T = TypeVar("T")
BUFFER_ROWS = 65_536  # shuffle buffer; several row groups' worth of rows mixed per batch


@dataclass
class Checkpointing:
    """Where to keep the training state, whether to continue from it, and what the run is."""

    directory: str | Path
    resume: bool = False
    run: dict[str, Any] | None = None  # data and settings; a resume must match them


def shuffled_batches(chunks: Iterable[Chunk], batch_size: int, generator: torch.Generator, *,
                     buffer_rows: int = BUFFER_ROWS, task: str,
                     ) -> Iterator[tuple[torch.Tensor, ...]]:
    """Equal-sized batches from ``chunks``: fill a buffer, permute it, cut it into batches;
    the rows short of a whole batch wait for the next fill. The last partial batch is
    dropped, as the in-memory trainer does. Chunks of four arrays carry row weights
    (class weights), which travel with their rows."""
    y_dtype = torch.long if task == "multiclass" else torch.float32
    held: list[Chunk] = []
    held_rows = 0

    def drain(final: bool) -> Iterator[tuple[torch.Tensor, ...]]:
        nonlocal held, held_rows
        parts = [torch.from_numpy(np.concatenate([c[i] for c in held]))
                 for i in range(len(held[0]))]
        parts[2] = parts[2].to(y_dtype)
        order = torch.randperm(len(parts[2]), generator=generator)
        n_batches = len(order) // batch_size
        for b in range(n_batches):
            rows = order[b * batch_size:(b + 1) * batch_size]
            yield tuple(part[rows] for part in parts)
        rest = order[n_batches * batch_size:]
        held = [] if final or len(rest) == 0 else [tuple(part[rest].numpy() for part in parts)]
        held_rows = 0 if final else len(rest)

    for chunk in chunks:
        if len(chunk[2]) == 0:
            continue
        held.append(chunk)
        held_rows += len(chunk[2])
        if held_rows >= buffer_rows:
            yield from drain(final=False)
    if held_rows >= batch_size:
        yield from drain(final=True)


def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced on a background thread, ``depth`` ahead, in the same order.

    Reading Parquet and preprocessing release the GIL for most of their time, so the next
    chunk is prepared on the second core while the network trains on this one. Closing the
    iterator early (an epoch's steps are done) stops the producer after its current item.
    """
    import queue
    import threading

    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)

    worker = threading.Thread(target=produce, name="findeep-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


def streamed_rounds(steps_per_epoch: int, batch_size: int, config: TrainConfig,
                    valid_rows: int, ranks: Ranks = SINGLE_PROCESS) -> int:
    """How many rounds ``fit_network_streamed`` cuts a pass of ``steps_per_epoch`` steps into
    (each rank's ``batch_size`` rows a step): the in-memory trainer's ``rounds_of_steps``
    over all ranks' rows. ``max_epochs`` times it is what a progress bar counts to."""
    return rounds_of_steps(steps_per_epoch, batch_size * ranks.world_size, config, valid_rows)


def fit_network_streamed(
    model: nn.Module, chunks: ChunkStream, valid: TensorData, *, task: str, config: TrainConfig,
    steps_per_epoch: int, batch_size: int, ranks: Ranks = SINGLE_PROCESS,
    checkpointing: Checkpointing | None = None, on_epoch_end: ProgressHook | None = None,
    buffer_rows: int = BUFFER_ROWS,
) -> FitResult:
    """Train ``model`` in place on streamed chunks; leave it with its best epoch's weights.

    ``steps_per_epoch`` (the steps of a pass) is the same on every rank (the smallest share's
    batches), so the gradient all-reduces line up; a rank with more rows leaves its surplus
    for the next pass's different order. On a pass of more than ``ROUND_ROWS`` rows (all
    ranks' together) early stopping looks at the validation rows every round of a pass, as
    the in-memory trainer does (``rounds_of_steps``): each round is an epoch of the records,
    of patience and of the checkpoints. A resume from a round inside a pass re-reads that
    pass's stream up to the round (reading, not training) and goes on from there.
    """
    config.check()
    torch.manual_seed(config.seed)
    device = valid.x_num.device
    model.to(device)
    trained: nn.Module = model
    if ranks.distributed:
        from torch.nn.parallel import DistributedDataParallel

        trained = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = make_optimizer(model, config)
    total_steps = steps_per_epoch * config.max_epochs
    scheduler = lr_schedule(optimizer, config, total_steps)
    rounds = streamed_rounds(steps_per_epoch, batch_size, config, len(valid), ranks)
    steps_per_round = math.ceil(steps_per_epoch / rounds)
    last_epoch = rounds * config.max_epochs
    run = dict(checkpointing.run or {}) if checkpointing is not None else {}
    if rounds > 1:  # a checkpoint's epoch is a round: a resume must cut passes the same way
        run["rounds_per_pass"] = rounds
    y_valid = valid.y.cpu().numpy()
    best_score, best_epoch, start_epoch = -math.inf, 0, 1
    best_state = copy.deepcopy(model.state_dict())
    history: list[dict[str, float]] = []
    resumed_after: int | None = None  # the epoch a resumed checkpoint ended
    finished = False  # the resumed run had already stopped: no epoch left to train
    if checkpointing is not None and checkpointing.resume:
        saved = load_checkpoint(checkpointing.directory)
        if saved is None:  # a mistyped directory must not restart a long run in silence
            warnings.warn(f"--resume: '{checkpointing.directory}' holds no checkpoint yet, so "
                          "training starts from the first epoch.", FindeepWarning, stacklevel=2)
        if saved is not None:
            check_same_run(saved.run, run, checkpointing.directory)
            model.load_state_dict(saved.model)
            best_state = saved.best_model
            optimizer.load_state_dict(saved.optimizer)
            scheduler.load_state_dict({**scheduler.state_dict(), **saved.scheduler})
            torch.set_rng_state(saved.rng)
            best_score, best_epoch = saved.best_score, saved.best_epoch
            history, start_epoch = saved.history, saved.epoch + 1
            resumed_after = saved.epoch
            stopped = (config.early_stopping and saved.epoch - best_epoch >= config.patience)
            finished = stopped or saved.epoch >= last_epoch
            if finished:
                start_epoch = last_epoch + 1  # the saved run had finished
    threads = training_threads(config, batch_size, row_cost(model), device)
    # a long epoch (a big streamed table) moves the bar about a hundred times within it
    on_step = step_hook(on_epoch_end) if ranks.is_main else None
    every = max(1, steps_per_round // 100)
    epoch = resumed_after if finished else start_epoch - 1
    rows_seen = 0
    batches: Iterator[tuple[torch.Tensor, ...]] | None = None  # the pass being read
    with cpu_threads(threads):
        started = time.perf_counter()
        for epoch in range(start_epoch, last_epoch + 1):
            done_passes, round_index = divmod(epoch - 1, rounds)
            if batches is None:  # a pass begins, or a resume re-reads its pass up to the round
                generator = torch.Generator().manual_seed(
                    int(config.seed) * 1_000_003 + done_passes + 1)
                batches = shuffled_batches(prefetched(chunks(done_passes + 1)), batch_size,
                                           generator, buffer_rows=buffer_rows, task=task)
                for _ in itertools.islice(batches, round_index * steps_per_round):
                    pass
            trained.train()
            wanted = min(steps_per_round, steps_per_epoch - round_index * steps_per_round)
            total_loss, steps = 0.0, 0
            for x_num, x_cat, y, *weight in batches:
                logits = trained(x_num.to(device), x_cat.to(device))
                loss = member_loss(config.loss, logits, y.to(device),
                                   weight[0].to(device) if weight else None, config.quantiles)
                total_loss += apply_step(loss, optimizer, scheduler, model, config.grad_clip)
                steps += 1
                if on_step is not None and steps % every == 0:
                    on_step(epoch, steps, wanted)
                if steps == wanted:
                    break
            if round_index == rounds - 1:
                batches.close()  # stop reading the rest of this pass's share
                batches = None
            rows_seen += steps * batch_size * ranks.world_size  # all ranks' rows
            logits = predict_logits(model, valid.x_num, valid.x_cat)
            score = validation_score(task, logits_to_prediction(logits, task), y_valid,
                                     config.quantiles, metric=config.stopping_metric)
            record = {"epoch": epoch, "train_loss": total_loss / max(steps, 1),
                      "valid_score": score}
            history.append(record)
            if on_epoch_end is not None and ranks.is_main:
                on_epoch_end(epoch, record)
            improved = broadcast_flag(
                not config.early_stopping or score > best_score + 1e-6, ranks)
            if improved:
                best_score, best_epoch = score, epoch
                if config.early_stopping:
                    best_state = copy.deepcopy(model.state_dict())
            stop = broadcast_flag(
                config.early_stopping and epoch - best_epoch >= config.patience, ranks)
            if checkpointing is not None and ranks.is_main:
                save_checkpoint(checkpointing.directory, TrainingState(
                    epoch, best_epoch, best_score, history, model.state_dict(), best_state,
                    optimizer.state_dict(), scheduler.state_dict(), torch.get_rng_state(),
                    run))
            barrier(ranks)
            if stop:
                break
    if batches is not None:
        batches.close()
    if config.early_stopping:
        model.load_state_dict(best_state)
    model.eval()
    seconds = time.perf_counter() - started
    return FitResult(best_epoch, max(epoch, best_epoch), best_score, seconds,
                     rows_per_second=rows_seen / max(seconds, 1e-9), history=history,
                     resumed_after_epoch=resumed_after,
                     epoch_rows=steps_per_round * batch_size * ranks.world_size
                     if rounds > 1 else 0)
