"""`findeep recommend train|predict|benchmark` and `findeep serve`'s POST /v1/recommend."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cli_helpers import assert_one_line_error, run
from findeep.recommend import NextProductRecommender
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
    # the fit is diagnosable: the epoch kept is printed and each epoch's MAP@k is saved
    assert "best epoch" in result.stdout and "of 2 by validation MAP@k" in result.stdout
    fit = json.loads((tables / "nbo" / "bundle.json").read_text())["training"]["fit"]
    assert len(fit["history"]) == fit["epochs_run"] == 2
    return tables / "nbo"


def test_predict_writes_top_offers_per_customer(tables, bundle):
    """predict writes at most --top offers per customer, none for a product they hold."""
    out = tables / "offers.csv"
    result = run("recommend", "predict", bundle, tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--top", "7", "--out", out)
    assert result.exit_code == 0, result.output
    offers = pd.read_csv(out)
    assert offers.columns.tolist() == ["id", "rank", "product", "score"]  # --customer-id id
    assert offers.groupby("id").size().max() == 7
    assert set(offers["rank"]) == set(range(1, 8))
    customers = pd.read_parquet(tables / "customers.parquet")
    latest = customers[customers["month"] == customers["month"].max()]
    young = latest.loc[latest["age"] < 21, "id"].unique()
    assert len(young)
    assert not ((offers["product"] == "mortgage") & offers["id"].isin(young)).any()
    assert len(latest.merge(offers, on="id")) == len(offers)  # joins back on the table's id


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
    assert "network vs" not in result.stdout  # no network: no verdict about one


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
    assert body["unknown_products"] == 1 and body["unknown_product_counts"] == {"gold_bar": 1}
    assert body["id"] == 7 and "customer_id" not in body  # the name the records use
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
    """--k 0, --k -1, --lags -1, --test-months 0, a model named twice, --as-of notamonth and
    --reasons -1 each
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
    assert_one_line_error(run("recommend", "benchmark", *data, "--models",
                              "popularity,network,popularity"), "names popularity more than once")
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
    """train --model popularity prints its out-of-time table once, as the baseline, with
    its timings as benchmark shows them (thousands separators, one decimal)."""
    result = run("recommend", "train", tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--customer-id", "id", "--model", "popularity",
                 "--lags", "1", "--out", tables / "popular", "--quiet")
    assert result.exit_code == 0, result.output
    printed = _words(result.stdout)
    assert "popularity vs popularity" not in printed and "baseline itself" in printed
    rate = re.search(r"customers ranked/s +│ +([\d,.]+) │", result.stdout)
    seconds = re.search(r"fit seconds +│ +([\d,.]+) │", result.stdout)
    assert rate and re.fullmatch(r"\d{1,3}(,\d{3})*\.\d", rate[1]), result.stdout
    assert seconds and re.fullmatch(r"\d+\.\d", seconds[1]), result.stdout


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


def test_predict_keeps_zero_padded_ids_of_a_csv_customer_table(tables, bundle):
    """Customer "000100123" in a CSV comes out as "000100123" (as the file writes it), not 100123:
    the offers join back on the id a spreadsheet or core system holds."""
    customers = pd.read_parquet(tables / "customers.parquet")
    padded = customers.assign(id=customers["id"].map("{:09d}".format))
    padded.to_csv(tables / "padded.csv", index=False)
    out = tables / "padded_offers.csv"
    result = run("recommend", "predict", bundle, tables / "padded.csv", "--events",
                 tables / "holdings.parquet", "--top", "2", "--out", out)
    assert result.exit_code == 0, result.output
    offers = pd.read_csv(out, dtype={"id": str})
    assert offers["id"].str.len().eq(9).all() and offers["id"].str.startswith("000").all()
    assert set(offers["id"]) <= set(padded["id"])
    plain = tables / "plain_offers.csv"
    assert run("recommend", "predict", bundle, tables / "customers.parquet", "--events",
               tables / "holdings.parquet", "--top", "2", "--out", plain).exit_code == 0
    same = pd.read_csv(plain)  # the same offers, the ids only written as the file wrote them
    assert offers["id"].astype(int).tolist() == same["id"].tolist()
    assert offers["product"].tolist() == same["product"].tolist()


@pytest.fixture(scope="module")
def popularity_bundle(tables):
    result = run("recommend", "train", tables / "customers.parquet", "--events",
                 tables / "holdings.parquet", "--customer-id", "id", "--model", "popularity",
                 "--lags", "1", "--eligible", "mortgage: age >= 21", "--out",
                 tables / "popularity", "--quiet")
    assert result.exit_code == 0, result.output
    return tables / "popularity"


