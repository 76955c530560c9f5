"""One sentence served by ``findeep serve``, as a client on loopback sees it.

``text_speed.py`` times single records through FastAPI's in-process test client, so the
client's own work (httpx, the anyio portal) sits in the same process and on the same cores
as the model. This script measures what the latency goal names: a text bundle served by the
real ``findeep serve`` command (uvicorn, its own process, one intra-op thread as it sets),
one sequential keep-alive client sending one PhraseBank sentence per request.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/text_serve_latency.py --requests 2000
    # -> benchmarks/results/text_serve_latency.json (p50 / p95 / p99 per variant)

Besides the client's wall-clock latency, each run reads the server process's CPU time
(``/proc/<pid>/stat``) and, summed over its threads, the time it spent running on a core or
waiting for one (``/proc/<pid>/task/*/schedstat``), so a tail on a loaded machine can be
told apart from work: ``cpu_ms_per_request`` is the server's own cost, ``wait_ms_per_request``
the time its threads were runnable but queued behind other processes.

Paired comparisons: ``--sources before=/tmp/findeep-before/src after=src`` starts each
server with that ``PYTHONPATH`` (two versions of findeep on the same bundle);
``--repeats`` alternates the order of sources and variants run by run, so both see the same
load. ``--clients N`` sends with N keep-alive clients at once (``requests_per_second``: what
the server sustains). ``--bundle DIR`` keeps the bundle (built there once when absent);
``--timings`` asks a server that supports it (``FINDEEP_SERVE_TIMINGS``) for its
per-request split (tokenize / forward / total) and summarises it.

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
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 180.0) -> None:
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


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (exited threads included), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def schedstat_seconds(pid: int) -> tuple[float, float]:
    """(on a core, runnable but waiting for one), summed over the process's live threads."""
    on_core = waiting = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            run_ns, wait_ns, _ = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
        on_core += int(run_ns)
        waiting += int(wait_ns)
    return on_core / 1e9, waiting / 1e9


