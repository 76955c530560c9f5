"""On a table taller than a round of rows, early stopping looks at the validation rows every
round (``trainer.ROUND_ROWS`` rows), not once a pass; ``max_epochs`` still counts passes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from findeep.train import bagging as bagging_rules
from findeep.train import trainer
from findeep.train.trainer import (
    FitResult,
    TensorData,
    TrainConfig,
    epoch_rows,
    fit_network,
    planned_epochs,
    rounds_per_pass,
)

ROWS = 2_048  # batch "auto" on 2,048 rows: 128, so 16 steps a pass


class RowRecorder(nn.Module):
    """A logistic model on column 1 that records, while training, the row ids (column 0) of
    every batch it is given."""

    def __init__(self, learns: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)
        self.learns = learns
        self.batches: list[np.ndarray] = []

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.batches.append(x_num[:, 0].long().numpy())
        out = self.linear(x_num[:, 1:2])
        if not self.learns:  # a score that never improves: early stopping's shortest fit
            out = out * 0.0 + self.linear.bias * 0.0
        return out.unsqueeze(1)  # (B, k=1, n_out=1)


def _data(n: int, seed: int = 0) -> tuple[TensorData, TensorData]:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * signal))).astype(float)
    x_num = np.column_stack([np.arange(n), signal])
    empty = np.zeros((n, 0), dtype=np.int64)
    train = TensorData.from_numpy(x_num, empty, y, task="binary")
    valid = TensorData.from_numpy(x_num[:200], empty[:200], y[:200], task="binary")
    return train, valid


@pytest.fixture()
def short_rounds(monkeypatch):
    """Rounds of 256 rows: 2 steps of 128, 8 rounds a pass of 2,048 rows."""
    monkeypatch.setattr(trainer, "ROUND_ROWS", 256)


def test_a_table_within_one_round_looks_once_a_pass() -> None:
    config = TrainConfig(max_epochs=7)
    assert rounds_per_pass(ROWS, config) == 1
    assert epoch_rows(ROWS, config) == ROWS and planned_epochs(ROWS, config) == 7


def test_a_taller_table_is_checked_every_round_and_each_pass_still_sees_every_row(
        short_rounds) -> None:
    config = TrainConfig(max_epochs=2, patience=100, seed=3, verbose=0)
    assert rounds_per_pass(ROWS, config) == 8 and epoch_rows(ROWS, config) == 256
    model = RowRecorder()
    train, valid = _data(ROWS)
    result = fit_network(model, train, valid, task="binary", config=config)
    # two passes of 16 steps, looked at after every 2 steps: 16 epochs in the records
    assert result.epochs_run == planned_epochs(ROWS, config) == 16
    assert len(result.history) == 16 and result.epoch_rows == 256
    assert len(model.batches) == 32
    for first in (0, 16):  # each pass: every training row exactly once, in a new order
        seen = np.concatenate(model.batches[first:first + 16])
        assert sorted(seen) == list(range(ROWS))
    assert not np.array_equal(np.concatenate(model.batches[:16]),
                              np.concatenate(model.batches[16:]))


def test_early_stopping_on_a_taller_table_stops_within_a_pass(short_rounds) -> None:
    """A network whose score never improves stops after patience + 1 rounds — half a pass
    here — where a pass-by-pass check would have trained four passes."""
    model = RowRecorder(learns=False)
    train, valid = _data(ROWS)
    result = fit_network(model, train, valid, task="binary",
                         config=TrainConfig(max_epochs=50, patience=3, verbose=0))
    assert result.epochs_run == 4 and result.best_epoch == 1
    assert len(model.batches) == 8  # 4 rounds of 2 steps


def test_a_round_holds_at_least_as_many_rows_as_the_validation_rows(short_rounds) -> None:
    """Scoring the validation rows must not cost more than a round's training: with 1,024 of
    them a round is 1,024 rows (8 steps of 128: 2 rounds a pass), not 256."""
    config = TrainConfig(max_epochs=2, patience=100, verbose=0)
    assert rounds_per_pass(ROWS, config, valid_rows=1_024) == 2
    assert epoch_rows(ROWS, config, valid_rows=1_024) == 1_024
    assert planned_epochs(ROWS, config, valid_rows=1_024) == 4
    model = RowRecorder()
    train, _ = _data(ROWS)
    valid, _ = _data(1_024, seed=1)
    result = fit_network(model, train, valid, task="binary", config=config)
    assert result.epochs_run == 4 and result.epoch_rows == 1_024 and len(model.batches) == 32


def test_without_early_stopping_an_epoch_is_a_pass(short_rounds) -> None:
    config = TrainConfig(max_epochs=2, early_stopping=False, verbose=0)
    assert rounds_per_pass(ROWS, config) == 1
    model = RowRecorder()
    train, valid = _data(ROWS)
    result = fit_network(model, train, valid, task="binary", config=config)
    assert result.epochs_run == 2 and result.epoch_rows == ROWS and len(model.batches) == 32


def test_rounds_give_the_same_network_for_the_same_seed(short_rounds) -> None:
    fits = []
    for _ in range(2):
        torch.manual_seed(0)
        model = RowRecorder()
        train, valid = _data(ROWS)
        fit_network(model, train, valid, task="binary",
                    config=TrainConfig(max_epochs=3, seed=5, verbose=0))
        fits.append(model.linear.weight.detach().clone())
    assert torch.equal(fits[0], fits[1])


def test_the_bagging_budget_counts_a_round_not_a_pass(monkeypatch) -> None:
    """The first member's epochs are projected over the rows each held: 10 rounds of 1,000
    rows cost what 10 passes over 1,000 rows would, not over the 10,000 rows it trains on."""
    monkeypatch.setattr(bagging_rules, "CATBOOST_SECONDS", {"c0": 1.0, "c_num": 0.0,
                                                            "c_cat": 0.0})
    monkeypatch.setattr(bagging_rules, "CATBOOST_ONE_HOT_SECONDS", None)
    monkeypatch.setattr(bagging_rules, "NETWORK_CPU_PER_ROW_EPOCH", {"u0": 2e-5, "u1": 0.0})
    monkeypatch.setattr(bagging_rules, "BUDGET_SHARE", 1.0)
    shape = {"fit_rows": 10_000, "d_in": 4, "rows": 12_000, "numeric": 4, "categorical": 0}
    rounds = FitResult(best_epoch=7, epochs_run=10, best_score=0.7, seconds=1.0,
                       rows_per_second=1.0, epoch_rows=1_000)
    passes = FitResult(best_epoch=7, epochs_run=10, best_score=0.7, seconds=1.0,
                       rows_per_second=1.0)
    assert bagging_rules.auto_members(passes, **shape) == 1  # 2 s a member, 1 s of budget
    assert bagging_rules.auto_members(rounds, **shape) == \
        bagging_rules.members_for_epochs(10, **{**shape, "fit_rows": 1_000}) == 5


def test_a_model_trained_in_rounds_says_so_where_its_epochs_are_shown(short_rounds) -> None:
    from findeep.pipeline import fit_tabular
    from findeep.report.card import best_epoch_text
    from findeep.testing import make_credit_frame
    from findeep.views import bagging_line

    frame = make_credit_frame(1_500, seed=0)
    X, y = frame.drop(columns="default"), frame["default"]
    tall = fit_tabular(X, y, bagging=1, max_epochs=3, seed=0, verbose=0).training
    assert 0 < tall["epoch_rows"] < tall["fit_rows"]
    said = f"a round of {tall['epoch_rows']:,} of the {tall['fit_rows']:,} fit rows"
    assert said in best_epoch_text(tall) and said in bagging_line(tall)
    assert tall["epochs_run"] == len(tall["history"])


def test_a_model_trained_in_passes_shows_its_epochs_plainly() -> None:
    from findeep.report.card import best_epoch_text

    assert best_epoch_text({"best_epoch": 4, "epochs_run": 8, "epoch_rows": 900,
                            "fit_rows": 900}) == "best epoch 4 of 8"
    assert best_epoch_text({"best_epoch": 4, "epochs_run": 8}) == "best epoch 4 of 8"  # older
