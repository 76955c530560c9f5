"""Issue 12: would a hand-written backward make one training step of ``default`` leaner?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/hand_backward_probe.py  # -> results/*.json

The nineteenth session's step profile (``step_profile.py``) left a lead: the matrix products are
under half of a step on VietNamI's shape, so a leaner step (the same arithmetic, less around it)
might bring that table's one network under CatBoost's fit wall. This tests the lead on the
same synthetic shape (no unseen table is read), one thread, by timing interleaved repeats of:

- ``autograd``: the step as ``fit_network`` runs it (forward, ``bce`` member loss, backward,
  gradient clip 1.0, fused AdamW);
- ``hand backward``: the backbone (first layer with the members' signs folded in, ReLU, second
  layer, ReLU, the members' heads) as one ``torch.autograd.Function`` whose backward is written
  out: the same products, ReLUs applied in place, no autograd node per operation;
- ``hand backward, masked_fill``: the same, with the ReLU gradient as an in-place
  ``masked_fill_`` instead of ``threshold_backward`` (a common hand-written form);
- ``in-place ReLU``: the autograd step with ``nn.ReLU(inplace=True)`` in the backbone;
- ``foreach clip``: the autograd step with the gradient norm taken by ``torch._foreach_norm`` and
  the gradients scaled only when the clip bites (the same values);
- ``no clip (a bound)``: the autograd step without the clip: the most any clip could save.

It also checks that the hand-written backward gives the autograd gradients (largest absolute
difference over all parameters). Each figure is the median over ``--repeats``; each ratio the
median over repeats of the variant's time over the autograd step timed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from one_network_bound import SHAPES, one_thread_probe
from torch import nn

from findeep.models.tabm_ple import TabMPLE, member_heads
from findeep.train.losses import member_loss

HERE = Path(__file__).resolve().parent


def _relu_grad(grad: torch.Tensor, out: torch.Tensor, masked_fill: bool) -> torch.Tensor:
    if masked_fill:
        return grad.masked_fill_(out <= 0, 0.0)
    return torch.ops.aten.threshold_backward(grad, out, 0)


class HandBackbone(torch.autograd.Function):
    """``(B, d_in) -> (B, k, 1)``: TabM-mini's shared layers and member heads, backward by hand."""

    @staticmethod
    def forward(ctx, x, signed, bias, weight2, bias2, head_weight, head_bias, k, masked_fill):
        rows = x.shape[0]
        hidden1 = F.linear(x, signed, bias).relu_()  # (B, k * d)
        width = weight2.shape[0]
        hidden1 = hidden1.view(rows * k, width)
        hidden2 = F.linear(hidden1, weight2, bias2).relu_().view(rows, k, width)
        ctx.save_for_backward(x, signed, hidden1, weight2, hidden2, head_weight)
        ctx.masked_fill = masked_fill
        return member_heads(hidden2, head_weight, head_bias, 1)

    @staticmethod
    def backward(ctx, grad):
        x, signed, hidden1, weight2, hidden2, head_weight = ctx.saved_tensors
        rows, k, width = hidden2.shape
        grad_head_bias = grad.sum(0)
        grad_head_weight = (grad * hidden2).sum(0).unsqueeze(-1)
        grad2 = _relu_grad(grad * head_weight[..., 0], hidden2, ctx.masked_fill)
        grad2 = grad2.view(rows * k, width)
        grad_weight2 = torch.mm(hidden1.t(), grad2).t()
        grad1 = _relu_grad(torch.mm(grad2, weight2), hidden1, ctx.masked_fill).view(rows, -1)
        grad_signed = torch.mm(x.t(), grad1).t()
        grad_x = torch.mm(grad1, signed) if ctx.needs_input_grad[0] else None
        return (grad_x, grad_signed, grad1.sum(0), grad_weight2, grad2.sum(0), grad_head_weight,
                grad_head_bias, None, None)


def hand_forward(network: TabMPLE, x_num: torch.Tensor, x_cat: torch.Tensor,
                 masked_fill: bool) -> torch.Tensor:
    """``network(x_num, x_cat)`` with the backbone's backward written out (one output, no
    wide path: the network findeep builds on this shape)."""
    first, second = network.backbone[0], network.backbone[2]
    signed = first.weight.unsqueeze(0) * network.member_scales().unsqueeze(1)
    return HandBackbone.apply(network.embed(x_num, x_cat), signed.flatten(0, 1),
                              first.bias.repeat(network.k), second.weight, second.bias,
                              network.head_weight, network.head_bias, network.k, masked_fill)


def foreach_clip(parameters: list[torch.Tensor], max_norm: float) -> None:
    """``clip_grad_norm_``'s values, the norms in one foreach call, no scaling below the cap."""
    grads = [p.grad for p in parameters if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads, 2.0)), 2.0)
    coefficient = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    if float(coefficient) < 1.0:
        torch._foreach_mul_(grads, coefficient)


def largest_gradient_difference(network: TabMPLE, x_num, x_cat, y, batch: int) -> float:
    rows = torch.arange(batch)
    grads = []
    for forward in (lambda: network(x_num[rows], x_cat[rows]),
                    lambda: hand_forward(network, x_num[rows], x_cat[rows], False)):
        network.zero_grad(set_to_none=True)
        member_loss("bce", forward(), y[rows], None).backward()
        grads.append([p.grad.clone() for p in network.parameters()])
    return max(float((a - b).abs().max()) for a, b in zip(*grads, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="VietNamI", choices=sorted(SHAPES))
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    network, x_num, x_cat, y, batch, optimizer, generator = one_thread_probe(args.shape)
    if network.config.get("wide") or network.config["n_out"] != 1:
        raise SystemExit("the probe covers the one-output network without a wide path")
    difference = largest_gradient_difference(network, x_num, x_cat, y, batch)
    parameters = list(network.parameters())
    relus = [m for m in network.backbone if isinstance(m, nn.ReLU)]
    network.train()

    def step(forward: Callable, clip: Callable = nn.utils.clip_grad_norm_,
             inplace: bool = False) -> Callable[[], None]:
        def one() -> None:
            for relu in relus:
                relu.inplace = inplace
            rows = torch.randint(0, len(y), (batch,), generator=generator)
            loss = member_loss("bce", forward(x_num[rows], x_cat[rows]), y[rows], None)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clip(parameters, 1.0)
            optimizer.step()
        return one

    variants = {
        "autograd": step(network),
        "hand backward": step(lambda a, b: hand_forward(network, a, b, False)),
        "hand backward, masked_fill": step(lambda a, b: hand_forward(network, a, b, True)),
        "in-place ReLU": step(network, inplace=True),
        "foreach clip": step(network, clip=foreach_clip),
        "no clip (a bound)": step(network, clip=lambda *_: None),
    }
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, one in variants.items():
            for _ in range(10):
                one()
            started = time.perf_counter()
            for _ in range(args.steps):
                one()
            runs[name].append((time.perf_counter() - started) / args.steps * 1e3)
    base = runs["autograd"]
    result = {
        "shape": args.shape, "batch": batch, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "load_average": os.getloadavg()[0], "largest_gradient_difference": difference,
        "ms_per_step": {name: statistics.median(v) for name, v in runs.items()},
        "ratio_to_autograd": {name: statistics.median(a / b for a, b in zip(v, base, strict=True))
                              for name, v in runs.items()},
        "runs": runs,
    }
    (HERE / "results" / "hand_backward_probe.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