def test_serve_gives_a_popularity_bundle_the_offers_the_cli_gives(tables, popularity_bundle):
    """POST /v1/recommend on a popularity bundle (which reads no customer column) answers
    each customer with the offers 'recommend predict' writes for them, eligibility rules
    included; a record without the column a rule reads is one 422 naming it."""
    out = tables / "popularity_offers.csv"
    result = run("recommend", "predict", popularity_bundle, tables / "customers.parquet",
                 "--events", tables / "holdings.parquet", "--top", "3", "--out", out)
    assert result.exit_code == 0, result.output
    offers = pd.read_csv(out)
    customers = pd.read_parquet(tables / "customers.parquet")
    holdings = pd.read_parquet(tables / "holdings.parquet")
    month = customers["month"].max()
    latest = customers[customers["month"] == month].set_index("id")
    young = latest.index[latest["age"] < 21][:2].tolist()
    chosen = [*young, *latest.index[:4].tolist()]
    records = [{"id": int(c), "age": int(latest.loc[c, "age"]),
                "holdings": holdings.loc[(holdings["id"] == c) & (holdings["month"] == month),
                                         "product"].tolist()} for c in chosen]
    client = TestClient(create_app(popularity_bundle))
    response = client.post("/v1/recommend?top=3", json=records)
    assert response.status_code == 200, response.text
    assert "x-findeep-warning" not in response.headers
    for row in response.json()["results"]:
        expected = offers.loc[offers["id"] == row["id"], "product"].tolist()
        assert [o["product"] for o in row["recommendations"]] == expected
    lacking = client.post("/v1/recommend?top=2", json={"holdings": ["current_account"]})
    assert lacking.status_code == 422 and "'age'" in lacking.json()["detail"]


def test_serve_answers_holdings_alone_for_a_popularity_model():
    """A popularity model without eligibility rules answers a record of holdings alone with
    the most taken-up products the customer does not hold."""
    bank = make_bank_customers(300, 6, seed=1)
    model = NextProductRecommender(model="popularity").fit(bank.customers, bank.holdings)
    client = TestClient(create_app(model))
    response = client.post("/v1/recommend?top=2", json={"holdings": ["current_account"]})
    assert response.status_code == 200, response.text
    offered = [o["product"] for o in response.json()["recommendations"]]
    rates = dict(zip(model.products_, model.ranker_.rates_, strict=True))
    rates.pop("current_account")
    assert offered == sorted(rates, key=rates.get, reverse=True)[:2]


def _latest_records(tables, n: int) -> list[dict]:
    customers = pd.read_parquet(tables / "customers.parquet")
    latest = customers[customers["month"] == customers["month"].max()].head(n)
    return [{"id": int(r.id), "age": int(r.age), "income": float(r.income),
             "tenure_months": int(r.tenure_months), "children": int(r.children),
             "segment": str(r.segment), "region": str(r.region),
             "holdings": ["current_account"]} for r in latest.itertuples()]


def test_serve_and_predict_say_what_the_customer_columns_held(tables, bundle):
    """An unseen region, a segment sent empty in every record and incomes 1000x small come
    back from POST /v1/recommend as the fields /v1/predict returns (empty for clean
    records), and 'recommend predict' warns of the same on stderr."""
    client = TestClient(create_app(bundle))
    clean = _latest_records(tables, 30)
    body = client.post("/v1/recommend?top=2&reasons=0", json=clean).json()
    assert (body["unseen_categories"], body["missing_categories"], body["empty_columns"],
            body["off_scale"]) == ({}, {}, [], {})
    broken = [r | {"income": r["income"] / 1000, "segment": None} for r in clean]
    broken[0]["region"] = "region_99"
    response = client.post("/v1/recommend?top=2&reasons=0", json=broken)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unseen_categories"] == {"region": 1}
    assert body["missing_categories"] == {"segment": 30}
    assert body["empty_columns"] == ["segment"] and set(body["off_scale"]) == {"income"}
    customers = pd.read_parquet(tables / "customers.parquet")
    customers["region"] = customers["region"].astype(str).where(customers.index % 7 > 0,
                                                                "region_99")
    customers["income"] = customers["income"] / 1000
    customers.to_parquet(tables / "broken.parquet")
    result = run("recommend", "predict", bundle, tables / "broken.parquet", "--events",
                 tables / "holdings.parquet", "--top", "2", "--out", tables / "broken.csv")
    assert result.exit_code == 0, result.output
    said = _words(result.stderr)
    assert "far off the scale" in said and "'income'" in said
    assert "never seen in training: 'region'" in said


