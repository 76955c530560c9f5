"""One sentence through MiniLM's encoder with 1 or 2 intra-op threads: CPU and latency.

``findeep serve`` runs one torch thread per worker. This measures what a second thread
would buy for a single sentence: the encoder's forward pass (int8 by default, as served)
on PhraseBank sentences, in one process, alternating 1 and 2 threads block by block so
both see the same machine load. Per setting: process CPU per sentence (all threads) and
wall-clock p50 / p99.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/text_serve_threads.py --bundle /tmp/minilm-serve
    # -> benchmarks/results/text_serve_threads.json

Without ``OMP_WAIT_POLICY=PASSIVE`` OpenMP's idle threads spin, which on a busy machine
takes cores from everything else; run it both ways to see the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from text_serve_latency import RESULTS, build_bundle
from text_speed import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default="/tmp/minilm-serve")
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=4, help="alternating blocks per setting")
    parser.add_argument("--float32", action="store_true", help="score in float32, not int8")
    parser.add_argument("--out", default=str(RESULTS / "text_serve_threads.json"))
    args = parser.parse_args()

    from findeep.text.bundle import load_text_model
    from findeep.text.trainer import pad_batch

    bundle = Path(args.bundle)
    if not (bundle / "bundle.json").is_file():
        build_bundle(bundle)
    pipeline = load_text_model(bundle)
    if not args.float32:
        pipeline.quantize_int8()
    network = pipeline.network.eval()
    sentences = load("50Agree")["sentence"].sample(args.sentences, random_state=1).tolist()
    pad_id = pipeline.tokenizer.pad_id
    batches = [pad_batch(pipeline.tokenizer.encode([s], offsets=False).ids, pad_id)
               for s in sentences]
    cpu: dict[int, list[float]] = {1: [], 2: []}
    wall: dict[int, list[float]] = {1: [], 2: []}
    with torch.inference_mode():
        for block in range(2 * args.blocks):
            threads = 1 + (block % 2)
            torch.set_num_threads(threads)
            for ids, mask in batches[:20]:  # let the thread pool settle
                network.encode_text(ids, mask, lookup=True)
            for ids, mask in batches:
                started_cpu, started = time.process_time(), time.perf_counter()
                network.encode_text(ids, mask, lookup=True)
                wall[threads].append(time.perf_counter() - started)
                cpu[threads].append(time.process_time() - started_cpu)
    results = {"omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "int8": not args.float32,
               "load_average_at_start": os.getloadavg()[0], "sentences": args.sentences,
               "blocks": args.blocks, "torch": torch.__version__, "threads": {}}
    for threads in (1, 2):
        ms, cpu_ms = 1000 * np.array(wall[threads]), 1000 * np.array(cpu[threads])
        results["threads"][str(threads)] = {
            "cpu_ms_per_sentence": float(cpu_ms.mean()),
            "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}
    print(json.dumps(results, indent=2))
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
