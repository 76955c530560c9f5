"""Issue 12: where one training step of ``default`` goes on VietNamI's shape.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/step_profile.py   # -> results/step_profile.json

The thirteenth session bounded what threads, bfloat16, data-parallel training and
torch.compile could save on the two tables where one network fits slower than CatBoost
(``one_network_bound.py``). This asks the remaining question — is the step framework
overhead that a hand-fused implementation could remove, or arithmetic? — by timing, on the
same synthetic shape (no unseen table is read), one thread:

- the whole step (forward, loss, backward, clip, fused AdamW), as ``fit_network`` runs it;
- the forward pass alone (no gradients);
- each matrix product the step performs (forward and backward, as torch's profiler records
  them), timed alone, from which the step's matmul time and GFLOP/s follow (before the
  twentieth session this counted only the ``nn.Linear`` modules' products and missed the first
  layer, which runs as a functional product with the members' signs folded in);
- the elementwise rest, i.e. step minus products;
- the step's phases timed inside the loop (forward with the autograd graph, backward, clip,
  optimiser), and the same gradient clip timed alone on the same gradients.

Medians of ``--repeats`` interleaved repeats of ``--steps`` steps.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from one_network_bound import SHAPES, one_thread_probe
from torch import nn

from findeep.train.losses import member_loss

HERE = Path(__file__).resolve().parent


def _mean_ms(work, steps: int) -> float:
    for _ in range(20):
        work()
    started = time.perf_counter()
    for _ in range(steps):
        work()
    return (time.perf_counter() - started) / steps * 1e3


def products_of(step: Callable[[], None]) -> list[tuple[int, int, int]]:
    """(rows, inner, outer) of every matrix product one training ``step`` makes, read from
    torch's profiler: forward and backward, including the first layer (called functionally,
    with the members' signs folded into its weight) and the numeric embeddings' product."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as trace:
        step()
    shapes = []
    for event in trace.events():
        if event.name == "aten::mm":
            (m, k), (_, n) = event.input_shapes[:2]
        elif event.name == "aten::addmm":
            (m, k), (_, n) = event.input_shapes[1:3]
        else:
            continue
        shapes.append((m, k, n))
    return shapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="VietNamI", choices=sorted(SHAPES))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    network, x_num, x_cat, y, batch, optimizer, generator = one_thread_probe(args.shape)
    network.train()

    def step() -> None:
        rows = torch.randint(0, len(y), (batch,), generator=generator)
        loss = member_loss("bce", network(x_num[rows], x_cat[rows]).float(), y[rows], None)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()

    def forward() -> None:
        with torch.no_grad():
            network(x_num[:batch], x_cat[:batch])

    shapes = products_of(step)
    operands = [(torch.randn(m, k), torch.randn(k, n)) for m, k, n in shapes]

    def products() -> None:
        for a, b in operands:
            a @ b

    phases = ("forward_with_graph", "backward", "clip", "optimizer")

    def phased(totals: dict[str, float]) -> None:
        """One step, its phases timed inside the loop (the same work as ``step``)."""
        rows = torch.randint(0, len(y), (batch,), generator=generator)
        t0 = time.perf_counter()
        loss = member_loss("bce", network(x_num[rows], x_cat[rows]).float(), y[rows], None)
        t1 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        t3 = time.perf_counter()
        optimizer.step()
        t4 = time.perf_counter()
        for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            totals[name] += seconds

    grads = [p.grad.clone() for p in network.parameters()]

    def clip_alone() -> None:  # the same clip on the same gradients, outside the step
        for p, g in zip(network.parameters(), grads, strict=True):
            p.grad = g.clone()
        nn.utils.clip_grad_norm_(network.parameters(), 1.0)

    def copies_alone() -> None:  # what clip_alone spends on restoring the gradients
        for p, g in zip(network.parameters(), grads, strict=True):
            p.grad = g.clone()

    runs: dict[str, list[float]] = {name: [] for name in (
        "step", "forward", "products", *phases, "clip_alone")}
    for _ in range(args.repeats):
        runs["step"].append(_mean_ms(step, args.steps))
        runs["forward"].append(_mean_ms(forward, args.steps))
        runs["products"].append(_mean_ms(products, args.steps))
        totals = dict.fromkeys(phases, 0.0)
        for _ in range(20):
            phased(dict.fromkeys(phases, 0.0))
        for _ in range(args.steps):
            phased(totals)
        for name in phases:
            runs[name].append(totals[name] / args.steps * 1e3)
        runs["clip_alone"].append(_mean_ms(clip_alone, args.steps)
                                  - _mean_ms(copies_alone, args.steps))
    median = {name: statistics.median(values) for name, values in runs.items()}
    flops = sum(2 * m * k * n for m, k, n in shapes)
    result = {
        "shape": args.shape, "batch": batch, "parameters": sum(p.numel() for p in
                                                             network.parameters()),
        "ms_per_step": median["step"], "ms_forward": median["forward"],
        "ms_products": median["products"], "products": [list(s) for s in shapes],
        "mflop_per_step": flops / 1e6,
        "gflops_in_products": flops / (median["products"] / 1e3) / 1e9,
        "products_share_of_step": median["products"] / median["step"],
        "rest_ms": median["step"] - median["products"],
        "ms_phases_in_the_loop": {name: median[name] for name in phases},
        "ms_clip_alone": median["clip_alone"], "runs": runs,
    }
    out = HERE / "results" / "step_profile.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "products")},
                     indent=2))


if __name__ == "__main__":
    main()
