"""A bag's members trained side by side in forked processes, on a machine with spare cores.

A bag's members are independent fits (each its own fold and seed) and on small tables each
trains on one CPU thread (``training_threads``: more threads cost more than they save on
small steps), so on a 2-core machine one core idled while the members ran one after
another. After the first member (whose epochs decide how many follow under
``bagging="auto"``), the rest are shared out among up to one forked worker per core, each
on one thread; a worker sends every member back over a pipe as JSON (its fit record, its
epochs as they pass, for the progress bar) and safetensors bytes (its weights and
out-of-fold logits): no pickle. Every member is the one a sequential fit trains, bit for
bit: the same seed, rows, thread count and operations.

Used only where that is safe and pays: Linux's ``fork`` start method, a CPU device, at
least two members left, two cores this process may use and two torch threads it may run (a
process held to one thread by ``torch.set_num_threads`` or ``OMP_NUM_THREADS`` trains them
in turn), members that train on one thread, and not inside a daemonic process.
``FINDEEP_PARALLEL_MEMBERS=0`` turns it off. A worker that fails or dies leaves its
unfinished members to the caller, which trains them in process (so a member's error is
raised there, as without workers).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from findeep.train.trainer import FitResult, ProgressHook

OFF_SWITCH = "FINDEEP_PARALLEL_MEMBERS"
_OUT_OF_FOLD = "__out_of_fold__"

MemberFit = tuple[nn.Module, FitResult, torch.Tensor]  # network, its fit, out-of-fold logits
TrainMember = Callable[[int, ProgressHook | None], MemberFit]
Rebuild = Callable[[int, dict[str, torch.Tensor]], nn.Module]  # member index, weights -> network
Progress = Callable[[int, int], Any]  # (member index, members planned) -> epoch hook context


def worker_count(members_left: int, member_threads: int, device: torch.device | str) -> int:
    """How many worker processes to train ``members_left`` members with (0: none)."""
    if (os.environ.get(OFF_SWITCH, "1") == "0" or members_left < 2 or member_threads != 1
            or torch.device(device).type != "cpu" or not sys.platform.startswith("linux")
            or "fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # a process held to n threads (torch.set_num_threads, OMP_NUM_THREADS) gets n workers
    workers = min(members_left, cores or 1, torch.get_num_threads())
    return workers if workers > 1 else 0


def train_in_processes(train_member: TrainMember, rebuild: Rebuild, members: list[int],
                       workers: int, *, progress: Progress | None = None,
                       planned: int = 0) -> dict[int, MemberFit]:
    """Train ``members`` in ``workers`` forked processes (member j of the list to worker
    j mod workers); return the fits that came back, by member index."""
    context = multiprocessing.get_context("fork")
    sys.stdout.flush()  # a forked child flushes its copy of these buffers when it exits
    sys.stderr.flush()
    processes, pipes = [], []
    for w in range(workers):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_work, args=(train_member, members[w::workers], send),
                                  daemon=True)
        process.start()
        send.close()
        processes.append(process)
        pipes.append(receive)
    fits: dict[int, MemberFit] = {}
    try:
        with _progress_in_order(members, progress, planned) as show:
            _collect(pipes, rebuild, fits, show)
    except BaseException:  # Ctrl-C or a failure here: what the workers still train is wasted
        for process in processes:
            process.kill()
        raise
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    return fits


def _collect(pipes: list[Connection], rebuild: Rebuild, fits: dict[int, MemberFit],
             show: Callable[[int, int, dict[str, float] | None], None]) -> None:
    open_pipes = list(pipes)
    while open_pipes:
        for pipe in wait(open_pipes):
            try:
                message = json.loads(pipe.recv_bytes())
                if "done" in message:
                    tensors = load_tensors(pipe.recv_bytes())
            except Exception:  # the worker ended or died (mid-message): its rest is the caller's
                open_pipes.remove(pipe)
                continue
            if "error" in message:
                open_pipes.remove(pipe)
            elif "done" in message:
                i = int(message["member"])
                out_of_fold = tensors.pop(_OUT_OF_FOLD)
                fits[i] = (rebuild(i, tensors), FitResult(**message["done"]), out_of_fold)
                show(i, -1, None)
            else:
                show(int(message["member"]), int(message["epoch"]), message["record"])


def _work(train_member: TrainMember, members: list[int], pipe: Connection) -> None:
    """In the worker: train each member, send its epochs, record, weights and logits.

    Ctrl-C reaches every process of the terminal's group, workers included: a worker then
    ends quietly (no traceback per worker under the caller's one line), and the caller,
    interrupted too, stops them all and reports it."""
    try:
        torch.set_num_threads(1)
        for i in members:
            def hook(epoch: int, record: dict[str, float], i: int = i) -> None:
                pipe.send_bytes(json.dumps({"member": i, "epoch": epoch,
                                            "record": record}).encode())

            network, result, out_of_fold = train_member(i, hook)
            tensors = {name: value.detach().contiguous().clone()
                       for name, value in network.state_dict().items()}
            tensors[_OUT_OF_FOLD] = out_of_fold.contiguous()
            weights = save_tensors(tensors)
            pipe.send_bytes(json.dumps({"member": i, "done": result.to_dict()}).encode())
            pipe.send_bytes(weights)
    except Exception as error:  # reported; the caller trains what is left in process
        pipe.send_bytes(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode())
    except KeyboardInterrupt:  # a closed pipe: a caller not interrupted itself trains the rest
        pass
    finally:
        pipe.close()


@contextmanager
def _progress_in_order(members: list[int], progress: Progress | None, planned: int
                       ) -> Iterator[Callable[[int, int, dict[str, float] | None], None]]:
    """One bar at a time, as in a sequential fit: the lowest unfinished member's epochs
    (a member that finishes while another's bar is up shows none)."""
    if progress is None:
        yield lambda *_: None
        return
    waiting = list(members)
    latest: dict[int, tuple[int, dict[str, float]]] = {}
    shown: dict[str, Any] = {"member": None, "bar": None, "hook": None}

    def open_bar() -> None:
        if not waiting:
            return
        bar = progress(waiting[0], planned)
        shown.update(member=waiting[0], bar=bar, hook=bar.__enter__())
        if shown["hook"] is not None and waiting[0] in latest:
            shown["hook"](*latest[waiting[0]])

    def close_bar() -> None:
        if shown["bar"] is not None:
            shown["bar"].__exit__(None, None, None)
        shown.update(member=None, bar=None, hook=None)

    def show(i: int, epoch: int, record: dict[str, float] | None) -> None:
        if record is not None:
            latest[i] = (epoch, record)
            if i == shown["member"] and shown["hook"] is not None:
                shown["hook"](epoch, record)
            return
        waiting.remove(i)
        if i == shown["member"]:
            close_bar()
            open_bar()

    open_bar()
    try:
        yield show
    finally:
        close_bar()
