"""Backpropagation for findeep's networks: AdamW, warmup + cosine, early stopping, clipping.

The data stays as tensors for the whole fit; each batch is one index into them, so an
epoch costs no per-row Python work. A fixed seed gives identical weights on CPU.
"""

from __future__ import annotations

import copy
import math
import re
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from scipy.stats import mannwhitneyu
from torch import nn

from findeep.data.schema import FindeepWarning
from findeep.data.splits import seed_problem
from findeep.errors import ConfigError
from findeep.long_work import long_work_starts
from findeep.train.losses import member_loss, pinball

Schedule = Literal["cosine", "constant"]
STOPPING_METRICS = ("auto", "roc_auc", "log_loss")
MIN_STEPS_PER_EPOCH = 8  # fewer, and early stopping judges a barely-trained network


@dataclass
class TrainConfig:
    """Knobs of one fit. Names match the estimators' parameters and the CLI's options."""

    max_epochs: int = 100
    batch_size: int | str = "auto"
    learning_rate: float = 2e-3
    weight_decay: float = 3e-4
    patience: int = 6  # 12 picked the same epoch on 29 of 30 panel folds, at 1.4x the time
    early_stopping: bool = True  # False: train max_epochs and keep the last weights
    stopping_metric: str = "auto"  # binary: "roc_auc" (auto) or "log_loss"; see validation_score
    # > 0: keep the mean of the best epoch's weights and of up to this many epochs either side
    # (a small validation split picks its best epoch noisily; the average is flatter)
    weight_average: int = 0
    # True: each row carries a Poisson(1) weight per ensemble member, drawn once per fit, in
    # that member's loss (the k members bagged in the classic sense; see member_bootstrap)
    member_bootstrap: bool = False
    warmup_fraction: float = 0.05
    schedule: Schedule = "cosine"
    grad_clip: float = 1.0
    num_threads: int | str = "auto"  # CPU threads while training; see training_threads
    loss: str = "bce"
    # loss "pinball": the quantile each output learns (a list: it round-trips through the
    # JSON that checkpoints compare runs by)
    quantiles: list[float] = field(default_factory=list)
    seed: int = 0
    device: str = "auto"
    verbose: int = 1

    def check(self) -> None:
        problems = []
        names = ("max_epochs", "patience") if self.batch_size == "auto" else (
            "max_epochs", "batch_size", "patience")
        for name in names:
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                problems.append(f"{name} must be a positive integer, however: {name}={value!r}")
        if not 0 < self.learning_rate < math.inf:
            problems.append("learning_rate must be a positive, finite number, however: "
                            f"{self.learning_rate!r}")
        if not 0 <= self.weight_decay < math.inf:
            problems.append(f"weight_decay must be a finite number >= 0, however: "
                            f"{self.weight_decay!r}")
        if seed_problem(self.seed):
            problems.append(seed_problem(self.seed))
        if not 0 <= self.warmup_fraction < 1:
            problems.append(f"warmup_fraction must be in [0, 1), however: {self.warmup_fraction!r}")
        if not isinstance(self.weight_average, (int, np.integer)) or self.weight_average < 0:
            problems.append("weight_average must be a non-negative integer, however: "
                            f"weight_average={self.weight_average!r}")
        if self.stopping_metric not in STOPPING_METRICS:
            problems.append(f"stopping_metric must be one of {', '.join(STOPPING_METRICS)}, "
                            f"however: {self.stopping_metric!r}")
        if self.schedule not in ("cosine", "constant"):
            problems.append(f"schedule must be 'cosine' or 'constant', however: {self.schedule!r}")
        if problems:
            raise ConfigError("; ".join(problems) + ".")


