"""The server stays fair: slow work for one client does not hold up another's request."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import findeep.serve.app as serve_app
from findeep.serve.app import create_app

EXPLAIN_SECONDS = 1.0


@pytest.fixture()
def slow_explainer(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Explanations that take a whole second more than they should; set once one starts."""
    real = serve_app._find_explainer()
    started = threading.Event()

    def slow_explain(*args: Any, **kwargs: Any) -> Any:
        started.set()
        time.sleep(EXPLAIN_SECONDS)  # holds whichever thread runs it, as heavy CPU work would
        return real(*args, **kwargs)

    monkeypatch.setattr(serve_app, "_find_explainer", lambda: slow_explain)
    return started


def test_a_slow_explanation_does_not_hold_up_a_prediction(
        credit_bundle: Path, records: list[dict[str, Any]],
        slow_explainer: threading.Event) -> None:
    """While one client's explanation runs, another client's predict is answered at once."""
    app = create_app(credit_bundle)
    finished: list[str] = []

    async def scenario() -> tuple[httpx.Response, httpx.Response, float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            async def explain() -> httpx.Response:
                response = await client.post("/v1/explain", json=records[0])
                finished.append("explain")
                return response

            async def predict() -> tuple[httpx.Response, float]:
                while not slow_explainer.is_set():
                    await asyncio.sleep(0.005)
                started = time.perf_counter()
                response = await client.post("/v1/predict", json=records[1])
                finished.append("predict")
                return response, time.perf_counter() - started

            explained, (predicted, seconds) = await asyncio.gather(explain(), predict())
            return explained, predicted, seconds

    explained, predicted, seconds = asyncio.run(scenario())
    assert explained.status_code == predicted.status_code == 200
    assert finished == ["predict", "explain"]
    assert seconds < EXPLAIN_SECONDS / 2


def test_explanations_and_big_batches_still_answer_correctly(
        credit_bundle: Path, records: list[dict[str, Any]], credit_model: Any) -> None:
    """Work moved off the event loop gives the same answers: a 300-record batch (scored on a
    worker thread) matches the model offline, and an explanation still has its reasons."""
    import numpy as np
    import pandas as pd

    app = create_app(credit_bundle)
    rows = (records * 2)[:300]

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(client.post("/v1/predict", json=rows),
                                        client.post("/v1/explain?top=2", json=records[:3]))

    batch, explained = asyncio.run(scenario())
    assert batch.status_code == explained.status_code == 200
    served = np.asarray(batch.json()["probability"])
    offline = credit_model.event_probability(pd.DataFrame(rows))
    np.testing.assert_allclose(served, offline, atol=1e-6)
    body = explained.json()
    assert body["rows"] == 3 and all(1 <= len(r) <= 2 for r in body["reasons"])
