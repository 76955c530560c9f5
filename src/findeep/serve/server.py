"""Run the scoring app under uvicorn, in one process or several workers.

Workers are separate processes that each load the bundle; they receive their settings
through environment variables (uvicorn starts them from an import string), so the API
key itself is never put on a command line.

The listening socket is bound here, before uvicorn starts, and handed to it: a busy port
or a host that is not this machine's is one ``ConfigError`` sentence (exit 2 in the CLI),
not uvicorn's start-up log and exit 3, and "serving" is said only once the port listens.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from fastapi import FastAPI

from findeep.errors import BundleError, ConfigError
from findeep.long_work import long_work_starts
from findeep.text.routing import is_text_bundle

SETTINGS_VARIABLE = "FINDEEP_SERVE_SETTINGS"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def resolve_api_key(api_key_env: str | None) -> str | None:
    """The key held in environment variable ``api_key_env``; an unset or empty one is an error."""
    if api_key_env is None:
        return None
    key = os.environ.get(api_key_env, "")
    if not key.strip():
        raise ConfigError(f"environment variable {api_key_env} is not set or empty; export the "
                          "API key there, or leave out --api-key-env.")
    return key


def serving_settings(bundle: str | os.PathLike[str], *, api_key_env: str | None = None,
                     max_rows: int | None = None, max_bytes: int | None = None,
                     strict: bool = False, threshold: float | None = None,
                     int8: bool = False, threads: int = 1, host: str | None = None,
                     ) -> dict[str, Any]:
    """The JSON-able settings each worker rebuilds its app from (``threshold``: binary
    models only, None for none given; ``int8``: text MiniLM bundles only; ``threads``:
    torch intra-op threads per worker; ``host``: a loopback host makes the app answer only
    requests that name this machine, ``LoopbackHostsOnly``)."""
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ConfigError(f"threads must be a positive integer, however: {threads=}")
    try:
        where = str(Path(bundle).resolve())
    except (RuntimeError, OSError):  # a loop of links (RuntimeError up to Python 3.12)
        raise BundleError(f"'{bundle}' cannot be resolved to a folder (a loop of links?); "
                          "pass the bundle's folder.") from None
    settings: dict[str, Any] = {"bundle": where, "api_key_env": api_key_env, "strict": strict}
    if threshold is not None:
        settings["threshold"] = threshold
    if threads != 1:
        settings["threads"] = threads
    if int8:
        settings["int8"] = True
    if max_rows is not None:
        settings["max_rows"] = max_rows
    if max_bytes is not None:
        settings["max_bytes"] = max_bytes
    if host is not None and host.strip().strip("[]") in LOOPBACK_HOSTS:
        settings["loopback"] = True
    return settings


def app_from_settings(settings: dict[str, Any]) -> FastAPI:
    """Build one worker's app; one intra-op thread unless ``threads`` says otherwise, as
    workers (and clients) share the cores. (MiniLM int8, one sentence, loaded 2-core machine:
    a second thread cost 2-18% more CPU; its latency gain came and went with the load, and
    without OMP_WAIT_POLICY=PASSIVE spinning threads made a sentence 7x dearer or worse:
    BENCHMARKS.md, "the served sentence's tail".)"""
    from findeep.serve.app import create_app

    torch.set_num_threads(int(settings.get("threads", 1)))
    if is_text_bundle(settings["bundle"]):
        app = text_app_from_settings(settings)
    else:
        if settings.get("int8"):
            raise ConfigError("--int8 applies to MiniLM text models; this bundle is tabular.")
        options = {k: settings[k] for k in ("max_rows", "max_bytes", "threshold")
                   if k in settings}
        app = create_app(settings["bundle"],
                         api_key=resolve_api_key(settings.get("api_key_env")),
                         strict=bool(settings.get("strict")), **options)
    if settings.get("loopback"):
        app.add_middleware(LoopbackHostsOnly)
    # The model, torch and the web stack live as long as the process: moved out of the
    # collector's sight, a full collection no longer walks their ~380,000 objects (0.1-0.8 s
    # on 2 cores, measured) while every client waits; short-lived request garbage is
    # collected as before.
    gc.collect()
    gc.freeze()
    return app


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class LoopbackHostsOnly:
    """For a server bound to this machine only: a request whose Host header names another
    machine gets 400, so a web page whose name was pointed at 127.0.0.1 (DNS rebinding)
    cannot read the model's answers through the visitor's browser. Host names are read
    without case (``LOCALHOST``); a request without a Host header (an HTTP/1.0 health probe)
    passes, since a browser always sends one."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"host")
            header = None if header is None else header.decode("latin-1")
            if header is not None and host_name(header).lower() not in LOOPBACK_HOSTS:
                from fastapi.responses import JSONResponse

                shown = header[:100].encode("unicode_escape").decode("ascii")
                response = JSONResponse(
                    {"detail": f"this server answers requests for this machine only (Host "
                               f"127.0.0.1 or localhost), however the Host header is {shown!r}.",
                     "errors": []}, status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def host_name(header: str) -> str:
    """The name in a Host header, without its port: ``[::1]:8000`` is ``::1``."""
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def text_app_from_settings(settings: dict[str, Any]) -> FastAPI:
    """A text bundle's app (``findeep.text.serve``: the text field in each record, word
    attributions from /v1/explain), with the same ``strict`` and ``threshold`` as a tabular
    bundle's."""
    from findeep.request_body import DEFAULT_MAX_BYTES
    from findeep.text.serve import MAX_ROWS, create_text_app

    return create_text_app(settings["bundle"],
                           api_key=resolve_api_key(settings.get("api_key_env")),
                           max_rows=settings.get("max_rows", MAX_ROWS),
                           max_bytes=settings.get("max_bytes", DEFAULT_MAX_BYTES),
                           int8=bool(settings.get("int8")),
                           strict=bool(settings.get("strict")),
                           threshold=settings.get("threshold"))


def app_from_environment() -> FastAPI:
    """uvicorn factory for worker processes: settings come from ``FINDEEP_SERVE_SETTINGS``."""
    raw = os.environ.get(SETTINGS_VARIABLE)
    if not raw:
        raise ConfigError(f"{SETTINGS_VARIABLE} is not set; start the server with 'findeep serve'.")
    return app_from_settings(json.loads(raw))


def run_server(bundle: str | os.PathLike[str], *, host: str = DEFAULT_HOST,
               port: int = DEFAULT_PORT, workers: int = 1, api_key_env: str | None = None,
               max_rows: int | None = None, max_bytes: int | None = None, strict: bool = False,
               access_log: bool = False, threshold: float | None = None, int8: bool = False,
               threads: int = 1, on_ready: Callable[[], None] | None = None) -> None:
    """Serve ``bundle`` until interrupted. Settings are checked, the bundle loaded and
    ``host``:``port`` bound first (``ConfigError`` when the port is in use or the host is
    not this machine's); ``on_ready`` is called once the port listens, just before uvicorn
    starts answering on it (connections made meanwhile wait in the queue)."""
    import uvicorn

    if workers < 1:
        raise ConfigError(f"workers must be a positive integer, however: {workers=}")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65_535:
        raise ConfigError(f"port must be an integer from 1 to 65535, however: {port=}")
    settings = serving_settings(bundle, api_key_env=api_key_env, max_rows=max_rows,
                                max_bytes=max_bytes, strict=strict, threshold=threshold,
                                int8=int8, threads=threads, host=host)
    app = app_from_settings(settings)  # fails fast, in this process, on a bad bundle or key
    listener = bind_listener(host, port)
    try:
        long_work_starts()  # checks passed: warnings the command line held are shown now
        listener.listen(_BACKLOG)
        if on_ready is not None:
            on_ready()
        # uvicorn serves the socket bound here, so no other process can take the port
        # between the check and the start. It is handed over as the socket object, not as
        # uvicorn's ``fd`` option, which reads any descriptor as a Unix socket: TCP_NODELAY
        # was then never set and every small response waited ~40 ms for a delayed ACK
        if workers == 1:
            serve_on(app, listener, access_log=access_log, log_level="info")
            return
        del app
        os.environ[SETTINGS_VARIABLE] = json.dumps(settings)
        serve_on("findeep.serve.server:app_from_environment", listener, factory=True,
                 workers=workers, access_log=access_log, log_level="info",
                 **worker_start_allowance(uvicorn))
    finally:
        listener.close()


def serve_on(target: Any, listener: socket.socket, **options: Any) -> None:
    """uvicorn serving ``target`` (an app, or an import string with ``workers``) on the
    bound ``listener`` until interrupted, as ``uvicorn.run`` would with ``options`` (its
    keyword arguments). Several workers run under uvicorn's supervisor, which older uvicorn
    versions also hand the target each worker runs."""
    import contextlib
    import inspect

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(target, **options)
    with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl-C ends the server
        if config.workers == 1:
            uvicorn.Server(config).run(sockets=[listener])
            return
        extra = ({"target": uvicorn.Server(config).run}
                 if "target" in inspect.signature(Multiprocess).parameters else {})
        Multiprocess(config, sockets=[listener], **extra).run()


_BACKLOG = 2048  # uvicorn's default backlog


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (not listening yet), as uvicorn would bind
    it (``SO_REUSEADDR``: a port a stopped server left in TIME_WAIT is free); an unknown
    host, a busy port or an address of another machine is one ``ConfigError`` sentence."""
    if not host.strip():  # an unset $HOST: getaddrinfo would bind every interface
        raise ConfigError("--host is empty (an unset variable?); give 127.0.0.1 (this machine "
                          "only) or 0.0.0.0 (every interface) by name.")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise ConfigError(f"cannot resolve host {host!r} ({reason}); --host takes a name or "
                          "address of this machine, such as 127.0.0.1 (this machine only) or "
                          "0.0.0.0 (every interface).") from None
    # one address, IPv4 first, as uvicorn binds for its workers ("localhost": 127.0.0.1)
    family, kind, proto, _, address = min(found, key=lambda info: info[0] != socket.AF_INET)
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        listener.close()
        raise ConfigError(_bind_refusal(host, port, exc)) from None
    return listener


def _bind_refusal(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is in use (another server, or findeep serve already "
                "running?); stop it or choose another --port.")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"{host} is not an address of this machine, so nothing can listen on it; "
                "use one of its own, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every "
                "interface).")
    if exc.errno == errno.EACCES:
        return (f"no permission to listen on port {port} of {host} (ports below 1024 need "
                "administrator rights); choose a port from 1024 up.")
    return f"cannot listen on port {port} of {host}: {exc.strerror or exc}."


# How long a worker may take to load the bundle and warm up before uvicorn's supervisor
# gives up on it. uvicorn's default (5 s) killed and respawned workers in a loop on a busy
# 2-core machine, where two workers loading a model at once took ~25 s.
WORKER_START_SECONDS = 120


def worker_start_allowance(uvicorn: Any) -> dict[str, int]:
    """``timeout_worker_healthcheck`` for the uvicorn versions that have it (0.34+)."""
    import inspect

    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        return {"timeout_worker_healthcheck": WORKER_START_SECONDS}
    return {}
