"""The default network's first layer two ways, forward + backward on one thread: member signs
folded into the weight (``(k, d_block, d_in)``, one product) vs the input scaled per member
(a ``(B, k, d_in)`` copy). ``TabMPLE.forward_embedded`` takes the second below ``d_block``
rows a batch. Prints milliseconds per step for a few batch sizes and input widths.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/first_layer_forms.py
"""

from __future__ import annotations

import time

import torch


def step_ms(rows: int, k: int, d_block: int, d_in: int, folded: bool, repeats: int = 300) -> float:
    weight = torch.randn(d_block, d_in, requires_grad=True)
    bias = torch.zeros(d_block, requires_grad=True)
    scales = torch.randn(k, d_in, requires_grad=True)
    x = torch.randn(rows, d_in)
    started = time.perf_counter()
    for _ in range(repeats):
        if folded:
            signed = weight.unsqueeze(0) * scales.unsqueeze(1)
            h = torch.nn.functional.linear(x, signed.flatten(0, 1), bias.repeat(k))
        else:
            h = torch.nn.functional.linear(x.unsqueeze(1) * scales, weight, bias)
        h.sum().backward()
    return (time.perf_counter() - started) / repeats * 1e3


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print("| rows | d_in | signs folded into the weight, ms | input scaled per member, ms |")
    print("|---|---|---|---|")
    for rows, d_in in ((64, 301), (128, 301), (256, 301), (256, 765), (64, 50), (512, 21)):
        folded = min(step_ms(rows, 4, 128, d_in, True) for _ in range(3))
        scaled = min(step_ms(rows, 4, 128, d_in, False) for _ in range(3))
        print(f"| {rows} | {d_in} | {folded:.3f} | {scaled:.3f} |")


if __name__ == "__main__":
    main()
