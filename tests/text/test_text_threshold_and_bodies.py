"""A text model takes the cut-off and the request forms a tabular model takes: ``--threshold``
moves a binary text model's predicted class in ``predict``, its threshold metrics in
``evaluate`` and its served ``prediction``; the text server answers one record sent as a
JSON object, a JSON array of records and ``{"records": [...]}``, and ``--strict`` refuses a
field the model does not read (without it the field is named in a warning header)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cli_helpers import assert_one_line_error, run
from findeep.errors import ConfigError
from findeep.request_body import WARNING_HEADER
from findeep.testing import make_text_credit_frame, make_text_frame
from findeep.text.serve import create_text_app


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A binary text bundle (free text beside other columns) and a multiclass one."""
    folder = tmp_path_factory.mktemp("text-threshold")
    loans, news = folder / "loans.csv", folder / "news.csv"
    make_text_credit_frame(400, seed=0).to_csv(loans, index=False)
    make_text_frame(240, seed=0).to_csv(news, index=False)
    for data, target, out in ((loans, "default", "loans-model"),
                              (news, "sentiment", "news-model")):
        result = run("text", "train", data, "--target", target, "--max-epochs", "3",
                     "--out", folder / out, "-q")
        assert result.exit_code == 0, result.output
    return {"loans": loans, "news": news, "loans-model": folder / "loans-model",
            "news-model": folder / "news-model"}


