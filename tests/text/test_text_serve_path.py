"""The text server's hot path: the scores it serves are the library's, alone or in a batch;
text-only models skip tabular preprocessing; the timing hook writes only when asked."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError
from findeep.testing import make_text_credit_frame, make_text_frame
from findeep.text import fit_text
from findeep.text.serve import create_text_app
from findeep.text.timings import TIMINGS_VARIABLE, TimingsLog


def _fit(frame: pd.DataFrame, target: str, task: str = "auto") -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        return fit_text(frame.drop(columns=target), frame[target], model="text-cnn",
                        task=task, verbose=0, max_epochs=2)


@pytest.fixture(scope="module")
def news_model():
    """Text only: one sentence column, three classes."""
    return _fit(make_text_frame(300, seed=0), "sentiment")


@pytest.fixture(scope="module")
def loans_model():
    """Mixed: a free-text purpose beside numeric and categorical columns, binary."""
    return _fit(make_text_credit_frame(300, seed=0), "default")


def _served(client: TestClient, records: list[dict], key: str) -> tuple[list, list]:
    """(scores of the records sent together, scores of each record sent alone)."""
    batch = client.post("/v1/predict", json={"records": records})
    assert batch.status_code == 200, batch.text
    together = [p[key] for p in batch.json()["predictions"]]
    alone = []
    for record in records:
        response = client.post("/v1/predict", json={"records": [record]})
        assert response.status_code == 200, response.text
        alone.append(response.json()["predictions"][0][key])
    return together, alone


def test_served_text_scores_are_the_library_scores_alone_and_in_a_batch(news_model):
    """Each sentence's served class probabilities equal ``predict_raw``'s, whether it is
    sent alone (scored on the event loop) or in a batch (on a worker thread)."""
    frame = make_text_frame(12, seed=5)
    records = frame[["sentence"]].to_dict("records")
    expected, _ = news_model.predict_raw(frame[["sentence"]])
    classes = [str(c) for c in news_model.target.classes]
    together, alone = _served(TestClient(create_text_app(news_model)), records,
                              "probabilities")
    for served in (together, alone):
        got = np.array([[p[c] for c in classes] for p in served])
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_served_mixed_scores_are_the_library_scores_alone_and_in_a_batch(loans_model):
    """A model reading text and other columns serves ``predict_raw``'s event probability,
    and a record scores the same alone as in a batch."""
    frame = make_text_credit_frame(12, seed=5).drop(columns="default")
    expected, _ = loans_model.predict_raw(frame)
    expected = loans_model.event_probability(expected)
    together, alone = _served(TestClient(create_text_app(loans_model)),
                              frame.to_dict("records"), "probability")
    np.testing.assert_allclose(together, expected, atol=1e-6)
    np.testing.assert_allclose(alone, expected, atol=1e-6)


def test_served_regression_values_are_the_library_values():
    """A text regression model serves ``predict_raw``'s values, alone and in a batch."""
    frame = make_text_frame(300, seed=0)
    frame["value"] = frame.pop("sentiment").map({"positive": 1.0, "neutral": 0.0,
                                                 "negative": -1.0})
    model = _fit(frame, "value", task="regression")
    assert model.task == "regression"
    scored = make_text_frame(8, seed=5)[["sentence"]]
    expected, _ = model.predict_raw(scored)
    together, alone = _served(TestClient(create_text_app(model)), scored.to_dict("records"),
                              "prediction")
    np.testing.assert_allclose(together, expected, atol=1e-6)
    np.testing.assert_allclose(alone, expected, atol=1e-6)


def test_a_text_only_model_scores_without_tabular_preprocessing(news_model, monkeypatch):
    """No other column, no preprocessor call, and the same scores as with it."""
    frame = make_text_frame(20, seed=6)[["sentence"]]
    before, _ = news_model.predict_raw(frame)
    x_num, x_cat, _ = news_model.preprocessor.transform(frame[[]])

    def refuse(*args, **kwargs):
        raise AssertionError("tabular preprocessing ran for a text-only model")

    monkeypatch.setattr(news_model.preprocessor, "transform", refuse)
    inputs = news_model.inputs(frame)
    assert inputs.data.x_num.shape == x_num.shape and inputs.data.x_cat.shape == x_cat.shape
    after, _ = news_model.predict_raw(frame)
    np.testing.assert_array_equal(after, before)