@dataclass
class TensorData:
    """One split as tensors: numeric features, categorical codes, target, row weights."""

    x_num: torch.Tensor
    x_cat: torch.Tensor
    y: torch.Tensor
    weight: torch.Tensor | None = None

    @classmethod
    def from_numpy(cls, x_num: np.ndarray, x_cat: np.ndarray, y: np.ndarray, *,
                   task: str, weight: np.ndarray | None = None,
                   device: torch.device | str = "cpu") -> TensorData:
        y_t = torch.as_tensor(y, dtype=torch.long if task == "multiclass" else torch.float32)
        return cls(torch.as_tensor(x_num, dtype=torch.float32).to(device),
                   torch.as_tensor(x_cat, dtype=torch.long).to(device), y_t.to(device),
                   None if weight is None
                   else torch.as_tensor(weight, dtype=torch.float32).to(device))

    def __len__(self) -> int:
        return int(self.y.shape[0])


class EarlyStopping:
    """Best-epoch bookkeeping shared by every findeep loop (tabular, text, recommend):
    keep the best validation score's weights, stop after ``patience`` epochs without a
    gain of 1e-6, restore the best weights at the end. Without early stopping the last
    epoch counts as best. With ``weight_average`` w > 0 it restores instead the mean of the
    weights of the best epoch and of up to w epochs before and after it."""

    def __init__(self, config: TrainConfig, model: nn.Module) -> None:
        self.enabled, self.patience = config.early_stopping, config.patience
        self.best_score, self.best_epoch = -math.inf, 0
        self.best_state = copy.deepcopy(model.state_dict())
        self.window = int(config.weight_average) if config.early_stopping else 0
        self.recent: deque[dict[str, torch.Tensor]] = deque(maxlen=self.window)
        self.around: list[dict[str, torch.Tensor]] = []  # the best epoch's neighbours

    def should_stop(self, epoch: int, score: float, model: nn.Module) -> bool:
        """Record ``epoch``'s validation ``score``; True when training should stop."""
        state = None
        if not self.enabled:
            self.best_score, self.best_epoch = score, epoch
        elif score > self.best_score + 1e-6:
            self.best_score, self.best_epoch = score, epoch
            state = self.best_state = copy.deepcopy(model.state_dict())
            self.around = list(self.recent)  # up to w epochs before the best
        elif epoch - self.best_epoch >= self.patience:
            return True
        if self.window:
            state = state or copy.deepcopy(model.state_dict())
            if state is not self.best_state and epoch - self.best_epoch <= self.window:
                self.around.append(state)  # up to w epochs after it
            self.recent.append(state)
        return False

    def finish(self, model: nn.Module) -> None:
        """Restore the best weights (with early stopping) and leave the model in eval mode."""
        if self.enabled:
            states = [self.best_state, *self.around]
            model.load_state_dict(states[0] if len(states) == 1 else {
                name: torch.stack([s[name] for s in states]).mean(0)
                if value.is_floating_point() else value
                for name, value in self.best_state.items()})
        model.eval()


