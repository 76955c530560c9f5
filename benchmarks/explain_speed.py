"""How long reason codes take: 10,000 rows in one call, and one row at a time (REST).

Run alone, on 2 cores:

    OMP_WAIT_POLICY=PASSIVE flock /tmp/findeep-bench.lock python benchmarks/explain_speed.py

The model is findeep's default architecture (TabM-mini k=4 over piecewise-linear numeric
embeddings) trained briefly on the synthetic credit table; explanation cost depends on
the architecture and the number of columns, not on how long it was trained.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import torch

from findeep import TabularClassifier
from findeep.explain import explain_frame
from findeep.explain.attributions import DEFAULT_STEPS
from findeep.testing import make_credit_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--single-calls", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")

    train = make_credit_frame(4_000, seed=0)
    y = train.pop("default")
    model = TabularClassifier(max_epochs=5).fit(train, y)
    pipeline = model.pipeline_
    rows = make_credit_frame(args.rows, seed=1).drop(columns=["default"])

    explain_frame(pipeline, rows.head(10))  # builds the cached reference population once
    batch_seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        table = explain_frame(pipeline, rows, top=4)
        batch_seconds.append(time.perf_counter() - start)
    single_ms = []
    for i in range(args.single_calls):
        start = time.perf_counter()
        explain_frame(pipeline, rows.iloc[[i]], top=4)
        single_ms.append(1000 * (time.perf_counter() - start))

    batch = statistics.median(batch_seconds)
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} threads, Integrated Gradients with {DEFAULT_STEPS} Gauss-Legendre "
          f"steps, {len(pipeline.schema.used_names)} input columns")
    print(f"model: {pipeline.model_name} {pipeline.network.config}; additive path: "
          f"{pipeline.training.get('additive', 'not fitted')}")
    print("| job | median | runs |")
    print("|---|---|---|")
    runs = ", ".join(f"{s:.1f}" for s in batch_seconds)
    print(f"| explain {len(table):,} rows, top-4 reason codes | {batch:.1f} s "
          f"({len(table) / batch:,.0f} rows/s) | {runs} s |")
    print(f"| explain 1 row (REST-style call, cached reference) | "
          f"{statistics.median(single_ms):.1f} ms | {args.single_calls} calls, "
          f"p90 {statistics.quantiles(single_ms, n=10)[-1]:.1f} ms |")


if __name__ == "__main__":
    main()