def test_serve_names_unknown_products_and_months_past_the_lags(tables, bundle):
    """POST /v1/recommend names each product the model never saw with its count (keeping
    the total in unknown_products), and previous_holdings longer than the model's lags is
    cut with an X-Findeep-Warning header, or refused in one sentence under strict."""
    record = _latest_records(tables, 1)[0] | {
        "holdings": ["current_account", "gold_bar", "crypto"],
        "previous_holdings": [["current_account", "gold_bar"], ["debit_card"], ["mortgage"]]}
    response = TestClient(create_app(bundle)).post("/v1/recommend?reasons=0", json=record)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unknown_product_counts"] == {"crypto": 1, "gold_bar": 2}
    assert body["unknown_products"] == 3
    warning = response.headers["x-findeep-warning"]
    assert "previous_holdings lists 3 month(s)" in warning and "last 1 month(s)" in warning
    within = TestClient(create_app(bundle)).post(
        "/v1/recommend?reasons=0", json=record | {"previous_holdings": [["debit_card"]]})
    assert "x-findeep-warning" not in within.headers
    strict = TestClient(create_app(bundle, strict=True)).post("/v1/recommend", json=record)
    assert strict.status_code == 422
    assert "previous_holdings" in strict.json()["detail"] and "at most 1" in strict.json()[
        "detail"]


def test_tabular_commands_refuse_a_recommend_bundle_naming_what_reads_it(tables, bundle):
    """predict and explain (even without --out) refuse a recommendation bundle for what it
    is, naming the commands that do read it, never one that reads no bundle."""
    for args in (["predict", bundle, tables / "customers.parquet", "--out", tables / "p.csv"],
                 ["explain", bundle, tables / "customers.parquet"]):
        result = run(*args)
        assert_one_line_error(result, "a recommend model is read by 'findeep recommend predict'")
        assert "benchmark" not in result.stderr and "--out" not in result.stderr


def test_benchmark_names_every_bad_option_in_one_line():
    """--k 0, --lags -1 and --test-months 0 are all named in the one error line, before the
    (here missing) files are read; so are train's --k 0 and --lags -1."""
    data = ["missing.csv", "--events", "missing.csv"]
    assert_one_line_error(run("recommend", "benchmark", *data, "--k", "0", "--lags", "-1",
                              "--test-months", "0"), "k must", "lags must", "--test-months")
    assert_one_line_error(run("recommend", "train", *data, "--k", "0", "--lags", "-1",
                              "--out", "unused"), "k must", "lags must")


def test_serving_a_ranking_refuses_a_threshold(bundle):
    """A next-best-offer ranking has no cut-off: --threshold is refused, as for a regression,
    instead of being ignored."""
    from findeep.errors import ConfigError

    with pytest.raises(ConfigError, match="next-best-offer ranking"):
        create_app(bundle, threshold=0.3)


def test_serve_applies_a_rule_on_a_column_the_network_does_not_read():
    """An eligibility rule may read a column the ranker leaves out (here constant in
    training): served records carrying it are held to the rule, as in batch, and a record
    without it is one 422 naming the column."""
    bank = make_bank_customers(400, 6, seed=1)
    customers = bank.customers.assign(branch="open")
    model = NextProductRecommender(model="network", lags=1, max_epochs=1,
                                   eligibility={"mortgage": "branch != 'closed'"}
                                   ).fit(customers, bank.holdings)
    assert "branch" not in model.ranker_.schema_.used_names
    client = TestClient(create_app(model))
    record = {"age": 30, "income": 5e4, "tenure_months": 10, "children": 0,
              "segment": "mass", "region": "north", "holdings": ["current_account"]}

    def offered(branch: str) -> list[str]:
        response = client.post("/v1/recommend?top=16", json=record | {"branch": branch})
        assert response.status_code == 200, response.text
        return [o["product"] for o in response.json()["recommendations"]]

    assert "mortgage" in offered("open") and "mortgage" not in offered("closed")
    lacking = client.post("/v1/recommend?top=2", json=record)
    assert lacking.status_code == 422 and "'branch'" in lacking.json()["detail"]


def test_serve_names_a_misspelt_optional_field_and_caps_top_at_the_catalogue(tables, bundle):
    """A record without the optional customer id but with a misspelt one keeps the field
    count, and is still told of the unknown field; both warnings share the header; a top
    above the catalogue gives every offer it may, as the command line does."""
    record = _latest_records(tables, 1)[0]
    record.pop("customer_id", None)
    sent = record | {"customer_no": 7, "previous_holdings": [["debit_card"], ["mortgage"]]}
    response = TestClient(create_app(bundle)).post("/v1/recommend?reasons=0&top=500",
                                                   json=sent)
    assert response.status_code == 200, response.text
    warning = response.headers["x-findeep-warning"]
    assert "customer_no" in warning and "previous_holdings lists 2 month(s)" in warning
    body = response.json()
    held = set(record.get("holdings", []))
    assert len(body["recommendations"]) > 0 and not held & {
        o["product"] for o in body["recommendations"]}