def send_all(port: int, bodies: list[bytes]) -> list[float]:
    """One keep-alive client sending ``bodies`` in turn: seconds per request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    seconds = []
    for body in bodies:
        started = time.perf_counter()
        connection.request("POST", "/v1/predict", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        seconds.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"status {response.status}: {payload[:200]!r}")
    return seconds


def latencies(port: int, bodies: list[bytes], warmup: int, pid: int, clients: int = 1
              ) -> tuple[list[float], dict[str, float]]:
    """Client-side seconds per timed request, and the server's CPU and waiting per request
    (``clients`` keep-alive clients at once share the timed requests; warm-up is sequential)."""
    send_all(port, bodies[:warmup])
    timed = bodies[warmup:]
    start_cpu, start_sched = process_cpu_seconds(pid), schedstat_seconds(pid)
    started = time.perf_counter()
    if clients == 1:
        seconds = send_all(port, timed)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(clients) as pool:
            shares = pool.map(lambda i: send_all(port, timed[i::clients]), range(clients))
            seconds = [s for share in shares for s in share]
    elapsed = time.perf_counter() - started
    end_cpu, end_sched = process_cpu_seconds(pid), schedstat_seconds(pid)
    n = len(seconds)
    server = {"cpu_ms_per_request": 1000 * (end_cpu - start_cpu) / n,
              "on_core_ms_per_request": 1000 * (end_sched[0] - start_sched[0]) / n,
              "wait_ms_per_request": 1000 * (end_sched[1] - start_sched[1]) / n,
              "requests_per_second": n / elapsed}
    return seconds, server


def timings_summary(path: Path, warmup: int) -> dict[str, float] | None:
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text().splitlines()][warmup:]
    if not rows:
        return None
    summary = {}
    for key in rows[0]:
        if key.endswith("_ms"):
            values = np.array([r[key] for r in rows])
            summary |= {f"{key[:-3]}_p50_ms": float(np.percentile(values, 50)),
                        f"{key[:-3]}_p99_ms": float(np.percentile(values, 99)),
                        f"{key[:-3]}_mean_ms": float(values.mean())}
    if "tokens" in rows[0]:  # is the tail the long sentences?
        tokens = np.array([r["tokens"] for r in rows])
        cpu = np.array([r["cpu_ms"] for r in rows])
        slowest = np.argsort(cpu)[-max(1, len(rows) // 100):]
        summary |= {"tokens_p50": float(np.median(tokens)),
                    "tokens_of_slowest_1pct_mean": float(tokens[slowest].mean()),
                    "correlation_tokens_cpu": float(np.corrcoef(tokens, cpu)[0, 1])}
    return summary


def build_bundle(bundle: Path) -> None:
    import torch

    from findeep.data.schema import FindeepWarning
    from findeep.text import fit_text
    from findeep.text.bundle import save_text_model

    warnings.simplefilter("ignore", FindeepWarning)
    torch.set_num_threads(2)
    small = load("50Agree").sample(400, random_state=0)
    pipeline = fit_text(small[["sentence"]], small["sentiment"], model="minilm", verbose=0,
                        max_epochs=1, model_options={"frozen": True})
    save_text_model(pipeline, bundle)


def serve_once(bundle: Path, variant: str, source: str | None, bodies: list[bytes],
               warmup: int, timings: Path | None, clients: int = 1) -> dict[str, float]:
    port = free_port()
    command = [sys.executable, "-m", "findeep", "serve", str(bundle), "--port", str(port)]
    precision, _, threads = variant.partition("-t")
    if precision == "int8":
        command.append("--int8")
    if threads:  # findeep serve --threads (newer than some --sources trees)
        command += ["--threads", threads]
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(Path(source).resolve())
    if timings is not None:
        timings.unlink(missing_ok=True)
        env["FINDEEP_SERVE_TIMINGS"] = str(timings)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env)
    try:
        wait_ready(port, process)
        load_at_start = os.getloadavg()[0]
        seconds, server = latencies(port, bodies, warmup, process.pid, clients)
    finally:
        process.terminate()
        process.wait(timeout=30)
    ms = 1000 * np.array(seconds)
    row = {f"p{q}_ms": float(np.percentile(ms, q)) for q in (50, 90, 95, 99)}
    row |= {"max_ms": float(ms.max()), "load_average_at_start": load_at_start, **server}
    if timings is not None:
        row["server_timings"] = timings_summary(timings, warmup)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--variants", nargs="+", default=["float32", "int8"],
                        choices=["float32", "int8", "float32-t2", "int8-t2"],
                        help="-t2: served with --threads 2 (export OMP_WAIT_POLICY=PASSIVE)")
    parser.add_argument("--sources", nargs="+", default=None, metavar="NAME=SRC",
                        help="serve with each PYTHONPATH in turn, e.g. before=/tmp/x/src after=src")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs per source and variant, in alternating order")
    parser.add_argument("--bundle", default=None,
                        help="bundle directory to reuse (built there when absent)")
    parser.add_argument("--timings", action="store_true",
                        help="record the server's own per-request split (FINDEEP_SERVE_TIMINGS)")
    parser.add_argument("--clients", type=int, default=1,
                        help="keep-alive clients sending at once (requests_per_second)")
    parser.add_argument("--out", default=str(RESULTS / "text_serve_latency.json"))
    args = parser.parse_args()

    import torch

    sources: list[tuple[str, str | None]] = [("installed", None)]
    if args.sources:
        sources = [tuple(s.split("=", 1)) for s in args.sources]  # type: ignore[misc]
    frame = load("50Agree")
    n = args.requests + args.warmup
    sentences = frame["sentence"].sample(n, random_state=1, replace=n > len(frame))
    bodies = [json.dumps({"records": [{"sentence": s}]}).encode() for s in sentences]
    results = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
               "load_average_at_start": os.getloadavg()[0], "torch": torch.__version__,
               "requests": args.requests, "clients": args.clients,
               "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
               "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(args.bundle) if args.bundle else Path(tmp) / "minilm"
        if not (bundle / "bundle.json").is_file():
            build_bundle(bundle)
        plan = [(name, source, variant) for name, source in sources for variant in args.variants]
        for repeat in range(args.repeats):
            for name, source, variant in (plan if repeat % 2 == 0 else plan[::-1]):
                timings = Path(tmp) / f"timings-{name}-{variant}.jsonl" if args.timings else None
                row = serve_once(bundle, variant, source, bodies, args.warmup, timings,
                                 args.clients)
                row |= {"source": name, "variant": variant, "repeat": repeat}
                results["runs"].append(row)
                print(json.dumps(row), flush=True)
    results["summary"] = summarise(results["runs"])
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["summary"], indent=2))


def summarise(runs: list[dict]) -> dict[str, dict[str, float]]:
    """Per source and variant: the median over repeats of each figure."""
    summary: dict[str, dict[str, float]] = {}
    keys = ("p50_ms", "p90_ms", "p99_ms", "max_ms", "cpu_ms_per_request",
            "on_core_ms_per_request", "wait_ms_per_request", "requests_per_second")
    for name in dict.fromkeys(r["source"] for r in runs):
        for variant in dict.fromkeys(r["variant"] for r in runs):
            mine = [r for r in runs if r["source"] == name and r["variant"] == variant]
            if mine:
                summary[f"{name}/{variant}"] = {
                    k: float(np.median([r[k] for r in mine])) for k in keys} | {
                    "repeats": len(mine)}
    return summary


if __name__ == "__main__":
    main()
