"""Streamed training on a pass taller than a round of rows: early stopping looks at the
validation rows every round, as in memory; each round is an epoch of the records and of the
checkpoints, and a resume from a round inside a pass ends at the uninterrupted weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from findeep.errors import ConfigError
from findeep.train import trainer
from findeep.train.streaming import Checkpointing, fit_network_streamed
from findeep.train.trainer import TensorData, TrainConfig, rounds_of_steps

ROWS, BATCH, CHUNK = 2_048, 128, 256  # 16 steps a pass, streamed as 8 chunks


class RowRecorder(nn.Module):
    """A small network with dropout on column 1 that records the row ids (column 0) of every
    batch it trains on."""

    def __init__(self, learns: bool = True) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1))
        self.learns = learns
        self.batches: list[np.ndarray] = []

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.batches.append(x_num[:, 0].long().numpy())
        out = self.net(x_num[:, 1:2])
        if not self.learns:  # a score that never improves: early stopping's shortest fit
            out = out * 0.0
        return out.unsqueeze(1)  # (B, k=1, n_out=1)


def _table(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=ROWS)
    y = (rng.random(ROWS) < 1 / (1 + np.exp(-2 * signal))).astype(np.float32)
    return np.column_stack([np.arange(ROWS), signal]).astype(np.float32), y


def _chunks(x: np.ndarray, y: np.ndarray):
    empty = np.zeros((CHUNK, 0), dtype=np.int64)

    def chunks(pass_number: int):
        for index in np.random.default_rng([0, pass_number]).permutation(ROWS // CHUNK):
            rows = slice(index * CHUNK, (index + 1) * CHUNK)
            yield x[rows], empty, y[rows]
    return chunks


def _fit(config: TrainConfig, *, learns: bool = True, checkpointing=None, on_epoch_end=None):
    x, y = _table()
    torch.manual_seed(0)
    model = RowRecorder(learns)
    valid = TensorData.from_numpy(x[:200], np.zeros((200, 0), dtype=np.int64), y[:200],
                                  task="binary")
    result = fit_network_streamed(model, _chunks(x, y), valid, task="binary", config=config,
                                  steps_per_epoch=ROWS // BATCH, batch_size=BATCH,
                                  checkpointing=checkpointing, on_epoch_end=on_epoch_end)
    return model, result


@pytest.fixture()
def short_rounds(monkeypatch):
    """Rounds of 512 rows: 4 steps of 128, 4 rounds a pass of 2,048 rows."""
    monkeypatch.setattr(trainer, "ROUND_ROWS", 512)


def test_a_pass_within_one_round_is_one_epoch_as_before() -> None:
    config = TrainConfig(max_epochs=3, patience=100, seed=1, verbose=0)
    assert rounds_of_steps(ROWS // BATCH, BATCH, config) == 1
    model, result = _fit(config)
    assert result.epochs_run == 3 and len(result.history) == 3 and result.epoch_rows == 0
    assert len(model.batches) == 3 * (ROWS // BATCH)


def test_a_taller_pass_is_looked_at_every_round_and_still_sees_every_row_once(
        short_rounds) -> None:
    config = TrainConfig(max_epochs=2, patience=100, seed=1, verbose=0)
    assert rounds_of_steps(ROWS // BATCH, BATCH, config) == 4
    assert rounds_of_steps(ROWS // BATCH, BATCH, config, valid_rows=1_024) == 2
    model, result = _fit(config)
    assert result.epochs_run == 8 and [r["epoch"] for r in result.history] == list(range(1, 9))
    assert result.epoch_rows == 512
    assert len(model.batches) == 32  # two passes of 16 steps, split into rounds of 4
    for first in (0, 16):  # each pass: every streamed row exactly once, in a new order
        seen = np.concatenate(model.batches[first:first + 16])
        assert np.array_equal(np.sort(seen), np.arange(ROWS))
    assert not np.array_equal(np.concatenate(model.batches[:16]),
                              np.concatenate(model.batches[16:]))


def test_a_flat_network_stops_after_patience_plus_one_rounds_inside_the_first_pass(
        short_rounds) -> None:
    config = TrainConfig(max_epochs=5, patience=2, seed=1, verbose=0)
    model, result = _fit(config, learns=False)
    assert result.best_epoch == 1 and result.epochs_run == 3
    assert len(model.batches) == 12  # three rounds of 4 steps: three quarters of one pass


def test_without_early_stopping_an_epoch_stays_a_pass(short_rounds) -> None:
    config = TrainConfig(max_epochs=2, early_stopping=False, seed=1, verbose=0)
    assert rounds_of_steps(ROWS // BATCH, BATCH, config) == 1
    _, result = _fit(config)
    assert result.epochs_run == 2 and result.epoch_rows == 0


def _weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def test_a_resume_from_a_round_inside_a_pass_ends_at_the_uninterrupted_weights(
        short_rounds, tmp_path) -> None:
    # log-loss moves with every step (one column's AUC would not), so the best epoch is late
    config = TrainConfig(max_epochs=3, patience=100, seed=2, verbose=0,
                         stopping_metric="log_loss")
    run = {"data": "the same"}
    straight, straight_result = _fit(config, checkpointing=Checkpointing(tmp_path / "a",
                                                                         run=run))

    def killed_in_round_7(epoch: int, record: dict) -> None:  # the second pass's third round
        if epoch == 7:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        _fit(config, checkpointing=Checkpointing(tmp_path / "b", run=run),
             on_epoch_end=killed_in_round_7)
    latest = json.loads((tmp_path / "b" / "latest.json").read_text())
    assert latest["epoch"] == 6  # two rounds into the second pass
    resumed, resumed_result = _fit(config, checkpointing=Checkpointing(tmp_path / "b",
                                                                       resume=True, run=run))
    assert resumed_result.resumed_after_epoch == 6 and resumed_result.epochs_run == 12
    assert len(resumed.batches) == 6 * 4  # trained rounds 7-12 only; rounds 5-6 were re-read
    assert straight_result.best_epoch > 7 and resumed_result.best_epoch == (
        straight_result.best_epoch)
    a, b = _weights(straight), _weights(resumed)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert resumed_result.history == straight_result.history  # losses and scores, every round


def test_a_checkpoint_cut_into_other_rounds_is_refused(short_rounds, monkeypatch,
                                                       tmp_path) -> None:
    config = TrainConfig(max_epochs=1, patience=100, seed=2, verbose=0)
    _fit(config, checkpointing=Checkpointing(tmp_path, run={"data": "the same"}))
    monkeypatch.setattr(trainer, "ROUND_ROWS", 1_024)  # now 2 rounds a pass, not 4
    with pytest.raises(ConfigError, match="rounds_per_pass"):
        _fit(TrainConfig(max_epochs=2, patience=100, seed=2, verbose=0),
             checkpointing=Checkpointing(tmp_path, resume=True, run={"data": "the same"}))