def test_a_mixed_model_still_preprocesses_its_other_columns(loans_model, monkeypatch):
    """The other columns still go through the fitted preprocessor: changing a number the
    model reads changes what the network is given."""
    frame = make_text_credit_frame(20, seed=6).drop(columns="default")
    calls = []
    transform = loans_model.preprocessor.transform

    def spy(others, rules=None):
        calls.append(list(others.columns))
        return transform(others, rules)

    monkeypatch.setattr(loans_model.preprocessor, "transform", spy)
    inputs = loans_model.inputs(frame)
    assert calls == [loans_model.other_columns]
    shifted = loans_model.inputs(frame.assign(income=frame["income"] * 10))
    assert not np.array_equal(inputs.data.x_num.numpy(), shifted.data.x_num.numpy())


def test_timing_hook_writes_one_well_formed_line_per_request(news_model, tmp_path: Path,
                                                             monkeypatch):
    """With FINDEEP_SERVE_TIMINGS set, each /v1/predict appends one JSON line whose stage
    times add up to no more than the request's total."""
    log = tmp_path / "timings.jsonl"
    monkeypatch.setenv(TIMINGS_VARIABLE, str(log))
    client = TestClient(create_text_app(news_model))
    sentences = make_text_frame(3, seed=7)["sentence"].tolist()
    for sentence in sentences:
        assert client.post("/v1/predict", json={"records": [{"sentence": sentence}]}
                           ).status_code == 200
    assert client.post("/v1/predict", json={"records": [{"sentence": s} for s in sentences]}
                       ).status_code == 200
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["rows"] for line in lines] == [1, 1, 1, 3]
    lengths = news_model.inputs(pd.DataFrame({"sentence": sentences})).encoded.lengths
    assert [line["tokens"] for line in lines] == [*lengths.tolist(), lengths.max()]
    for line in lines:
        stages = line["parse_ms"] + line["tokenize_ms"] + line["forward_ms"]
        assert all(line[k] >= 0 for k in ("parse_ms", "tokenize_ms", "forward_ms", "cpu_ms"))
        assert stages <= line["total_ms"] + 1e-6


def test_timing_hook_writes_nothing_unless_asked(news_model, tmp_path: Path, monkeypatch):
    """Without the variable, serving creates no file; a log that cannot be written is one
    clear error at start-up, not a failure per request."""
    monkeypatch.delenv(TIMINGS_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    client = TestClient(create_text_app(news_model))
    assert client.post("/v1/predict", json={"records": [{"sentence": "profit rose"}]}
                       ).status_code == 200
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match="cannot write"):
        TimingsLog(tmp_path / "missing-folder" / "timings.jsonl")


def test_a_body_that_is_not_records_is_one_sentence(news_model):
    """Broken JSON, an empty list, or an object that is no record of this model: 422 with
    one readable sentence, never a 500."""
    client = TestClient(create_text_app(news_model))
    for body, said in ((b"{not json", "a JSON array of records"),
                       (b'{"records": []}', "records"),
                       (b'{"rows": [{"sentence": "x"}]}', "lacks the text field 'sentence'")):
        response = client.post("/v1/predict", content=body,
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert isinstance(detail, str) and said in detail and "\n" not in detail


def test_serve_threads_sets_the_workers_torch_threads_and_refuses_nonsense(tmp_path: Path,
                                                                           news_model):
    """``findeep serve --threads 2`` scores with two torch threads (default one); zero or a
    non-integer is one clear error before anything loads."""
    import torch

    from findeep.serve.server import app_from_settings, serving_settings
    from findeep.text.bundle import save_text_model

    bundle = tmp_path / "news"
    save_text_model(news_model, bundle)
    before = torch.get_num_threads()
    try:
        app_from_settings(serving_settings(bundle, threads=2))
        assert torch.get_num_threads() == 2
        app_from_settings(serving_settings(bundle))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="threads must be a positive integer"):
            serving_settings(bundle, threads=bad)
