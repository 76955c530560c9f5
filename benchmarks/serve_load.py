"""Load test of ``findeep serve`` on loopback: latency, throughput, batch speed, parity.

Starts the server itself (the ``findeep serve`` command), runs four bounded phases, stops
it, and prints a Markdown table:

1. one sequential client, single records: p50 / p95 / p99 latency as the client sees it;
2. ``--clients`` concurrent clients (asyncio, keep-alive), single records: requests/s, errors
   and p50 / p95 / p99 latency, while one more client asks ``/v1/explain`` for
   ``--explain-rows`` records every ``--explain-interval`` seconds (0: no explain traffic),
   so a slow explanation that held up other clients shows in the predict tail;
3. batches of ``--batch-size`` records, one client: rows/s;
4. parity: each record's score served alone vs. in a batch vs. ``findeep.load(...)`` scoring.

With ``--probe`` the server runs inside this script (same app, same uvicorn settings as
``findeep serve``) and records where time went during the concurrent phase: every
event-loop stall over 10 ms (and whether the loop thread was computing through it or was
not running at all: descheduled, or waiting for the interpreter lock), and every garbage
collection pause.

The load generator shares the machine's cores with the server, so it is kept lean: one
asyncio process, one keep-alive connection per client, requests serialised to bytes up
front, responses read by Content-Length (no general-purpose HTTP client in the loop).

    OMP_WAIT_POLICY=PASSIVE flock /tmp/findeep-bench.lock python benchmarks/serve_load.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="serve this bundle (default: train one)")
    parser.add_argument("--bagging", default=None,
                        help="members of the bundle trained when --bundle is not given: "
                             "1, m >= 2 or 'auto' (as `findeep train --bagging`; default: "
                             "the library's default)")
    parser.add_argument("--model", default="default",
                        help="model of the bundle trained when --bundle is not given "
                             "(default+catboost: the blend with CatBoost as one bundle)")
    parser.add_argument("--sequential", type=int, default=3000, help="single-record requests")
    parser.add_argument("--concurrent", type=int, default=20000, help="requests at --clients")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=240.0,
                        help="seconds per repeat; each phase stops early past its share")
    parser.add_argument("--repeats", type=int, default=3,
                        help="run the phases this many times; the table shows medians")
    parser.add_argument("--explain-rows", type=int, default=1,
                        help="records per /v1/explain request during the concurrent phase")
    parser.add_argument("--explain-interval", type=float, default=0.1,
                        help="seconds between explain requests (0: no explain traffic)")
    parser.add_argument("--probe", action="store_true",
                        help="record event-loop stalls and GC pauses in the server")
    parser.add_argument("--serve-probe", nargs=3, metavar=("BUNDLE", "PORT", "OUT"),
                        help=argparse.SUPPRESS)  # the server side of --probe
    args = parser.parse_args()
    if args.serve_probe:
        serve_with_probe(Path(args.serve_probe[0]), int(args.serve_probe[1]),
                         Path(args.serve_probe[2]))
        return

    from findeep.testing import json_record, make_credit_frame

    with tempfile.TemporaryDirectory() as scratch:
        bundle = args.bundle or train_bundle(Path(scratch) / "bundle", args.bagging,
                                             args.model)
        frame = make_credit_frame(args.batch_size, seed=7).drop(columns="default")
        records = [json_record(row) for row in frame.to_dict(orient="records")]
        port = _free_port()
        probe_file = Path(scratch) / "probe.json" if args.probe else None
        server = _start_server(bundle, port, args.workers, probe_file)
        try:
            runs = [run_phases(f"http://127.0.0.1:{port}", records, args)
                    for _ in range(args.repeats)]
        finally:
            server.terminate()
            server.wait(timeout=30)
        if probe_file is not None:
            probe = json.loads(probe_file.read_text())
            for run in runs:
                run["probe"] = probe_summary(probe, run.pop("_window"))
        else:
            for run in runs:
                run.pop("_window")
        for run in runs:
            run["parity"] = parity(bundle, frame, run.pop("_served_alone"),
                                   run.pop("_served_batch"))
    print(report(median_of(runs), args))


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per metric: the median over repeats (errors and parity gaps: the worst)."""
    merged: dict[str, Any] = {}
    for phase in runs[0]:
        merged[phase] = {}
        for key in runs[0][phase]:
            values = [run[phase][key] for run in runs]
            worst = key in ("errors", "explain_errors") or phase == "parity"
            merged[phase][key] = max(values) if worst else float(np.median(values))
    merged["repeats"] = len(runs)
    return merged


