"""Run the scoring app under uvicorn, in one process or several workers.

Workers are separate processes that each load the bundle; they receive their settings
through environment variables (uvicorn starts them from an import string), so the API
key itself is never put on a command line.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from fastapi import FastAPI

from findeep.errors import ConfigError
from findeep.long_work import long_work_starts
from findeep.text.routing import is_text_bundle, refuse_tabular_options

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
                     strict: bool = False, threshold: float = 0.5,
                     int8: bool = False, threads: int = 1) -> dict[str, Any]:
    """The JSON-able settings each worker rebuilds its app from (``int8``: text MiniLM
    bundles only; ``threads``: torch intra-op threads per worker)."""
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ConfigError(f"threads must be a positive integer, however: {threads=}")
    settings: dict[str, Any] = {"bundle": str(Path(bundle).resolve()), "api_key_env": api_key_env,
                                "strict": strict, "threshold": threshold}
    if threads != 1:
        settings["threads"] = threads
    if int8:
        settings["int8"] = True
    if max_rows is not None:
        settings["max_rows"] = max_rows
    if max_bytes is not None:
        settings["max_bytes"] = max_bytes
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
    # The model, torch and the web stack live as long as the process: moved out of the
    # collector's sight, a full collection no longer walks their ~380,000 objects (0.1-0.8 s
    # on 2 cores, measured) while every client waits; short-lived request garbage is
    # collected as before.
    gc.collect()
    gc.freeze()
    return app


def text_app_from_settings(settings: dict[str, Any]) -> FastAPI:
    """A text bundle's app (``findeep.text.serve``: the text field in each record, word
    attributions from /v1/explain); the tabular-only settings are refused in one line."""
    from findeep.text.serve import MAX_ROWS, create_text_app

    refuse_tabular_options(max_bytes=settings.get("max_bytes"),
                           strict=settings.get("strict"),
                           threshold=None if settings.get("threshold", 0.5) == 0.5
                           else settings["threshold"])
    return create_text_app(settings["bundle"],
                           api_key=resolve_api_key(settings.get("api_key_env")),
                           max_rows=settings.get("max_rows", MAX_ROWS),
                           int8=bool(settings.get("int8")))


def app_from_environment() -> FastAPI:
    """uvicorn factory for worker processes: settings come from ``FINDEEP_SERVE_SETTINGS``."""
    raw = os.environ.get(SETTINGS_VARIABLE)
    if not raw:
        raise ConfigError(f"{SETTINGS_VARIABLE} is not set; start the server with 'findeep serve'.")
    return app_from_settings(json.loads(raw))


def run_server(bundle: str | os.PathLike[str], *, host: str = DEFAULT_HOST,
               port: int = DEFAULT_PORT, workers: int = 1, api_key_env: str | None = None,
               max_rows: int | None = None, max_bytes: int | None = None, strict: bool = False,
               access_log: bool = False, threshold: float = 0.5, int8: bool = False,
               threads: int = 1, on_ready: Callable[[], None] | None = None) -> None:
    """Serve ``bundle`` until interrupted. Settings are checked (and the bundle loaded) first;
    ``on_ready`` is called once they pass, just before the server starts listening."""
    import uvicorn

    if workers < 1:
        raise ConfigError(f"workers must be a positive integer, however: {workers=}")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65_535:
        raise ConfigError(f"port must be an integer from 1 to 65535, however: {port=}")
    settings = serving_settings(bundle, api_key_env=api_key_env, max_rows=max_rows,
                                max_bytes=max_bytes, strict=strict, threshold=threshold,
                                int8=int8, threads=threads)
    app = app_from_settings(settings)  # fails fast, in this process, on a bad bundle or key
    long_work_starts()  # checks passed: warnings the command line held are shown now
    if on_ready is not None:
        on_ready()
    if workers == 1:
        uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info")
        return
    del app
    os.environ[SETTINGS_VARIABLE] = json.dumps(settings)
    uvicorn.run("findeep.serve.server:app_from_environment", factory=True, host=host, port=port,
                workers=workers, access_log=access_log, log_level="info",
                **worker_start_allowance(uvicorn))


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