def _scored(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def test_predict_threshold_moves_a_binary_text_models_labels(bundles, tmp_path: Path):
    """At threshold t a row is the event class exactly where its event probability is at or
    above t; the probabilities themselves do not move."""
    plain, low = tmp_path / "plain.csv", tmp_path / "low.csv"
    assert run("predict", bundles["loans-model"], bundles["loans"], "--out", plain).exit_code == 0
    result = run("predict", bundles["loans-model"], bundles["loans"], "--out", low,
                 "--threshold", "0.2")
    assert result.exit_code == 0, result.output
    assert "predicted at or above 0.2" in " ".join(result.stdout.split())
    before, after = _scored(plain), _scored(low)
    column = next(c for c in after.columns if c.startswith("probability_"))
    event = column.removeprefix("probability_")
    np.testing.assert_array_equal(before[column], after[column])
    for frame, cutoff in ((before, 0.5), (after, 0.2)):
        expected = frame[column].to_numpy() >= np.float32(cutoff)
        assert np.array_equal(frame["prediction"].astype(str).to_numpy() == event, expected)
    moved = (after["prediction"] != before["prediction"]).sum()
    assert moved > 0  # 0.2 is a different cut-off on this table, not a no-op
    # the text sub-app takes it too
    sub = tmp_path / "sub.csv"
    assert run("text", "predict", bundles["loans-model"], bundles["loans"], "--out", sub,
               "--threshold", "0.2").exit_code == 0
    pd.testing.assert_frame_equal(_scored(sub), after)


def test_threshold_on_a_multiclass_text_model_and_out_of_range_are_one_line(bundles,
                                                                            tmp_path: Path):
    out = tmp_path / "s.csv"
    assert_one_line_error(run("predict", bundles["news-model"], bundles["news"], "--out", out,
                              "--threshold", "0.3"),
                          "--threshold applies to binary models; this one is a multiclass")
    assert_one_line_error(run("predict", bundles["loans-model"], bundles["loans"], "--out",
                              out, "--threshold", "1.5"), "threshold")
    assert not out.exists()
    with pytest.raises(ConfigError, match="binary models"):
        create_text_app(bundles["news-model"], threshold=0.3)


def test_evaluate_threshold_gives_the_threshold_metrics_at_that_cut_off(bundles,
                                                                        tmp_path: Path):
    """`findeep evaluate --threshold` on a text bundle was silently taken at 0.5."""
    import json

    metrics = {}
    for cutoff in ("0.5", "0.2"):
        out = tmp_path / f"m{cutoff}.json"
        result = run("evaluate", bundles["loans-model"], bundles["loans"], "--threshold",
                     cutoff, "--out", out)
        assert result.exit_code == 0, result.output
        assert f"accuracy @{cutoff}" in result.stdout
        metrics[cutoff] = json.loads(out.read_text())
    scored = tmp_path / "s.csv"
    run("predict", bundles["loans-model"], bundles["loans"], "--out", scored, "--threshold",
        "0.2")
    frame = _scored(scored)
    truth = pd.read_csv(bundles["loans"])["default"].astype(str)
    assert metrics["0.2"]["threshold"] == 0.2
    assert metrics["0.2"]["accuracy"] == pytest.approx(
        (frame["prediction"].astype(str) == truth).mean())
    assert metrics["0.2"]["recall"] >= metrics["0.5"]["recall"]
    assert metrics["0.2"]["roc_auc"] == metrics["0.5"]["roc_auc"]  # ranking metrics stay


def test_the_text_server_answers_an_object_an_array_and_the_wrapped_form_alike(bundles):
    client = TestClient(create_text_app(bundles["loans-model"]))
    records = make_text_credit_frame(6, seed=4).drop(columns="default").to_dict("records")
    wrapped = client.post("/v1/predict", json={"records": records})
    array = client.post("/v1/predict", json=records)
    assert wrapped.status_code == array.status_code == 200, array.text
    assert array.json() == wrapped.json()
    for i, record in enumerate(records):
        one = client.post("/v1/predict", json=record)
        assert one.status_code == 200, one.text
        body = one.json()
        assert body["probability"] == pytest.approx(
            wrapped.json()["predictions"][i]["probability"], abs=1e-6)
        assert body["prediction"] == wrapped.json()["predictions"][i]["prediction"]
        assert "event_class" in body and "text" in body and "predictions" not in body
    explained = client.post("/v1/explain?top=2", json=records[0])
    assert explained.status_code == 200, explained.text
    assert len(explained.json()["words"]) == 2 and "explanations" not in explained.json()
    listed = client.post("/v1/explain", json=records[:2])
    assert [len(e["words"]) for e in listed.json()["explanations"]] == [10, 10]


def test_bad_bodies_are_one_sentence(bundles):
    client = TestClient(create_text_app(bundles["loans-model"]))
    for body, said in ((b"[]", "empty list"), (b'"a loan"', "JSON object (one record)"),
                       (b"[1, 2]", "at 0"), (b'{"records": []}', "records")):
        response = client.post("/v1/predict", content=body,
                               headers={"content-type": "application/json"})
        assert response.status_code == 422, body
        detail = response.json()["detail"]
        assert said in detail and "\n" not in detail


def test_served_threshold_moves_the_prediction_not_the_probability(bundles):
    records = make_text_credit_frame(30, seed=5).drop(columns="default").to_dict("records")
    plain = TestClient(create_text_app(bundles["loans-model"])).post(
        "/v1/predict", json=records).json()
    low_app = TestClient(create_text_app(bundles["loans-model"], threshold=0.2))
    low = low_app.post("/v1/predict", json=records).json()
    assert low_app.get("/v1/model").json()["limits"]["threshold"] == 0.2
    event = str(plain["event_class"])
    for a, b in zip(plain["predictions"], low["predictions"], strict=True):
        assert a["probability"] == b["probability"]
        assert (str(b["prediction"]) == event) == (np.float32(b["probability"])
                                                  >= np.float32(0.2))
    assert any(a["prediction"] != b["prediction"]
               for a, b in zip(plain["predictions"], low["predictions"], strict=True))


def test_unknown_fields_are_named_and_strict_refuses_them(bundles):
    record = make_text_credit_frame(1, seed=6).drop(columns="default").to_dict("records")[0]
    extra = {**record, "shoe_size": 42}
    lenient = TestClient(create_text_app(bundles["loans-model"]))
    answered = lenient.post("/v1/predict", json=extra)
    assert answered.status_code == 200 and "shoe_size" in answered.headers[WARNING_HEADER]
    assert WARNING_HEADER not in lenient.post("/v1/predict", json=record).headers
    strict = TestClient(create_text_app(bundles["loans-model"], strict=True))
    refused = strict.post("/v1/predict", json={"records": [record, extra]})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("unknown field(s) 'shoe_size': this model reads")
    assert strict.post("/v1/explain", json=extra).status_code == 422
    assert strict.post("/v1/predict", json=record).status_code == 200


def test_text_training_takes_event_class(bundles, tmp_path: Path):
    """`--event-class` names a text model's event as a tabular model's: the other class's
    probability is written, the complement of the labels' own choice."""
    result = run("train", bundles["loans"], "--target", "default", "--event-class", "0",
                 "--max-epochs", "3", "--out", tmp_path / "named", "-q")
    assert result.exit_code == 0, result.output
    assert "probability of default = 0" in " ".join(run(
        "predict", tmp_path / "named", bundles["loans"], "--out",
        tmp_path / "again.csv").stdout.split())
    assert run("predict", tmp_path / "named", bundles["loans"], "--out",
               tmp_path / "named.csv").exit_code == 0
    assert run("predict", bundles["loans-model"], bundles["loans"], "--out",
               tmp_path / "labelled.csv").exit_code == 0
    named, labelled = _scored(tmp_path / "named.csv"), _scored(tmp_path / "labelled.csv")
    np.testing.assert_allclose(named["probability_0"], 1 - labelled["probability_1"],
                               atol=1e-6)


def test_text_evaluate_shows_the_gains_table_a_tabular_evaluation_shows(bundles, tmp_path):
    """A binary text model's evaluation carries the calibration curve and the gains table of
    `--bands` bands (riskiest first, every labelled row in one band), printed as for tabular
    models; --bands 0 leaves it out."""
    import json

    out = tmp_path / "m.json"
    result = run("evaluate", bundles["loans-model"], bundles["loans"], "--bands", "5",
                 "--out", out)
    assert result.exit_code == 0, result.output
    assert "gains table: 5 bands" in " ".join(result.stdout.split())
    metrics = json.loads(out.read_text())
    gains = metrics["gains_table"]
    assert len(gains) == 5 and sum(band["rows"] for band in gains) == metrics["rows"]
    assert metrics["calibration_curve"] and metrics["event_class"] == 1
    none = run("evaluate", bundles["loans-model"], bundles["loans"], "--bands", "0",
               "--out", tmp_path / "n.json")
    assert none.exit_code == 0 and "gains table" not in none.stdout
    assert "gains_table" not in json.loads((tmp_path / "n.json").read_text())