def train_bundle(path: Path, bagging: str | None = None, model: str = "default") -> Path:
    """``model`` on 5,000 synthetic credit rows (a few epochs: speed, not accuracy), with
    ``bagging`` cross-fitted members (``--bagging 5``: a bag of 5 networks; None: as a user
    gets it by default)."""
    import findeep
    from findeep.testing import make_credit_frame

    frame = make_credit_frame(5000, seed=0)
    y = frame.pop("default")
    options = {} if bagging is None else {"bagging": bagging if bagging == "auto" else int(bagging)}
    clf = findeep.TabularClassifier(model=model, max_epochs=5, **options).fit(frame, y)
    clf.save(path)
    additive = clf.training_.get("additive")
    blend = clf.training_.get("blend")
    print(f"serving {clf.training_.get('bagging', {}).get('members', 1)} member(s)"
          + ("" if additive is None else f" + the additive path ({additive['weight']:.0%})")
          + ("" if blend is None else f", blended with {blend['parts'][1]}"),
          flush=True)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(bundle: Path, port: int, workers: int,
                  probe_file: Path | None = None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from findeep.cli import main; main()", "serve", str(bundle),
               "--port", str(port), "--workers", str(workers)]
    if probe_file is not None:
        command = [sys.executable, __file__, "--serve-probe", str(bundle), str(port),
                   str(probe_file)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 120 s")


def run_phases(base: str, records: list[dict[str, Any]], args: argparse.Namespace,
               ) -> dict[str, Any]:
    port = int(base.rsplit(":", 1)[1])
    return asyncio.run(_phases(port, records, args))


def _request_bytes(body: bytes, path: str = "/v1/predict") -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class Connection:
    """A keep-alive HTTP/1.1 connection that sends prepared bytes and reads one response.

    Much leaner than a general client, so the load generator leaves the cores to the server.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**24)
        return cls(reader, writer)

    async def post(self, payload: bytes) -> tuple[int, bytes]:
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return int(head[9:12]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def _phases(port: int, records: list[dict[str, Any]], args: argparse.Namespace,
                  ) -> dict[str, Any]:
    share = args.time_limit / 3
    payloads = [_request_bytes(json.dumps(r).encode()) for r in records]
    batch_payload = _request_bytes(json.dumps(records).encode())
    results: dict[str, Any] = {}

    connection = await Connection.open(port)
    served_alone = []
    for payload in payloads:  # warm-up, and each record's score served alone
        _, body = await connection.post(payload)
        served_alone.append(json.loads(body)["probability"])
    latencies = []
    deadline = time.monotonic() + share
    for i in range(args.sequential):
        start = time.perf_counter()
        status, _ = await connection.post(payloads[i % len(payloads)])
        latencies.append(time.perf_counter() - start)
        if status != 200 or time.monotonic() > deadline:
            break
    results["sequential"] = {"requests": len(latencies),
                             **{f"p{q}": float(np.percentile(latencies, q)) * 1e3
                                for q in (50, 95, 99)}}

    _, body = await connection.post(batch_payload)
    served_batch = json.loads(body)["probability"]
    batch_times = []
    deadline = time.monotonic() + share
    for _ in range(args.batches):
        start = time.perf_counter()
        status, _ = await connection.post(batch_payload)
        batch_times.append(time.perf_counter() - start)
        if status != 200 or time.monotonic() > deadline:
            break
    median = float(np.median(batch_times))
    results["batch"] = {"requests": len(batch_times), "median_ms": median * 1e3,
                        "rows_per_s": len(records) / median}
    connection.close()

    explain_payload = _request_bytes(json.dumps(records[:args.explain_rows]).encode(),
                                     "/v1/explain")
    window_start = time.time()
    results["concurrent"] = await _concurrent(port, payloads, args.clients, args.concurrent,
                                              share, explain_payload, args.explain_interval)
    results["_window"] = (window_start, time.time())
    results["_served_alone"] = served_alone
    results["_served_batch"] = served_batch
    return results


async def _concurrent(port: int, payloads: list[bytes], clients: int, total: int,
                      seconds: float, explain_payload: bytes, explain_interval: float,
                      ) -> dict[str, Any]:
    """``clients`` loops sharing one counter, each on its own keep-alive connection, and one
    more connection that asks for explanations every ``explain_interval`` seconds."""
    issued = ok = errors = 0
    latencies: list[float] = []
    explain_latencies: list[float] = []
    explain_errors = 0
    deadline = time.monotonic() + seconds
    connections = [await Connection.open(port) for _ in range(clients)]
    done = asyncio.Event()

    async def one_client(connection: Connection, offset: int) -> None:
        nonlocal issued, ok, errors
        while issued < total and time.monotonic() < deadline:
            issued += 1
            start = time.perf_counter()
            try:
                status, _ = await connection.post(payloads[(issued + offset) % len(payloads)])
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                connection = await Connection.open(port)
                continue
            latencies.append(time.perf_counter() - start)
            if status == 200:
                ok += 1
            else:
                errors += 1

    async def explainer() -> None:
        nonlocal explain_errors
        connection = await Connection.open(port)
        while not done.is_set():
            start = time.perf_counter()
            status, _ = await connection.post(explain_payload)
            explain_latencies.append(time.perf_counter() - start)
            explain_errors += status != 200
            pause = explain_interval - (time.perf_counter() - start)
            if pause > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), pause)
        connection.close()

    background = asyncio.create_task(explainer()) if explain_interval > 0 else None
    start = time.perf_counter()
    await asyncio.gather(*(one_client(c, i) for i, c in enumerate(connections)))
    elapsed = time.perf_counter() - start
    done.set()
    if background is not None:
        await background
    for connection in connections:
        connection.close()
    result = {"clients": clients, "requests": ok + errors, "ok": ok, "errors": errors,
              "seconds": elapsed, "requests_per_s": (ok + errors) / elapsed,
              **{f"p{q}": float(np.percentile(latencies, q)) * 1e3 for q in (50, 95, 99)},
              "max": max(latencies) * 1e3, "explain_requests": len(explain_latencies),
              "explain_errors": explain_errors,
              "explain_p50": float(np.median(explain_latencies)) * 1e3
              if explain_latencies else float("nan")}
    return result


STALL_MS = 10.0


def serve_with_probe(bundle: Path, port: int, out: Path) -> None:
    """``findeep serve``'s app under uvicorn, recording loop stalls and GC pauses to ``out``."""
    import gc

    import uvicorn

    from findeep.serve.server import app_from_settings, serving_settings

    app = app_from_settings(serving_settings(bundle))
    stalls: list[tuple[float, float, float]] = []  # (wall time, stall ms, loop-thread CPU ms)
    pauses: list[tuple[float, int, float]] = []  # (wall time, generation, ms)
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            pauses.append((time.time(), info["generation"],
                           (time.perf_counter() - gc_started[0]) * 1e3))

    async def watch_loop() -> None:
        tick = 0.002
        while True:
            start, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(tick)
            late = (time.perf_counter() - start - tick) * 1e3
            if late > STALL_MS:
                stalls.append((time.time(), late, (time.thread_time() - cpu) * 1e3))

    async def start_watch() -> None:
        app.state.watch = asyncio.get_running_loop().create_task(watch_loop())

    async def save() -> None:  # uvicorn re-raises SIGTERM once shut down: write before that
        out.write_text(json.dumps({"stalls": stalls, "gc": pauses}))

    app.router.on_startup.append(start_watch)
    app.router.on_shutdown.append(save)
    gc.callbacks.append(on_gc)
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def probe_summary(probe: dict[str, Any], window: tuple[float, float]) -> dict[str, float]:
    """Loop stalls and GC pauses inside one repeat's concurrent phase."""
    start, end = window
    stalls = [(ms, cpu) for t, ms, cpu in probe["stalls"] if start <= t <= end]
    # computing: the loop thread ran for most of the stall (work on the loop, GC);
    # waiting: it did not run (descheduled by the OS, or waiting for the interpreter lock)
    computing = [ms for ms, cpu in stalls if cpu >= 0.5 * ms]
    waiting = [ms for ms, cpu in stalls if cpu < 0.5 * ms]
    full_gc = [ms for t, gen, ms in probe["gc"] if start <= t <= end and gen == 2]
    return {"stalls_computing": len(computing), "stalls_waiting": len(waiting),
            "longest_computing_ms": max(computing, default=0.0),
            "longest_waiting_ms": max(waiting, default=0.0),
            "stalled_ms": float(sum(computing) + sum(waiting)),
            "full_gc": len(full_gc), "longest_full_gc_ms": max(full_gc, default=0.0)}


def parity(bundle: Path, frame: Any, alone: list[float], batch: list[float]) -> dict[str, float]:
    """Largest gaps between scoring paths, over the same records."""
    import findeep

    offline = findeep.load(bundle).event_probability(frame)
    alone_a, batch_a = np.asarray(alone), np.asarray(batch)
    return {"alone_vs_batch": float(np.abs(alone_a - batch_a).max()),
            "alone_vs_offline": float(np.abs(alone_a - offline).max()),
            "batch_vs_offline": float(np.abs(batch_a - offline).max())}


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    seq, conc, batch, par = (results[k] for k in ("sequential", "concurrent", "batch", "parity"))
    lines = [
        f"serve load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"workers={args.workers}, "
        + ("" if args.bundle or args.bagging is None else f"bagging={args.bagging}, ")
        + f"loopback; medians of {results['repeats']} repeats "
        "(errors and score gaps: worst repeat)",
        "",
        "| measurement | value | target |",
        "|---|---|---|",
        f"| single record, 1 sequential client: p50 / p95 / p99 | {seq['p50']:.2f} / "
        f"{seq['p95']:.2f} / {seq['p99']:.2f} ms ({seq['requests']:.0f} requests) | p99 <= 5 ms |",
        f"| single record, {conc['clients']:.0f} concurrent clients | "
        f"{conc['requests_per_s']:,.0f} req/s, {conc['errors']} errors in "
        f"{conc['requests']:,.0f} requests | >= 2,500 req/s, 0 errors |",
        f"| same, latency p50 / p95 / p99 (max) | {conc['p50']:.1f} / {conc['p95']:.1f} / "
        f"{conc['p99']:.1f} ms ({conc['max']:.0f} ms) | p99 <= 50 ms |",
        f"| meanwhile, /v1/explain of {args.explain_rows} records every "
        f"{args.explain_interval:g} s | {conc['explain_requests']:.0f} requests, median "
        f"{conc['explain_p50']:.0f} ms, {conc['explain_errors']} errors | 0 errors |",
        f"| batches of {args.batch_size} records, 1 client | {batch['rows_per_s']:,.0f} rows/s "
        f"(median {batch['median_ms']:.1f} ms per request, {batch['requests']:.0f} requests) | "
        ">= 50,000 rows/s |",
        f"| max abs score gap: alone vs batch / alone vs findeep.load / batch vs findeep.load | "
        f"{par['alone_vs_batch']:.1e} / {par['alone_vs_offline']:.1e} / "
        f"{par['batch_vs_offline']:.1e} | <= 1e-6 |",
    ]
    if "probe" in results:
        probe = results["probe"]
        lines.insert(-1, (
            f"| concurrent phase: event-loop stalls > {STALL_MS:.0f} ms, loop computing / not "
            f"running (longest) | {probe['stalls_computing']:.0f} "
            f"({probe['longest_computing_ms']:.0f} ms) / {probe['stalls_waiting']:.0f} "
            f"({probe['longest_waiting_ms']:.0f} ms); "
            f"{probe['stalled_ms'] / 1e3:.1f} s stalled in all; full GC: {probe['full_gc']:.0f} "
            f"(longest {probe['longest_full_gc_ms']:.0f} ms) | - |"))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
