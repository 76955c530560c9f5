"""A client that opens a request and then stalls its body no longer holds the connection for
ever: after ``request_body.BODY_SECONDS`` both web apps answer 408 in one sentence."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import findeep.request_body as request_body
from findeep.serve.app import create_app
from findeep.testing import make_credit_frame, make_text_frame


async def _stalled_post(app, path: str) -> httpx.Response:
    async def body():
        yield b'{"records": [{"sente'
        await asyncio.sleep(30)  # the rest never comes in time
        yield b'nce": "x"}]}'

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await client.post(path, content=body(),
                                 headers={"content-type": "application/json"})


@pytest.fixture
def quick_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_body, "BODY_SECONDS", 0.3)


def test_the_tabular_server_answers_a_stalled_body_with_408(quick_timeout) -> None:
    import findeep

    frame = make_credit_frame(300, seed=0)
    model = findeep.TabularClassifier(max_epochs=1, bagging=1).fit(
        frame.drop(columns=["default"]), frame["default"])
    response = asyncio.run(_stalled_post(create_app(model.pipeline_), "/v1/predict"))
    assert response.status_code == 408
    assert response.json()["detail"] == ("the request body did not arrive within 0.3 s; send "
                                         "it whole, or split it into smaller requests.")


def test_the_text_server_answers_a_stalled_body_with_408(quick_timeout) -> None:
    import warnings

    from findeep.text import fit_text
    from findeep.text.serve import create_text_app

    frame = make_text_frame(120, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_text(frame.drop(columns="sentiment"), frame["sentiment"], model="text-cnn",
                         verbose=0, max_epochs=1)
    response = asyncio.run(_stalled_post(create_text_app(model), "/v1/predict"))
    assert response.status_code == 408 and "0.3 s" in response.json()["detail"]


def test_a_whole_body_in_time_is_read_as_before() -> None:
    class Request:
        def __init__(self) -> None:
            self.headers = {"content-length": "4"}

        async def stream(self):
            yield b"ab"
            yield b"cd"

    assert asyncio.run(request_body.read_bounded(Request(), 100, seconds=1.0)) == b"abcd"
    with pytest.raises(request_body.BodyTooLarge):
        asyncio.run(request_body.read_bounded(Request(), 3, seconds=1.0))
