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


def _interrupted_member(i: int, hook):
    raise KeyboardInterrupt


def test_an_interrupted_worker_ends_quietly_and_closes_its_pipe():
    """Ctrl-C in a worker ends it without a traceback: nothing sent, its pipe closed (a
    caller that was not interrupted itself trains the worker's members)."""
    from multiprocessing import Pipe

    receive, send = Pipe(duplex=False)
    try:
        member_processes._work(_interrupted_member, [1, 3], send)
    except KeyboardInterrupt:  # caught here so that the old code fails this test, not the run
        pytest.fail("Ctrl-C escaped the worker: its process would print a traceback")
    assert send.closed
    with pytest.raises(EOFError):  # no message, only the end of the pipe
        receive.recv_bytes()


def _slow_member(i: int, hook):
    if i == 2:
        import time

        time.sleep(60)
    return _member(i, hook)


def _interrupted_rebuild(i: int, weights):
    raise KeyboardInterrupt


def test_an_interrupted_caller_stops_its_workers_at_once():
    """Ctrl-C in the caller (here: while it rebuilds a member) stops the workers that are
    still training instead of waiting for them, and reaches the caller."""
    import multiprocessing
    import time

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        train_in_processes(_slow_member, _interrupted_rebuild, [1, 2], 2)
    assert time.monotonic() - started < 4  # the old code waited 5 s for the slow worker
    assert not multiprocessing.active_children()


CTRL_C_SCRIPT = """
import sys, time
from findeep.train.member_processes import train_in_processes

def member(i, hook):
    print(f"member {i} started", flush=True)
    time.sleep(60)

try:
    train_in_processes(member, lambda i, w: None, [1, 2], 2)
except KeyboardInterrupt:
    print("findeep: interrupted", file=sys.stderr)
    sys.exit(130)
"""


def test_ctrl_c_during_training_in_workers_prints_no_worker_traceback():
    """Ctrl-C (SIGINT to the whole process group) while members train in workers: the
    caller's one line, exit 130, and no 'Process ForkProcess-N: Traceback' per worker."""
    import multiprocessing
    import os
    import signal
    import subprocess
    import sys

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    run = subprocess.Popen([sys.executable, "-c", CTRL_C_SCRIPT], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        started = [run.stdout.readline() for _ in range(2)]
        assert sorted(started) == ["member 1 started\n", "member 2 started\n"]
        os.killpg(run.pid, signal.SIGINT)  # as the terminal does on Ctrl-C
        _, stderr = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 130, stderr
    assert stderr == "findeep: interrupted\n"
