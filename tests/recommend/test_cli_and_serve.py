"""`findeep recommend train|predict|benchmark` and `findeep serve`'s POST /v1/recommend."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cli_helpers import assert_one_line_error, run
from findeep.serve.app import create_app
from findeep.testing import make_bank_customers


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbo")
    bank = make_bank_customers(500, 7, seed=5)
    bank.customers.rename(columns={"customer_id": "id"}).to_parquet(folder / "customers.parquet")
    bank.holdings.rename(columns={"customer_id": "id"}).to_parquet(folder / "holdings.parquet")
    return folder


@pytest.fixture(scope="module")
def bundle(tables):
    result = run("recommend", "train", tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--customer-id", "id", "--product", "product",
                 "--date-column", "month", "--lags", "1", "--max-epochs", "2",
                 "--eligible", "mortgage: age >= 21", "--out", tables / "nbo", "--quiet")
    assert result.exit_code == 0, result.output
    assert "MAP@k, all customers" in result.stdout and "popularity" in result.stdout
    return tables / "nbo"


def test_predict_writes_top_offers_per_customer(tables, bundle):
    """predict writes at most --top offers per customer, none for a product they hold."""
    out = tables / "offers.csv"
    result = run("recommend", "predict", bundle, tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--top", "7", "--out", out)
    assert result.exit_code == 0, result.output
    offers = pd.read_csv(out)
    assert offers.groupby("customer_id").size().max() == 7
    assert set(offers["rank"]) == set(range(1, 8))
    customers = pd.read_parquet(tables / "customers.parquet")
    latest = customers[customers["month"] == customers["month"].max()]
    young = latest.loc[latest["age"] < 21, "id"].unique()
    assert len(young)
    assert not ((offers["product"] == "mortgage") & offers["customer_id"].isin(young)).any()


def test_bad_input_is_one_line(tables, bundle):
    """A missing column, an empty events table, an existing --out, --top 0 and the tabular
    predict command on a recommendation bundle are each one stderr line."""
    assert_one_line_error(run("recommend", "train", tables / "customers.parquet", "--events",
                              tables / "holdings.parquet", "--customer-id", "client",
                              "--out", tables / "x"), "client")
    pd.DataFrame({"id": [], "product": [], "month": []}).to_csv(tables / "empty.csv")
    assert_one_line_error(run("recommend", "train", tables / "customers.parquet", "--events",
                              tables / "empty.csv", "--customer-id", "id",
                              "--out", tables / "y"), "empty")
    assert_one_line_error(run("recommend", "predict", bundle, tables / "customers.parquet",
                              "--out", tables / "customers.parquet"), "exists")
    assert_one_line_error(run("recommend", "predict", bundle, tables / "customers.parquet",
                              "--top", "0", "--out", tables / "z.csv"), "top")
    assert_one_line_error(run("predict", bundle, tables / "customers.parquet",
                              "--out", tables / "w.csv"), "recommend predict")


def test_benchmark_compares_models_on_the_same_months(tables):
    """benchmark prints both MAP conventions for every model over walk-forward months."""
    result = run("recommend", "benchmark", tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--customer-id", "id", "--models",
                 "popularity,als", "--test-months", "2", "--lags", "1")
    assert result.exit_code == 0, result.output
    assert "adders only" in result.stdout and "als" in result.stdout


def test_serve_recommends_with_the_scoring_api_rules(bundle):
    """POST /v1/recommend: top-k unheld products with reasons; key, validation and row limits
    as on /v1/predict; unknown products are counted."""
    client = TestClient(create_app(bundle, api_key="secret", max_rows=2))
    key = {"X-API-Key": "secret"}
    record = {"id": 7, "age": 35, "income": 40000, "tenure_months": 20, "children": 0,
              "segment": "individual", "region": "region_1",
              "holdings": ["current_account", "debit_card", "gold_bar"]}
    response = client.post("/v1/recommend?top=3&reasons=2", json=record, headers=key)
    assert response.status_code == 200, response.text
    body = response.json()
    offered = [o["product"] for o in body["recommendations"]]
    assert len(offered) == 3 and not {"current_account", "debit_card"} & set(offered)
    assert body["unknown_products"] == 1 and body["customer_id"] == 7
    assert all(r["contribution"] > 0 for o in body["recommendations"] for r in o["reasons"])
    assert client.post("/v1/recommend", json=record).status_code == 401
    missing = client.post("/v1/recommend", json={"age": 30}, headers=key)
    assert missing.status_code == 422 and "income" in missing.json()["detail"]
    assert client.post("/v1/recommend", json=[record] * 3, headers=key).status_code == 413
    assert client.get("/v1/model", headers=key).json()["kind"] == "recommend"


def _words(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return " ".join(text.split())


def test_bad_options_are_one_line_before_any_file_is_read(tmp_path):
    """--k 0, --k -1, --lags -1, --test-months 0, --as-of notamonth and --reasons -1 each
    give one line naming the option, before the (here missing) files are read."""
    data = ["missing.csv", "--events", "missing.csv", "--customer-id", "id"]
    assert_one_line_error(run("recommend", "train", *data, "--k", "0", "--out",
                              tmp_path / "m"), "k must be a positive integer")
    assert_one_line_error(run("recommend", "train", *data, "--lags", "-1", "--out",
                              tmp_path / "m"), "lags must be an integer >= 0")
    assert_one_line_error(run("recommend", "benchmark", *data, "--k", "-1"),
                          "k must be a positive integer")
    assert_one_line_error(run("recommend", "benchmark", *data, "--test-months", "0"),
                          "--test-months")
    predict = ["recommend", "predict", tmp_path / "no-bundle", "missing.csv", "--out",
               tmp_path / "o.csv"]
    assert_one_line_error(run(*predict, "--as-of", "notamonth"), "as_of", "notamonth")
    assert_one_line_error(run(*predict, "--reasons", "-1"), "reasons must be an integer >= 0")


def test_benchmark_writes_every_fold_as_json_and_the_summary_as_a_table(tables):
    """--out results.json keeps every fold as strict JSON (undefined values as null), an
    existing file is kept without --force, and --out results.csv keeps one row per model."""
    args = ["recommend", "benchmark", tables / "customers.parquet", "--events",
            tables / "holdings.parquet", "--customer-id", "id", "--models", "popularity",
            "--test-months", "2", "--lags", "1", "--quiet"]
    result = run(*args, "--out", tables / "results.json")
    assert result.exit_code == 0, result.output

    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    document = json.loads((tables / "results.json").read_text(), parse_constant=refuse)
    assert len(document["folds"]) == 2 and "popularity" in document["summary"]
    assert_one_line_error(run(*args, "--out", tables / "results.json"), "exists", "--force")
    assert run(*args, "--out", tables / "results.json", "--force").exit_code == 0
    assert run(*args, "--out", tables / "results.csv").exit_code == 0
    assert pd.read_csv(tables / "results.csv")["model"].tolist() == ["popularity"]
    assert_one_line_error(run(*args, "--out", tables / "results.xlsx"), ".json")


def test_benchmark_says_als_has_no_calibration(tables):
    """ALS scores are not probabilities: its ECE reads n/a, with the reason, never nan."""
    result = run("recommend", "benchmark", tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--customer-id", "id", "--models", "als",
                 "--test-months", "1", "--lags", "1", "--quiet")
    assert result.exit_code == 0, result.output
    assert "nan" not in result.stdout and "n/a" in result.stdout
    assert "not probabilities" in _words(result.stdout)


def test_popularity_train_is_shown_as_the_baseline_itself(tables):
    """train --model popularity prints its out-of-time table once, as the baseline."""
    result = run("recommend", "train", tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--customer-id", "id", "--model", "popularity",
                 "--lags", "1", "--out", tables / "popular", "--quiet")
    assert result.exit_code == 0, result.output
    printed = _words(result.stdout)
    assert "popularity vs popularity" not in printed and "baseline itself" in printed


def test_predict_without_events_says_what_the_offers_rest_on(tables, bundle):
    """Without --events on an undated customer table, predict says the offers are undated
    and that every customer was scored as holding nothing, not 'as of' today's month."""
    customers = pd.read_parquet(tables / "customers.parquet")
    latest = customers[customers["month"] == customers["month"].max()].drop(columns="month")
    latest.to_csv(tables / "static.csv", index=False)
    result = run("recommend", "predict", bundle, tables / "static.csv", "--out",
                 tables / "static_offers.csv")
    assert result.exit_code == 0, result.output
    printed = _words(result.stdout)
    assert str(np.datetime64("today", "M")) not in printed
    assert "undated" in printed and "holding nothing" in printed