@dataclass
class FitResult:
    """What a fit learned besides the weights."""

    best_epoch: int
    epochs_run: int
    best_score: float
    seconds: float
    rows_per_second: float
    history: list[dict[str, float]] = field(default_factory=list)
    # a streamed run continued from a checkpoint: the epoch that checkpoint ended (else None)
    resumed_after_epoch: int | None = None
    # the training rows an epoch of this fit holds: all of them, or a round's share of them on
    # a taller table (``rounds_per_pass``; 0: not recorded)
    epoch_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        if self.resumed_after_epoch is None:  # absent, as in records written before it existed
            del record["resumed_after_epoch"]
        return record


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW, fused where PyTorch offers it: ~4x cheaper steps, which dominate small tables."""
    options = {"lr": config.learning_rate, "weight_decay": config.weight_decay}
    try:
        return torch.optim.AdamW(model.parameters(), fused=True, **options)
    except (RuntimeError, TypeError):  # a device or build without the fused kernel
        return torch.optim.AdamW(model.parameters(), **options)


def training_threads(config: TrainConfig, batch_size: int, members: int,
                     device: torch.device) -> int:
    """CPU threads for the fit: one, unless steps are big enough for two to pay off.

    Measured on 2 cores with the default network: a step on 64-256 rows x 8 members runs
    1.6-2.4x faster on one thread than on two (thread hand-offs cost more than the small
    matrix products save); at 512 x 8 two threads tie or win, more so on wide tables.
    ``members`` is the model's ``row_cost`` (compute per row in default-member units).
    """
    if config.num_threads != "auto":
        return int(config.num_threads)
    if device.type != "cpu" or batch_size * members > 2048:
        return torch.get_num_threads()
    return 1


def fit_batch_size(n_rows: int, config: TrainConfig) -> int:
    """The batch ``fit_network`` trains with on ``n_rows`` rows."""
    batch_size = auto_batch_size(n_rows) if config.batch_size == "auto" else int(config.batch_size)
    return min(batch_size, n_rows)


def fit_threads(model: nn.Module, n_rows: int, config: TrainConfig, device: torch.device) -> int:
    """The CPU threads ``fit_network`` trains ``model`` with on ``n_rows`` rows."""
    return training_threads(config, fit_batch_size(n_rows, config), row_cost(model), device)


def row_cost(model: nn.Module) -> int:
    """A step's compute per row, in units of one default-network member: its ``k``
    members, unless the model states its own ``row_cost`` (attention costs far more)."""
    return int(getattr(model, "row_cost", getattr(model, "k", 1)))


@contextmanager
def cpu_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` intra-op threads, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# early stopping looks at the validation rows at least every this many training rows (or as
# many as there are validation rows, where those are more: scoring them then costs at most
# about a quarter of the round's training); on a taller table an "epoch" is such a round, so
# a network that is done after two passes over 100,000 rows stops after a fraction of a pass
# of patience, not three passes
ROUND_ROWS = 32_768


def rounds_per_pass(n_rows: int, config: TrainConfig, valid_rows: int = 0) -> int:
    """How many times early stopping looks at the ``valid_rows`` validation rows in a pass over
    ``n_rows`` training rows: once, or often enough that no round holds more than
    ``ROUND_ROWS`` of them or ``valid_rows``, whichever is more (with early stopping only).
    Each round counts as an epoch in the fit's records; ``max_epochs`` still counts passes,
    which the schedule is planned over."""
    batch_size = fit_batch_size(n_rows, config)
    return rounds_of_steps(max(1, n_rows // batch_size), batch_size, config, valid_rows)


def rounds_of_steps(steps_per_pass: int, rows_per_step: int, config: TrainConfig,
                    valid_rows: int = 0) -> int:
    """``rounds_per_pass`` for a pass of ``steps_per_pass`` steps of ``rows_per_step`` rows
    each (a streamed fit's steps, all processes' rows together)."""
    if not config.early_stopping:
        return 1
    round_rows = max(ROUND_ROWS, valid_rows)
    return math.ceil(max(1, steps_per_pass) / max(1, round_rows // max(1, rows_per_step)))


def planned_epochs(n_rows: int, config: TrainConfig, valid_rows: int = 0) -> int:
    """The most epochs (rounds) a fit on ``n_rows`` rows runs: what a progress bar counts to."""
    return rounds_per_pass(n_rows, config, valid_rows) * config.max_epochs


def epoch_rows(n_rows: int, config: TrainConfig, valid_rows: int = 0) -> int:
    """The training rows one epoch of a fit on ``n_rows`` rows holds: all of them, or a round's
    share of a pass (``rounds_per_pass``) on a taller table."""
    rounds = rounds_per_pass(n_rows, config, valid_rows)
    if rounds == 1:
        return n_rows
    batch_size = fit_batch_size(n_rows, config)
    return math.ceil(max(1, n_rows // batch_size) / rounds) * batch_size


def auto_batch_size(n_rows: int) -> int:
    """A power of two near n/16, within [32, 512]: small tables still get ~16 steps an epoch."""
    return int(2 ** round(math.log2(min(512, max(32, n_rows / 16)))))


_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def resolve_device(device: str) -> torch.device:
    """``auto`` (CUDA when present, else CPU), ``cpu``, ``cuda`` or ``cuda:N``, any case;
    anything else is one ``ConfigError`` (torch's own message lists a dozen backends)."""
    name = str(device).strip().lower()
    if not _DEVICE.match(name):
        raise ConfigError(f"device must be auto, cpu, cuda or cuda:N, however: {device!r}.")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device '{device}' was asked for but CUDA is not available here.")
    return torch.device(name)


def predict_logits(model: nn.Module, x_num: torch.Tensor, x_cat: torch.Tensor,
                   batch_size: int = 8192) -> torch.Tensor:
    """Member logits ``(N, k, n_out)`` in batches, with the model in eval mode.

    On the CPU, batches are spread over one Python thread per core, each running torch on a
    single thread: measured on 2 cores, that scores ~1.4x faster than two OpenMP threads per
    batch, whose wake-ups between the many small products dominate (worse still with
    ``OMP_WAIT_POLICY=PASSIVE``). Every batch is computed the same way whichever thread
    takes it, so results do not depend on scheduling.
    """
    from findeep.models.inference import inference_forward

    model.eval()
    device = next(model.parameters()).device
    forward = inference_forward(model)  # same logits to ~1e-6, about twice as fast

    def score(start: int) -> torch.Tensor:
        with torch.inference_mode():  # grad mode is per thread
            return forward(x_num[start:start + batch_size].to(device),
                           x_cat[start:start + batch_size].to(device))

    starts = range(0, x_num.shape[0], batch_size)
    workers = min(torch.get_num_threads(), len(starts)) if device.type == "cpu" else 1
    if workers <= 1:
        return torch.cat([score(start) for start in starts]).float().cpu()
    with cpu_threads(1), ThreadPoolExecutor(workers) as pool:
        return torch.cat(list(pool.map(score, starts))).float().cpu()


def logits_to_prediction(logits: torch.Tensor, task: str, temperature: float = 1.0, *,
                         float64: bool = False) -> np.ndarray:
    """Average the members: probabilities for classification, values for regression.

    Binary -> P(class 1) of shape (N,); multiclass -> (N, C); regression -> (N,), or
    (N, n_out) for a network with several regression outputs. ``float64``: a binary
    probability in float64, as a blend takes its log-odds: in float32 a probability of
    0.99999 keeps 1 - p to ~0.6%, so its log-odds to ~0.006, which the blend would carry.
    """
    if task == "binary":
        if float64:
            logits = logits.double()
        return torch.sigmoid(logits[..., 0] / temperature).mean(dim=1).numpy()
    if task == "multiclass":
        return torch.softmax(logits / temperature, dim=-1).mean(dim=1).numpy()
    if logits.shape[-1] > 1:
        return logits.mean(dim=1).numpy()
    return logits[..., 0].mean(dim=1).numpy()


def validation_score(task: str, prediction: np.ndarray, y: np.ndarray,
                     quantiles: tuple[float, ...] | list[float] = (),
                     metric: str = "auto") -> float:
    """Higher is better: ROC-AUC (binary; -log-loss with ``metric="log_loss"``), -log-loss
    (multiclass), -MSE (regression), -pinball loss (regression with ``quantiles``, one output
    per quantile)."""
    if quantiles:
        return -float(pinball(torch.as_tensor(prediction), torch.as_tensor(y),
                              quantiles).mean())
    if task == "binary":
        if metric == "log_loss" or len(np.unique(y)) < 2:
            p = np.clip(prediction, 1e-7, 1 - 1e-7)
            return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        # ROC-AUC is the Mann-Whitney U over (positives x negatives), ties counted half:
        # scipy's U is 3x cheaper than roc_auc_score's input checks, paid every epoch
        positive = y == 1
        u = mannwhitneyu(prediction[positive], prediction[~positive], method="asymptotic",
                         use_continuity=False).statistic
        return float(u / (positive.sum() * (~positive).sum()))
    if task == "multiclass":
        p = np.clip(prediction[np.arange(len(y)), y.astype(int)], 1e-7, 1.0)
        return float(np.mean(np.log(p)))
    return -float(np.mean((prediction - y) ** 2))


def lr_schedule(optimizer: torch.optim.Optimizer, config: TrainConfig, total_steps: int
                ) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``config.warmup_fraction`` of ``total_steps``, then cosine decay
    to zero (or constant): the one schedule every findeep training loop steps once a batch."""
    warmup = int(config.warmup_fraction * total_steps)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: _lr_factor(s, total_steps, warmup, config.schedule))


def apply_step(loss: torch.Tensor, optimizer: torch.optim.Optimizer,
               scheduler: torch.optim.lr_scheduler.LRScheduler | None, model: nn.Module,
               grad_clip: float) -> float:
    """One optimiser step on ``loss``: gradients, their norm clipped to ``grad_clip`` (0: not
    clipped), the step and the schedule's (``None``: a loop without one, as forecasting's);
    returns the loss as a number. Every training loop in findeep (tables, streams, text,
    recommendations, forecasts) steps through here."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip > 0:
        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    return float(loss.detach())


