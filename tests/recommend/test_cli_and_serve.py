"""`findeep recommend train|predict|benchmark` and `findeep serve`'s POST /v1/recommend."""

from __future__ import annotations

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
