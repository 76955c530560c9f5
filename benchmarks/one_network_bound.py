"""Issue 12: how fast could one ``default`` network train on VietNamI's and DoctorVisits' shapes?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/one_network_bound.py

On the two unseen tables where one network (no bagging) fits slower than CatBoost (VietNamI
1.58x, DoctorVisits 1.06x, twelfth session), this times a training step of the network
findeep builds there, in every form that could use the machine better, to bound what an
implementation change (the same network, the same steps) could save. No unseen table is
read: each table's shape (fit rows of the first bag member, numeric and categorical inputs,
categorical levels) is rebuilt on synthetic data (normal numerics, uniform levels, labels at
about the table's positive rate), and only time is measured.

Forms, each a loop of ``--steps`` steps (forward, the ``bce`` member loss, backward, gradient
clip 1.0, fused AdamW: what ``fit_network`` does per step), at the batch ``fit_network``
picks for those rows:

- ``fp32, 1 thread``: what findeep does on these tables;
- ``fp32, 2 threads``: torch's intra-op threads on both cores;
- ``bf16 autocast, 1 thread``: the products in bfloat16 (AVX-512 BF16 on this AMD EPYC), a numeric
  change, timed only as a bound;
- ``2 processes x half batch``: two processes (spawned: a fork after torch has run its
  thread pool can hang), each stepping its own copy on half the batch at the same time,
  with no gradient exchange: the compute of data-parallel training on both cores, its lower
  bound (a real one must add the exchange below);
- ``gloo all_reduce``: ``torch.distributed`` (gloo, two processes) summing a vector the size
  of the network's parameters: the exchange a data-parallel step adds.

``--real-fits`` also fits ``default`` (as the benchmark does: ``bagging="auto"``, one
network on these tables) on each fold of the two real tables, as ``unseen_tables.py`` cuts
them, and records only time: the fit's wall and the part of it inside ``fit_network`` (the
epochs: steps and each epoch's validation), so the steps' share of a fit is measured; no
prediction is made and no score is read.

Forms are interleaved and repeated (``--repeats``); each figure is the median, and each
ratio the median over repeats of the form's time over the fp32 step timed beside it. Writes
``benchmarks/results/one_network_bound.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from findeep.pipeline import fit_tabular
from findeep.train.losses import member_loss
from findeep.train.trainer import auto_batch_size, cpu_threads, make_optimizer

HERE = Path(__file__).resolve().parent
# (fit rows of the first bag member: a fold's training rows x 4/5; numeric inputs;
# categorical inputs with their levels; positive rate): from the tables' schemas and row
# counts (BENCHMARKS, "a third unseen set"), not from their values
SHAPES = {
    "VietNamI": {"fit_rows": 5332, "numeric": 5, "levels": [2, 2], "positive": 0.16},
    "DoctorVisits": {"fit_rows": 3321, "numeric": 5, "levels": [2, 2], "positive": 0.44},
}


def synthetic_network(shape: dict, seed: int = 0) -> tuple[nn.Module, torch.Tensor,
                                                          torch.Tensor, torch.Tensor]:
    """The network ``fit_tabular`` builds for a table of this shape, and its training tensors."""
    rng = np.random.default_rng(seed)
    n = shape["fit_rows"]
    frame = pd.DataFrame({f"x{j}": rng.normal(size=n) for j in range(shape["numeric"])})
    for j, levels in enumerate(shape["levels"]):
        frame[f"c{j}"] = rng.choice([f"level{i}" for i in range(levels)], size=n)
    y = pd.Series((rng.random(n) < shape["positive"]).astype(int), name="y")
    pipeline = fit_tabular(frame, y, bagging=1, max_epochs=1, calibrate=False, verbose=0,
                           validation_fraction=0.01)
    x_num, x_cat, _ = pipeline.preprocessor.transform(frame)
    return (pipeline.network, torch.from_numpy(x_num), torch.from_numpy(x_cat),
            torch.from_numpy(y.to_numpy(np.float32)))


def one_thread_probe(shape: str) -> tuple[nn.Module, torch.Tensor, torch.Tensor, torch.Tensor,
                                           int, torch.optim.Optimizer, torch.Generator]:
    """What the step probes (``step_profile.py``, ``hand_backward_probe.py``) start from, torch
    on one thread: the network findeep builds on ``shape``'s synthetic table, its tensors, the
    batch ``fit_network`` would pick, its AdamW and a seeded generator for the batches."""
    from findeep.train.trainer import TrainConfig

    torch.set_num_threads(1)
    network, x_num, x_cat, y = synthetic_network(SHAPES[shape])
    optimizer = make_optimizer(network, TrainConfig())
    return (network, x_num, x_cat, y, auto_batch_size(len(y)), optimizer,
            torch.Generator().manual_seed(0))


def step_loop(network: nn.Module, x_num: torch.Tensor, x_cat: torch.Tensor, y: torch.Tensor,
              *, batch: int, steps: int, threads: int, bf16: bool = False) -> float:
    """Milliseconds per training step (median-free: the loop's mean), after 20 warm-ups."""
    from findeep.train.trainer import TrainConfig

    optimizer = make_optimizer(network, TrainConfig())
    generator = torch.Generator().manual_seed(0)
    network.train()

    def one() -> None:
        rows = torch.randint(0, len(y), (batch,), generator=generator)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = network(x_num[rows], x_cat[rows])
        loss = member_loss("bce", logits.float(), y[rows], None)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()

    with cpu_threads(threads):
        for _ in range(20):
            one()
        started = time.perf_counter()
        for _ in range(steps):
            one()
        return (time.perf_counter() - started) / steps * 1e3


def _half_batch_worker(shape: dict, batch: int, steps: int, out: mp.Queue) -> None:
    network, x_num, x_cat, y = synthetic_network(shape)
    out.put(step_loop(network, x_num, x_cat, y, batch=batch, steps=steps, threads=1))


def two_processes(shape: dict, batch: int, steps: int) -> float:
    """Wall ms per step when two processes step half a batch each at the same time."""
    context = mp.get_context("spawn")
    queue: mp.Queue = context.Queue()
    workers = [context.Process(target=_half_batch_worker, args=(shape, batch // 2, steps, queue))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    times = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    return max(times)  # a data-parallel step waits for the slower half


def _all_reduce_worker(rank: int, size: int, steps: int, port: int, out: mp.Queue) -> None:
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=2)
    vector = torch.randn(size)
    for _ in range(20):
        dist.all_reduce(vector)
    dist.barrier()
    started = time.perf_counter()
    for _ in range(steps):
        dist.all_reduce(vector)
    if rank == 0:
        out.put((time.perf_counter() - started) / steps * 1e3)
    dist.destroy_process_group()


def all_reduce_ms(size: int, steps: int, port: int) -> float:
    context = mp.get_context("spawn")
    queue: mp.Queue = context.Queue()
    workers = [context.Process(target=_all_reduce_worker, args=(r, size, steps, port, queue))
               for r in range(2)]
    for worker in workers:
        worker.start()
    value = queue.get()
    for worker in workers:
        worker.join()
    return value


def real_fits() -> dict:
    """Per fold of VietNamI and DoctorVisits: fit wall, ``fit_network``'s wall, epochs, steps."""
    import sys

    sys.path.insert(0, str(HERE))
    from sklearn.model_selection import StratifiedKFold
    from tables import UNSEEN_TABLES_3, n_folds_for
    from unseen_tables import MAX_ROWS

    out = {}
    for table in UNSEEN_TABLES_3:
        if table.item not in SHAPES:
            continue
        frame = table.load()
        n_folds = n_folds_for(len(frame))
        if len(frame) > MAX_ROWS:
            frame = frame.groupby(table.target, group_keys=False).sample(
                frac=MAX_ROWS / len(frame), random_state=0).reset_index(drop=True)
        X, y = frame.drop(columns=[table.target]), frame[table.target]
        warm = X.sample(300, random_state=1).index
        fit_tabular(X.loc[warm], y.loc[warm], verbose=0)  # untimed: torch's start-up
        codes = pd.factorize(y, sort=True)[0]
        folds = []
        for train, _ in StratifiedKFold(n_folds, shuffle=True, random_state=0).split(X, codes):
            started = time.perf_counter()
            pipeline = fit_tabular(X.iloc[train], y.iloc[train], seed=0, verbose=0)
            wall = time.perf_counter() - started
            fit_rows = pipeline.training["fit_rows"]
            batch = min(auto_batch_size(fit_rows), fit_rows)
            folds.append({"fit_wall": wall, "fit_network_wall": pipeline.training["seconds"],
                          "members": pipeline.training["bagging"]["members"],
                          "epochs_run": pipeline.training["epochs_run"],
                          "steps": pipeline.training["epochs_run"] * (fit_rows // batch)})
        out[table.item] = folds
        print(table.item, [(round(f["fit_wall"], 2), round(f["fit_network_wall"], 2),
                            f["steps"]) for f in folds], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--real-fits", action="store_true",
                        help="also time default's fits on the two real tables' folds")
    parser.add_argument("--out", default=str(HERE / "results" / "one_network_bound.json"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    results: dict = {"omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset"),
                     "torch": torch.__version__, "steps": args.steps, "repeats": args.repeats,
                     "load_average_start": os.getloadavg()[0], "shapes": {}}
    for name, shape in SHAPES.items():
        network, x_num, x_cat, y = synthetic_network(shape)
        batch = min(auto_batch_size(shape["fit_rows"]), shape["fit_rows"])
        size = sum(p.numel() for p in network.parameters())
        runs: dict[str, list[float]] = {"fp32, 1 thread": [], "fp32, 2 threads": [],
                                        "bf16 autocast, 1 thread": [],
                                        "2 processes x half batch": [], "gloo all_reduce": []}
        for repeat in range(args.repeats):
            runs["fp32, 1 thread"].append(step_loop(network, x_num, x_cat, y, batch=batch,
                                                    steps=args.steps, threads=1))
            runs["fp32, 2 threads"].append(step_loop(network, x_num, x_cat, y, batch=batch,
                                                     steps=args.steps, threads=2))
            runs["bf16 autocast, 1 thread"].append(step_loop(
                network, x_num, x_cat, y, batch=batch, steps=args.steps, threads=1, bf16=True))
            runs["2 processes x half batch"].append(two_processes(shape, batch, args.steps))
            runs["gloo all_reduce"].append(all_reduce_ms(size, args.steps, 29600 + repeat))
        medians = {form: statistics.median(v) for form, v in runs.items()}
        base = medians["fp32, 1 thread"]
        results["shapes"][name] = {
            **shape, "batch": batch, "parameters": size, "ms_per_step": runs,
            "median_ms": medians,
            "ratio_to_fp32_1_thread": {form: m / base for form, m in medians.items()},
            # per repeat, against the fp32 step timed next to it (the machine's speed drifts
            # from minute to minute; the interleaved pairs do not), then the median
            "paired_ratio_median": {form: statistics.median(
                a / b for a, b in zip(v, runs["fp32, 1 thread"], strict=True))
                for form, v in runs.items()},
            "data_parallel_ms_with_exchange": medians["2 processes x half batch"]
            + medians["gloo all_reduce"]}
        paired = results["shapes"][name]["paired_ratio_median"]
        print(name, f"batch {batch}, {size:,} parameters:",
              ", ".join(f"{form} {m:.2f} ms (paired {paired[form]:.2f}x)"
                        for form, m in medians.items()),
              flush=True)
    if args.real_fits:
        results["real_fits"] = real_fits()
    results["load_average_end"] = os.getloadavg()[0]
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
