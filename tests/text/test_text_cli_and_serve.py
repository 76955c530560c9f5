"""``findeep text`` commands and the text server: bad input gets one line, scores agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cli_helpers import assert_one_line_error, run
from findeep.testing import make_text_credit_frame
from findeep.text.serve import create_text_app


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("text")
    data = folder / "loans.csv"
    make_text_credit_frame(500, seed=0).to_csv(data, index=False)
    result = run("text", "train", data, "--target", "default", "--max-epochs", "4",
                 "--out", folder / "bundle", "-q")
    assert result.exit_code == 0, result.output
    return folder / "bundle", data


def test_train_prints_metrics_and_writes_a_bundle(trained):
    bundle, _ = trained
    assert (bundle / "model.safetensors").is_file() and (bundle / "metrics.json").is_file()


def test_explain_lists_words_per_row(trained):
    bundle, data = trained
    result = run("text", "explain", bundle, data, "--rows", "2", "--top", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("words:") == 2


def test_file_that_is_not_text_is_one_line(tmp_path: Path, trained):
    """Neither UTF-8 nor Windows-1252 (0x81 is no character in either): one line. (A
    Windows-1252 file is read, with a warning: tests/data/test_io.py.)"""
    bad = tmp_path / "binary.csv"
    bad.write_bytes(b"purpose_text,default\n" + b"\x81\x8d\xff loan,1\n" * 30)
    assert_one_line_error(run("text", "train", bad, "--target", "default",
                              "--out", tmp_path / "m"), "neither UTF-8 nor Windows-1252")


def test_unknown_model_and_bad_options_are_one_line(tmp_path: Path, trained):
    _, data = trained
    assert_one_line_error(run("text", "train", data, "--target", "default", "--model",
                              "text-cnnn", "--out", tmp_path / "m"), "text-cnn")
    assert_one_line_error(run("text", "train", data, "--target", "default",
                              "--model-options", "frozen", "--out", tmp_path / "m"), "JSON")
    unknown = run("train", data, "--target", "default", "--text-columns", "purpose_text",
                  "--model-options", '{"bogus": 1}', "--out", tmp_path / "m")
    assert_one_line_error(unknown, "text-cnn has no model option 'bogus'; its options are",
                          "length_cap", "n_filters")
    assert "unexpected keyword" not in unknown.stderr
    target = run("train", data, "--target", "default", "--text-columns", "default",
                 "--out", tmp_path / "m")
    assert_one_line_error(target, "'default' is the target (--target)",
                          "here --text-columns purpose_text")
    misspelt = run("train", data, "--target", "default", "--text-columns", "purpose_txt",
                   "--out", tmp_path / "m")
    assert_one_line_error(misspelt, "Did you mean 'purpose_text'")
    assert not (tmp_path / "m").exists()


def test_server_single_and_batch_scores_agree_and_explain_names_words(trained):
    bundle, _ = trained
    client = TestClient(create_text_app(bundle))
    records = make_text_credit_frame(20, seed=3).drop(columns="default").to_dict("records")
    batch = client.post("/v1/predict", json={"records": records})
    assert batch.status_code == 200, batch.text
    together = [p["probability"] for p in batch.json()["predictions"]]
    alone = [client.post("/v1/predict", json={"records": [r]}).json()["predictions"][0]
             ["probability"] for r in records]
    np.testing.assert_allclose(alone, together, atol=1e-6)
    explained = client.post("/v1/explain", json={"records": records[:1], "top": 3})
    assert explained.status_code == 200
    words = explained.json()["explanations"][0]["words"]
    assert len(words) == 3 and all(w["word"] in records[0]["purpose_text"] for w in words)


def test_server_refuses_a_non_string_text_in_one_sentence(trained):
    bundle, _ = trained
    client = TestClient(create_text_app(bundle))
    record = {"income": 1.0, "age": 30, "home": "rent", "purpose_text": 12}
    response = client.post("/v1/predict", json={"records": [record]})
    assert response.status_code == 422 and response.json()["detail"] == (
        "record 0: 'purpose_text' must be a string, however it is 12 (JSON number).")


def test_a_class_only_in_the_test_split_is_one_line_before_training(tmp_path: Path):
    """As for tables: a class too rare to stratify that falls into the test split is
    refused in one line, instead of training and then failing to evaluate."""
    from findeep.data.splits import split_random

    frame = make_text_credit_frame(60, seed=1)
    labels = frame["default"].astype(str).to_numpy()
    for row in range(len(frame)):  # the first row whose lone label the job's split tests on
        trial = labels.copy()
        trial[row] = "rare"
        if row in split_random(trial, test_fraction=0.2, seed=0, stratify=True)[1]:
            break
    frame["default"] = frame["default"].astype(str)
    frame.loc[row, "default"] = "rare"
    data = tmp_path / "rare.csv"
    frame.to_csv(data, index=False)
    assert_one_line_error(run("text", "train", data, "--target", "default",
                              "--out", tmp_path / "m"), "fell only into the test split")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("command", [("text", "train"), ("train",)])
def test_too_few_labelled_rows_are_one_line_on_both_routes(tmp_path: Path,
                                                           command: tuple[str, ...]):
    """A text table with one labelled row gets the tabular route's sentence on either
    command, not a scikit-learn split traceback."""
    frame = make_text_credit_frame(12, seed=2)
    frame["default"] = frame["default"].astype(object)
    frame.loc[1:, "default"] = None
    data = tmp_path / "few.csv"
    frame.to_csv(data, index=False)
    assert_one_line_error(run(*command, data, "--target", "default", "--model", "text-cnn",
                              "--out", tmp_path / "m"), "1 row(s)", "at least 10")


def test_explain_prints_a_row_without_text(tmp_path: Path, trained):
    """A blank text reads as NaN from CSV: the printed explanation says so (was a TypeError)."""
    import pandas as pd

    bundle, data = trained
    frame = pd.read_csv(data).head(3)
    frame.loc[1, "purpose_text"] = None
    blank = tmp_path / "blank.csv"
    frame.to_csv(blank, index=False)
    result = run("explain", bundle, blank, "--rows", "3")
    assert result.exit_code == 0, result.output
    assert "text: (no text)" in result.stdout


def test_text_benchmark_refuses_a_class_only_in_a_test_fold(tmp_path: Path):
    """One row of a class: some fold tests it untrained; its accuracy was scored against
    shifted class codes (0.005 for a fold really at 0.998). Refused as tables are."""
    frame = make_text_credit_frame(90, seed=2)
    frame["default"] = frame["default"].astype(str)
    frame.loc[0, "default"] = "rare"
    data = tmp_path / "one-rare.csv"
    frame.to_csv(data, index=False)
    assert_one_line_error(run("benchmark", data, "--target", "default", "--models", "tfidf-lr",
                              "--n-folds", "3"), "fell only into the test split")


def test_evaluate_says_when_the_rows_are_the_models_own_training_rows(trained, tmp_path):
    """As for a tabular model: the training file itself is flagged (its metrics are
    optimistic); rows the model never saw are not; --no-row-sketch keeps no hashes."""
    bundle, data = trained
    own = run("evaluate", bundle, data)
    assert own.exit_code == 0, own.output
    assert "match a training row" in own.stderr
    fresh = tmp_path / "fresh.csv"
    make_text_credit_frame(300, seed=7).to_csv(fresh, index=False)
    new = run("evaluate", bundle, fresh)
    assert new.exit_code == 0 and "match a training row" not in new.stderr
    result = run("train", data, "--target", "default", "--max-epochs", "1", "--no-row-sketch",
                 "--out", tmp_path / "private", "-q")
    assert result.exit_code == 0, result.output
    assert "training_rows" not in (tmp_path / "private" / "bundle.json").read_text()


def test_the_text_server_bounds_bodies_and_answers_explain_in_one_sentence(trained):
    """As the tabular server: a body over --max-bytes is 413 before it is parsed; a bad
    /v1/explain body is one sentence that does not echo the request; ?top= is honoured and
    checked; /v1/model states the limits that apply."""
    bundle, _ = trained
    client = TestClient(create_text_app(bundle, max_rows=10, max_bytes=5_000))
    record = make_text_credit_frame(1, seed=3).drop(columns="default").to_dict("records")[0]
    big = {"records": [{**record, "purpose_text": "word " * 2_000}]}
    for route in ("/v1/predict", "/v1/explain"):
        refused = client.post(route, json=big)
        assert refused.status_code == 413, refused.text
        assert "limit of 5,000 bytes" in refused.json()["detail"]
    # one record sent alone is read as one record (as the tabular server reads it): this one
    # lacks the model's other columns, said in one sentence without the text echoed back
    unwrapped = client.post("/v1/explain", json={"purpose_text": "word " * 900})
    assert unwrapped.status_code == 422
    detail = unwrapped.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("the data to score lacks 3 column(s)")
    assert "word word" not in unwrapped.text
    broken = client.post("/v1/explain", content=b'{"records": [{"purpose_text": "wo',
                         headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"].startswith(
        "the body must be a JSON object (one record), a JSON array of records, or")
    three = client.post("/v1/explain?top=3", json={"records": [record]})
    assert three.status_code == 200 and len(three.json()["explanations"][0]["words"]) == 3
    for bad in ("0", "-3", "x", "101"):
        wrong = client.post(f"/v1/explain?top={bad}", json={"records": [record]})
        assert wrong.status_code == 422 and isinstance(wrong.json()["detail"], str), bad
        assert wrong.json()["detail"].startswith("query.top:"), wrong.text
    limits = client.get("/v1/model").json()["limits"]
    assert limits == {"max_rows": 10, "max_explain_rows": 10, "max_bytes": 5_000,
                      "max_top": 100, "strict": False, "threshold": 0.5}
    too_many = client.post("/v1/explain", json={"records": [record] * 11})
    assert too_many.status_code == 413


def test_the_text_server_says_what_reading_the_other_columns_absorbed(trained):
    """Unseen and missing categories, an empty column and one far off its training scale
    are in the /v1/predict body, as the tabular server reports them (they were only in the
    server's log)."""
    bundle, _ = trained
    client = TestClient(create_text_app(bundle))
    records = make_text_credit_frame(30, seed=4).drop(columns="default").to_dict("records")
    for i, record in enumerate(records):
        record["income"] = None if i < 25 else record["income"]
    records[0]["home"] = "castle"
    body = client.post("/v1/predict", json={"records": records}).json()
    assert body["unseen_categories"] == {"home": 1}
    assert body["empty_columns"] == [] and set(body) >= {"missing_categories", "off_scale"}
    scaled = [{**r, "income": 1e-3 * float(r["income"] or 50_000)} for r in records]
    off = client.post("/v1/predict", json={"records": scaled}).json()
    assert list(off["off_scale"]) == ["income"]
    empty = client.post("/v1/predict", json={"records": [{**r, "income": None}
                                                          for r in records]}).json()
    assert empty["empty_columns"] == ["income"]


def test_a_text_header_differing_only_in_case_is_named_as_for_tabular_models(trained,
                                                                              tmp_path):
    bundle, data = trained
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(data).rename(columns={"purpose_text": "Purpose_Text"}).to_csv(renamed,
                                                                             index=False)
    result = run("predict", bundle, renamed, "--out", tmp_path / "scores.csv")
    assert_one_line_error(result, "'purpose_text' is there as 'Purpose_Text': rename it.")


def test_tabular_only_commands_and_options_on_a_text_bundle_name_themselves(trained,
                                                                            tmp_path):
    bundle, data = trained
    option = run("explain", bundle, data, "--class", "1")
    assert_one_line_error(option, "--class is not available for text models")
    drift = run("drift", bundle, data)  # a text model's drift: its score, lengths, columns
    assert drift.exit_code == 0, drift.output
    assert "model score" in drift.stdout and "text length (tokens)" in drift.stdout
