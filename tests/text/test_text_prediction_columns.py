"""A binary text model's scores say which class their probability is for: the output column
is ``probability_<event class>`` as in tabular scoring, the summaries and the server name it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cli_helpers import run
from findeep.testing import make_text_frame
from findeep.text.serve import create_text_app


@pytest.fixture(scope="module")
def binary_news(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Positive/negative headlines (negative the rarer: the event class), trained one epoch
    by plain `findeep train`."""
    folder = tmp_path_factory.mktemp("binary-news")
    frame = make_text_frame(200, seed=0)
    frame = frame[frame["sentiment"] != "neutral"].reset_index(drop=True)
    data = folder / "news.csv"
    frame.to_csv(data, index=False)
    trained = run("train", data, "--target", "sentiment", "--max-epochs", "1",
                  "--out", folder / "model", "-q")
    assert trained.exit_code == 0, trained.output
    meta = json.loads((folder / "model" / "bundle.json").read_text())
    return {"data": data, "model": folder / "model", "train_stdout": trained.stdout,
            "event": meta["target"]["event_class"], "folder": folder}


def test_binary_scores_are_named_for_the_event_class(binary_news):
    """`findeep predict` writes probability_<event class>, and a row is predicted the event
    exactly when that probability is at least 0.5 (it is P(event), not P(other))."""
    assert binary_news["event"] == "negative"  # the rarer class
    out = binary_news["folder"] / "scores.csv"
    result = run("predict", binary_news["model"], binary_news["data"], "--out", out)
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    assert "probability_negative" in scores.columns and "probability" not in scores.columns
    assert ((scores["prediction"] == "negative")
            == (scores["probability_negative"] >= 0.5)).all()


def test_train_and_text_predict_summaries_name_the_event_class(binary_news, tmp_path: Path):
    """The training summary and `findeep text predict` say which class the probability is for."""
    assert "event class 'negative'" in binary_news["train_stdout"]
    result = run("text", "predict", binary_news["model"], binary_news["data"],
                 "--out", tmp_path / "scores.csv")
    assert result.exit_code == 0, result.output
    assert "probability_negative is the probability of sentiment = 'negative'" in " ".join(
        result.stdout.split())


def test_the_server_names_the_event_class_beside_the_unchanged_probability(binary_news):
    """/v1/model and each /v1/predict body carry event_class; rows keep `probability`."""
    client = TestClient(create_text_app(binary_news["model"]))
    assert client.get("/v1/model").json()["event_class"] == "negative"
    text = pd.read_csv(binary_news["data"])["sentence"].iloc[0]
    body = client.post("/v1/predict", json={"records": [{"sentence": text}]}).json()
    assert body["event_class"] == "negative"
    assert set(body["predictions"][0]) == {"prediction", "probability"}
