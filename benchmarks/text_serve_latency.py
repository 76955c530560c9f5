"""One sentence served by ``findeep serve``, as a client on loopback sees it.

``text_speed.py`` times single records through FastAPI's in-process test client, so the
client's own work (httpx, the anyio portal) sits in the same process and on the same cores
as the model. This script measures what the latency goal names: a text bundle served by the
real ``findeep serve`` command (uvicorn, its own process, one intra-op thread as it sets),
one sequential keep-alive client sending one PhraseBank sentence per request.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/text_serve_latency.py --requests 2000
    # -> benchmarks/results/text_serve_latency.json (p50 / p95 / p99 per variant)

The model: MiniLM with a frozen encoder and a head fitted for one epoch on 400 sentences
(the encoder's cost per sentence is the same whether it was fine-tuned or not).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from text_speed import load  # the corpus loader, one copy

RESULTS = Path(__file__).parent / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"findeep serve exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("findeep serve did not answer /healthz in time")


def latencies(port: int, bodies: list[bytes], warmup: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    seconds = []
    for i, body in enumerate(bodies):
        started = time.perf_counter()
        connection.request("POST", "/v1/predict", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"status {response.status}: {payload[:200]!r}")
        if i >= warmup:
            seconds.append(elapsed)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--variants", nargs="+", default=["float32", "int8"])
    parser.add_argument("--out", default=str(RESULTS / "text_serve_latency.json"))
    args = parser.parse_args()

    import torch

    from findeep.data.schema import FindeepWarning
    from findeep.text import fit_text
    from findeep.text.bundle import save_text_model

    warnings.simplefilter("ignore", FindeepWarning)
    torch.set_num_threads(2)
    frame = load("50Agree")
    small = frame.sample(400, random_state=0)
    pipeline = fit_text(small[["sentence"]], small["sentiment"], model="minilm", verbose=0,
                        max_epochs=1, model_options={"frozen": True})
    sentences = frame["sentence"].sample(args.requests + args.warmup, random_state=1,
                                         replace=args.requests + args.warmup > len(frame))
    bodies = [json.dumps({"records": [{"sentence": s}]}).encode() for s in sentences]
    results = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
               "load_average_at_start": os.getloadavg()[0], "torch": torch.__version__,
               "requests": args.requests, "variants": {}}
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "minilm"
        save_text_model(pipeline, bundle)
        for variant in args.variants:
            port = free_port()
            command = [sys.executable, "-m", "findeep", "serve", str(bundle), "--port", str(port)]
            if variant == "int8":
                command.append("--int8")
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            try:
                wait_ready(port, process)
                ms = 1000 * np.array(latencies(port, bodies, args.warmup))
            finally:
                process.terminate()
                process.wait(timeout=30)
            row = {f"p{q}_ms": float(np.percentile(ms, q)) for q in (50, 95, 99)}
            row["max_ms"] = float(ms.max())
            results["variants"][variant] = row
            print(variant, json.dumps(row), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