def _lr_factor(step: int, total: int, warmup: int, schedule: str) -> float:
    if warmup and step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


ProgressHook = Callable[[int, dict[str, float]], None]


def fit_network(model: nn.Module, train: TensorData, valid: TensorData, *, task: str,
                config: TrainConfig, on_epoch_end: ProgressHook | None = None) -> FitResult:
    """Train ``model`` in place and leave it holding its best-validation-epoch weights."""
    config.check()
    long_work_starts()  # the inputs passed their checks: held warnings may be shown now
    torch.manual_seed(config.seed)
    generator = torch.Generator(device="cpu").manual_seed(int(config.seed))
    device = train.x_num.device
    model.to(device)
    optimizer = make_optimizer(model, config)
    n = len(train)
    batch_size = fit_batch_size(n, config)
    steps_per_epoch = max(1, n // batch_size)  # drop the ragged last batch: equal-sized steps
    if (config.early_stopping and config.batch_size != "auto"
            and steps_per_epoch < MIN_STEPS_PER_EPOCH):
        warnings.warn(
            f"batch size {batch_size} leaves {steps_per_epoch} step(s) per epoch on {n:,} "
            f"training rows, so early stopping may keep a barely-trained network; use at most "
            f"{max(1, n // MIN_STEPS_PER_EPOCH)} or leave the batch size on auto.",
            FindeepWarning, stacklevel=2)
    total_steps = steps_per_epoch * config.max_epochs
    scheduler = lr_schedule(optimizer, config, total_steps)
    rounds = rounds_per_pass(n, config, len(valid))
    steps_per_round = math.ceil(steps_per_epoch / rounds)
    y_valid = valid.y.cpu().numpy()
    threads = fit_threads(model, n, config, device)
    with cpu_threads(threads):
        stopping = EarlyStopping(config, model)
        history: list[dict[str, float]] = []
        started = time.perf_counter()
        epoch = taken = 0
        bootstrap: torch.Tensor | None = None  # (n, k) per-member row weights, if asked for
        for epoch in range(1, rounds * config.max_epochs + 1):
            model.train()
            in_pass = taken % steps_per_epoch  # steps already taken of this pass
            if in_pass == 0:
                order = torch.randperm(n, generator=generator).to(device)
            steps = min(steps_per_round, steps_per_epoch - in_pass)
            total_loss = 0.0
            for step in range(in_pass, in_pass + steps):
                rows = order[step * batch_size:(step + 1) * batch_size]
                logits = model(train.x_num[rows], train.x_cat[rows])
                weight = None if train.weight is None else train.weight[rows]
                if config.member_bootstrap and bootstrap is None:
                    bootstrap = member_bootstrap(n, logits.shape[1], generator).to(device)
                loss = member_loss(config.loss, logits, train.y[rows], weight, config.quantiles,
                                   None if bootstrap is None else bootstrap[rows])
                penalty = model_penalty(model)
                if penalty is not None:
                    loss = loss + penalty
                total_loss += apply_step(loss, optimizer, scheduler, model, config.grad_clip)
            taken += steps
            logits = predict_logits(model, valid.x_num, valid.x_cat)
            score = validation_score(task, logits_to_prediction(logits, task), y_valid,
                                     config.quantiles, metric=config.stopping_metric)
            record = {"epoch": epoch, "train_loss": total_loss / steps,
                      "valid_score": score}
            history.append(record)
            if on_epoch_end is not None:
                on_epoch_end(epoch, record)
            if stopping.should_stop(epoch, score, model):
                break
    stopping.finish(model)
    seconds = time.perf_counter() - started
    warn_if_diverged(history, task, config.learning_rate)
    return FitResult(stopping.best_epoch, epoch, stopping.best_score, seconds,
                     rows_per_second=taken * batch_size / max(seconds, 1e-9), history=history,
                     epoch_rows=epoch_rows(n, config, len(valid)))


# a mean classification loss past this many nats per row is a network that is confidently
# wrong on most rows (predicting the base rate costs at most log(classes): 0.69 for two)
DIVERGED_NATS = 10.0


def warn_if_diverged(history: list[dict[str, float]], task: str, learning_rate: float) -> None:
    """Warn, once per message, when the training loss became NaN/infinite, or (binary and
    multiclass) ended above ``DIVERGED_NATS``: the optimiser diverged, and the weights kept
    are the initial ones or barely better than a guess."""
    losses = [record["train_loss"] for record in history]
    if not losses:
        return
    if not all(math.isfinite(loss) for loss in losses):
        what = "the training loss became NaN or infinite"
    elif task in ("binary", "multiclass") and losses[-1] > DIVERGED_NATS:
        what = f"the training loss ended above {DIVERGED_NATS:g} nats per row"
    else:
        return
    warnings.warn(f"training diverged: {what} at learning rate {learning_rate:g}, so the "
                  "network's scores are unreliable; lower the learning rate (--learning-rate) "
                  "or leave it on its default.", FindeepWarning, stacklevel=3)


def member_bootstrap(n_rows: int, k: int, generator: torch.Generator) -> torch.Tensor:
    """``(n_rows, k)`` Poisson(1) counts: how often each member sees each row in its loss, as
    if each had drawn its own bootstrap sample of the training rows."""
    return torch.poisson(torch.ones(n_rows, k), generator=generator)


def model_penalty(model: nn.Module) -> torch.Tensor | None:
    """A network's own training-loss term (``TabMPLE.penalty``: the group lasso), if any."""
    penalty = getattr(model, "penalty", None)
    return penalty() if callable(penalty) else None


def fit_temperature(logits: torch.Tensor, y: np.ndarray, task: str) -> float:
    """Temperature that minimises validation log-loss of the member-averaged probabilities.

    A bounded one-dimensional search over log T in [log 0.05, log 20] (scipy's Brent
    method on numpy arrays): the same optimum as a gradient method at a tenth of the time.
    """
    if task == "regression" or len(y) < 20:
        return 1.0
    from scipy.optimize import minimize_scalar
    from scipy.special import expit, log_softmax

    z = logits.detach().double().numpy()
    target = np.asarray(y).astype(int)

    def log_loss(log_t: float) -> float:
        scaled = z / np.exp(log_t)
        if task == "binary":
            p = np.clip(expit(scaled[..., 0]).mean(axis=1), 1e-7, 1 - 1e-7)
            return float(-np.mean(target * np.log(p) + (1 - target) * np.log1p(-p)))
        p = np.exp(log_softmax(scaled, axis=-1)).mean(axis=1)
        return float(-np.mean(np.log(np.clip(p[np.arange(len(target)), target], 1e-7, None))))

    found = minimize_scalar(log_loss, bounds=(math.log(0.05), math.log(20.0)), method="bounded",
                            options={"xatol": 1e-4})
    temperature = float(np.exp(found.x))
    if not (found.success and log_loss(found.x) <= log_loss(0.0)):
        return 1.0  # never calibrate to something worse than leaving the scores alone
    return temperature
