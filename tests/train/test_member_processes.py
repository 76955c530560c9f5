"""A bag's members trained in forked worker processes are the members a sequential fit
trains, bit for bit; a worker that fails leaves its members to the caller."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import findeep
from findeep.testing import make_credit_frame
from findeep.train import member_processes
from findeep.train.member_processes import OFF_SWITCH, train_in_processes, worker_count
from findeep.train.trainer import FitResult


@pytest.fixture
def two_threads():
    """Two torch threads for the test (the server and forecasting tests leave their process
    on one, which rightly keeps a bag in one process); skipped without fork or two cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        if worker_count(2, 1, "cpu") < 2:
            pytest.skip("needs the fork start method and two usable cores")
        yield
    finally:
        torch.set_num_threads(before)


@pytest.mark.usefixtures("two_threads")
def test_members_trained_in_workers_equal_members_trained_in_turn(monkeypatch):
    frame = make_credit_frame(500, seed=1)
    y = frame.pop("default")
    new = make_credit_frame(100, seed=5).drop(columns="default")
    calls = []
    real = member_processes.train_in_processes
    monkeypatch.setattr("findeep.train.bagging.train_in_processes",
                        lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    parallel = findeep.TabularClassifier(max_epochs=4, bagging=4).fit(frame, y)
    assert calls == [[1, 2, 3]]  # the first member in process, the other three in workers
    monkeypatch.setenv(OFF_SWITCH, "0")
    in_turn = findeep.TabularClassifier(max_epochs=4, bagging=4).fit(frame, y)
    assert len(calls) == 1
    np.testing.assert_array_equal(parallel.event_probability(new), in_turn.event_probability(new))
    fits = [{k: v for k, v in fit.items() if k != "seconds"}
            for fit in parallel.training_["bagging"]["member_fits"]]
    assert fits == [{k: v for k, v in fit.items() if k != "seconds"}
                    for fit in in_turn.training_["bagging"]["member_fits"]]


def _member(i: int, hook):
    if i == 2:
        raise ValueError("member 2 cannot be trained")
    network = torch.nn.Linear(3, 1)
    torch.nn.init.constant_(network.weight, float(i))
    if hook is not None:
        hook(1, {"valid_score": 0.5})
    return network, FitResult(1, 1, 0.5, 0.1, 10.0), torch.full((4, 1), float(i))


def _rebuild(i: int, weights):
    network = torch.nn.Linear(3, 1)
    network.load_state_dict(weights)
    return network


@pytest.mark.usefixtures("two_threads")
def test_a_failing_worker_leaves_its_members_to_the_caller():
    fits = train_in_processes(_member, _rebuild, [1, 2, 3, 4], 2)
    # worker 0 trains 1 and 3; worker 1 fails on 2 and so never reaches 4
    assert sorted(fits) == [1, 3]
    network, result, out_of_fold = fits[3]
    assert network.weight.detach()[0, 0].item() == 3.0 and result.best_score == 0.5
    assert torch.equal(out_of_fold, torch.full((4, 1), 3.0))


def test_workers_only_where_they_are_safe_and_pay(monkeypatch):
    assert worker_count(1, 1, "cpu") == 0  # one member left: nothing to share
    assert worker_count(3, 2, "cpu") == 0  # members that use two threads each
    assert worker_count(3, 1, "meta") == 0  # not a CPU device
    monkeypatch.setenv(OFF_SWITCH, "0")
    assert worker_count(3, 1, "cpu") == 0
    monkeypatch.delenv(OFF_SWITCH)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a user who holds findeep to one thread gets no workers
    try:
        assert worker_count(3, 1, "cpu") == 0
    finally:
        torch.set_num_threads(threads)
