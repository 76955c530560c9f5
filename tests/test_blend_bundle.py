"""`default+catboost` as a model to deploy: the network and CatBoost fitted on the same rows,
saved in one bundle (CatBoost in its own file format, checksummed), scored, served and
explained as the benchmark's blend row averages them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import findeep
from findeep.bundle import CHECKSUMS_FILE, sha256_file
from findeep.data.schema import FindeepWarning
from findeep.errors import BundleError, ConfigError
from findeep.estimators import TabularClassifier
from findeep.evaluate.baselines import (
    make_baseline,
    prepare_baseline_inputs,
    with_special_values,
)
from findeep.evaluate.blends import blend_prediction
from findeep.evaluate.partner import BlendPartner
from findeep.explain.reasons import explain_frame
from findeep.serve.app import create_app
from tests.blend_tables import applications
from tests.cli_helpers import assert_one_line_error, run

pytest.importorskip("catboost")

FAST = {"max_epochs": 4, "bagging": 1}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return applications()


@pytest.fixture(scope="module")
def blend(table: pd.DataFrame) -> TabularClassifier:
    X, y = table.drop(columns=["default"]), table["default"]
    return TabularClassifier(model="default+catboost", verbose=0, special_values="late:98",
                             numeric_columns=["late"], **FAST).fit(X.iloc[:400], y.iloc[:400])


@pytest.fixture(scope="module")
def saved(blend: TabularClassifier, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return blend.save(tmp_path_factory.mktemp("blend") / "bundle")


def test_a_blend_scores_the_mean_logit_of_its_network_and_of_catboost_fitted_alone(
        blend, table) -> None:
    X, y = table.drop(columns=["default"]), table["default"]
    test = X.iloc[400:]
    pipeline = blend.pipeline_
    partner, pipeline.partner = pipeline.partner, None
    try:
        network_alone, _ = pipeline.predict_raw(test)
    finally:
        pipeline.partner = partner
    # CatBoost with its defaults and the same seed on the same rows and columns (the late
    # payments' code 98 as missing plus a 0/1 column, as the benchmark gives it)
    inputs = prepare_baseline_inputs(X.iloc[:400], pipeline.schema)
    assert partner.columns[:len(inputs.frame.columns)] == list(inputs.frame.columns)
    assert "late__special=98" in partner.columns
    catboost_alone = partner.raw_prediction(test, pipeline.schema)
    expected = blend_prediction("binary", [network_alone, catboost_alone])
    np.testing.assert_allclose(blend.predict_proba(test)[:, 1], expected, atol=1e-6)
    # the blend is neither part: both parts move it
    assert np.abs(expected - network_alone).max() > 1e-3
    assert np.abs(expected - catboost_alone).max() > 1e-3
    assert blend.pipeline_.training["blend"]["parts"] == ["default", "catboost"]
    assert blend.pipeline_.display_name == "default+catboost"
    assert set(np.unique(y)) == set(blend.classes_)


def test_the_partner_is_catboost_with_its_defaults_on_the_training_rows(blend, table) -> None:
    X, y = table.drop(columns=["default"]), table["default"]
    pipeline = blend.pipeline_
    inputs = prepare_baseline_inputs(X.iloc[:400], pipeline.schema)
    inputs.frame["late__special=98"] = (inputs.frame["late"] == 98).astype(float)
    inputs.frame["late"] = inputs.frame["late"].where(inputs.frame["late"] != 98)
    inputs.numeric.append("late__special=98")
    reference = make_baseline("catboost", "binary", inputs, seed=0)
    reference.fit(inputs.frame, pipeline.target.encode(y.iloc[:400]))
    test_inputs = prepare_baseline_inputs(X.iloc[400:], pipeline.schema).frame
    test_inputs["late__special=98"] = (test_inputs["late"] == 98).astype(float)
    test_inputs["late"] = test_inputs["late"].where(test_inputs["late"] != 98)
    np.testing.assert_allclose(pipeline.partner.raw_prediction(X.iloc[400:], pipeline.schema),
                               reference.predict_proba(test_inputs)[:, 1], atol=1e-9)


def test_catboost_scores_a_single_record_as_it_scores_it_in_a_batch(blend, table) -> None:
    # a request of a few rows goes to CatBoost as plain lists, a big one as a table: the
    # same rows must score the same, including a missing number, a missing or never-seen
    # category, the special code and a missing date
    X = table.drop(columns=["default"]).iloc[400:].copy()
    X.iloc[0, X.columns.get_loc("income")] = np.nan
    X.iloc[1, X.columns.get_loc("region")] = None
    X.iloc[2, X.columns.get_loc("region")] = "offshore"
    X.iloc[3, X.columns.get_loc("late")] = 98.0
    X.iloc[4, X.columns.get_loc("applied_on")] = None
    pipeline = blend.pipeline_
    partner = pipeline.partner
    batch = partner.raw_prediction(X, pipeline.schema)
    assert len(X) > 64  # the table path
    inputs = with_special_values(prepare_baseline_inputs(X, pipeline.schema),
                                 partner.special_values).frame[partner.columns]
    np.testing.assert_array_equal(batch, partner.adapter.predict_proba(inputs)[:, 1])
    one_by_one = [partner.raw_prediction(X.iloc[[i]], pipeline.schema)[0] for i in range(8)]
    np.testing.assert_array_equal(one_by_one, batch[:8])
    assert len(set(np.round(one_by_one, 6))) > 4  # the rows differ: nothing was constant


def test_a_saved_blend_loads_and_scores_as_it_was_trained(blend, saved, table) -> None:
    X = table.drop(columns=["default"]).iloc[400:]
    checksums = json.loads((saved / CHECKSUMS_FILE).read_text())
    assert "partner.cbm" in checksums  # verified on every load like the weights
    assert (saved / "partner.cbm").read_bytes()[:4] != b"\x80\x04\x95\x00"  # no pickle
    loaded = findeep.load(saved)
    np.testing.assert_array_equal(loaded.predict_proba(X), blend.predict_proba(X))
    document = json.loads((saved / "bundle.json").read_text())
    assert document["partner"]["name"] == "catboost"
    assert document["model"]["name"] == "default"


def test_the_same_data_and_seed_give_the_same_blend(blend, table) -> None:
    X, y = table.drop(columns=["default"]), table["default"]
    again = TabularClassifier(model="default+catboost", verbose=0, special_values="late:98",
                              numeric_columns=["late"], **FAST).fit(X.iloc[:400], y.iloc[:400])
    np.testing.assert_array_equal(again.predict_proba(X.iloc[400:]),
                                  blend.predict_proba(X.iloc[400:]))


def test_a_verbose_blend_fit_counts_catboost_s_trees_and_fits_the_same_model(
        blend, table, monkeypatch, capsys) -> None:
    import rich.console

    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)  # one line, readable
    X, y = table.drop(columns=["default"]), table["default"]
    shown = TabularClassifier(model="default+catboost", verbose=1, special_values="late:98",
                              numeric_columns=["late"], **FAST).fit(X.iloc[:400], y.iloc[:400])
    err = capsys.readouterr().err
    assert "training catboost (the blend's other half) on 400 rows: 1,000/1,000 trees" in err
    np.testing.assert_array_equal(shown.predict_proba(X.iloc[400:]),
                                  blend.predict_proba(X.iloc[400:]))


def test_a_changed_or_missing_catboost_file_is_refused(saved, tmp_path) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(saved, changed)
    with (changed / "partner.cbm").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(BundleError, match="checksum mismatch"):
        findeep.load(changed)
    missing = tmp_path / "missing"
    shutil.copytree(saved, missing)
    (missing / "partner.cbm").unlink()
    checksums = json.loads((missing / CHECKSUMS_FILE).read_text())
    del checksums["partner.cbm"]
    (missing / CHECKSUMS_FILE).write_text(json.dumps(checksums))
    with pytest.raises(BundleError, match="lacks its catboost part"):
        findeep.load(missing)


def test_a_bundle_naming_an_unknown_partner_is_refused(saved, tmp_path) -> None:
    edited = tmp_path / "edited"
    shutil.copytree(saved, edited)
    document = json.loads((edited / "bundle.json").read_text())
    document["partner"]["name"] = "lightgbm"
    (edited / "bundle.json").write_text(json.dumps(document))
    checksums = json.loads((edited / CHECKSUMS_FILE).read_text())
    checksums["bundle.json"] = sha256_file(edited / "bundle.json")
    (edited / CHECKSUMS_FILE).write_text(json.dumps(checksums))
    with pytest.raises(BundleError, match="blend partner findeep does not know"):
        findeep.load(edited)


def test_explanations_of_a_blend_add_up_to_its_log_odds(blend, table) -> None:
    X = table.drop(columns=["default"]).iloc[400:430]
    explained = explain_frame(blend.pipeline_, X)
    event = blend.pipeline_.target.event_index
    np.testing.assert_allclose(explained["probability"], blend.predict_proba(X)[:, event],
                               atol=1e-6)
    attributions = explained.filter(like="attribution__")
    assert list(attributions.columns) == [f"attribution__{c}" for c in
                                          ("income", "region", "late", "applied_on")]
    log_odds = np.log(explained["probability"] / (1 - explained["probability"]))
    baseline = log_odds - attributions.sum(axis=1)
    assert baseline.std() < 0.02  # one reference for every row, up to the integration error
    # CatBoost's half reaches the columns it read through its own inputs: the date's parts
    # and the special code's 0/1 column count for their columns
    assert (attributions["attribution__applied_on"].abs() > 0).any()


def test_a_reference_population_moves_only_the_network_s_half_of_a_blend(blend,
                                                                          table) -> None:
    # CatBoost's SHAP values are measured from its training average, whatever the
    # reference; the blend's baseline moves by half the network's own baseline move
    from findeep.explain.attributions import column_attributions

    pipeline = blend.pipeline_
    X = table.drop(columns=["default"])
    rows, low, high = X.iloc[400:420], X.iloc[:200], X.iloc[200:400].assign(late=3.0)
    blended = [column_attributions(pipeline, rows, reference=r) for r in (low, high)]
    partner, pipeline.partner = pipeline.partner, None
    try:
        network = [column_attributions(pipeline, rows, reference=r) for r in (low, high)]
    finally:
        pipeline.partner = partner
    np.testing.assert_allclose(blended[0].output, blended[1].output, atol=1e-6)
    network_move = network[1].baseline_output - network[0].baseline_output
    assert abs(network_move) > 0.05  # the two references differ for the network
    assert blended[1].baseline_output - blended[0].baseline_output == pytest.approx(
        0.5 * network_move, abs=1e-6)
    np.testing.assert_allclose(blended[1].values - blended[0].values,
                               0.5 * (network[1].values - network[0].values), atol=1e-6)


def test_a_served_blend_scores_and_explains_as_the_library(saved, blend, table) -> None:
    client = TestClient(create_app(saved))
    X = table.drop(columns=["default"]).iloc[400:410]
    records = json.loads(X.to_json(orient="records"))
    response = client.post("/v1/predict", json=records)
    assert response.status_code == 200
    event = blend.pipeline_.target.event_index
    np.testing.assert_allclose(response.json()["probability"],
                               blend.predict_proba(X)[:, event], atol=1e-6)
    one = client.post("/v1/predict", json=records[0])
    np.testing.assert_allclose(one.json()["probability"],
                               blend.predict_proba(X.iloc[:1])[0, event], atol=1e-6)
    assert client.get("/v1/model").json()["model"] == "default+catboost"
    assert client.post("/v1/explain", json=records[:2]).status_code == 200


def test_a_served_blend_reads_odd_records_as_the_library_reads_them(saved, blend, table,
                                                                    monkeypatch) -> None:
    # the server hands CatBoost the numbers and dates its encoder read for the network:
    # missing and never-seen values, the special code and a missing date must still score
    # as findeep.load scores the same rows as a table
    client = TestClient(create_app(saved))
    X = table.drop(columns=["default"]).iloc[400:406].copy()
    X["income"] = X["income"].astype(object)
    X.iloc[0, X.columns.get_loc("income")] = None
    X.iloc[1, X.columns.get_loc("region")] = None
    X.iloc[2, X.columns.get_loc("region")] = "offshore"
    X.iloc[3, X.columns.get_loc("late")] = 98.0
    X.iloc[4, X.columns.get_loc("applied_on")] = None
    records = json.loads(X.to_json(orient="records"))
    event = blend.pipeline_.target.event_index
    with pytest.warns(FindeepWarning, match="never seen in training: 'region' 1"):
        expected = findeep.load(saved).predict_proba(X)[:, event]
    tables: list[int] = []  # requests CatBoost read as a table (the slow way)
    table_way = BlendPartner.raw_prediction
    monkeypatch.setattr(BlendPartner, "raw_prediction",
                        lambda self, frame, schema: tables.append(len(frame))
                        or table_way(self, frame, schema))
    for i, record in enumerate(records):
        one = client.post("/v1/predict", json=record)
        assert one.status_code == 200, one.text
        np.testing.assert_allclose(one.json()["probability"], expected[i], atol=1e-6)
    many = client.post("/v1/predict", json=records).json()["probability"]
    np.testing.assert_allclose(many, expected, atol=1e-6)
    assert tables == []  # every record read the fast way
    # numbers in the categorical field (integer codes, as a JSON client sends them): each its
    # text, the fast way, when the table of the records would keep their type ...
    def library(rows: list[dict]) -> np.ndarray:
        with pytest.warns(FindeepWarning, match="never seen in training"):
            return findeep.load(saved).predict_proba(pd.DataFrame.from_records(
                rows).astype({"applied_on": "datetime64[ns]"}))[:, event]

    numbered = [{**records[5], "region": 7}, {**records[4], "region": 3}]
    response = client.post("/v1/predict", json=numbered)
    assert response.status_code == 200, response.text
    assert tables == []
    np.testing.assert_allclose(response.json()["probability"], library(numbered), atol=1e-6)
    # ... and as a table where the table would read them otherwise (7 beside 2.5: "7.0")
    mixed = [{**records[5], "region": 7}, {**records[4], "region": 2.5}]
    tables.clear()  # the library's own reading above counted too
    response = client.post("/v1/predict", json=mixed)
    assert response.status_code == 200, response.text
    assert tables == [2]
    np.testing.assert_allclose(response.json()["probability"], library(mixed), atol=1e-6)


def test_a_multiclass_blend_averages_probabilities_and_explains_itself_exactly() -> None:
    """Its probabilities are the mean of its parts'; its explanations are Shapley values of
    the blend itself (sampled over column orders, seeded): they add up to the explained class's
    log-odds less the baseline row's to rounding, explain each row's predicted class unless
    told another, give nothing to a column whose value is the baseline's, repeat exactly, and
    turn into reason codes."""
    from findeep.data.profile import reference_frame
    from findeep.explain.attributions import column_attributions
    from findeep.explain.blend_shapley import baseline_row

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                      "c": rng.choice(list("xyz"), 300)})
    y = pd.Series(np.select([X.a > 0.5, X.b > 0], ["high", "mid"], "low"))
    model = TabularClassifier(model="default+catboost", verbose=0, **FAST).fit(X, y)
    pipeline = model.pipeline_
    probabilities = model.predict_proba(X)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    rows = X.head(12)
    explained = column_attributions(pipeline, rows)
    np.testing.assert_allclose(explained.values.sum(axis=1),
                               explained.output - explained.baseline_output, atol=1e-9)
    p = np.clip(model.predict_proba(rows), 1e-12, 1 - 1e-12)
    predicted = p.argmax(axis=1)
    assert list(explained.explained_class) == list(model.classes_[predicted])
    np.testing.assert_allclose(explained.output, np.log(p / (1 - p))[np.arange(12), predicted],
                               atol=1e-9)
    typical = baseline_row(pipeline, reference_frame(pipeline.profile))  # the default one
    same_c = (rows["c"] == typical["c"].iloc[0]).to_numpy()
    assert same_c.any() and np.all(explained.values[same_c, 2] == 0.0)
    again = column_attributions(pipeline, rows)
    np.testing.assert_array_equal(again.values, explained.values)
    high = column_attributions(pipeline, rows, target_class="high")
    assert set(high.explained_class) == {"high"}
    np.testing.assert_allclose(high.values.sum(axis=1), high.output - high.baseline_output,
                               atol=1e-9)
    reasons = explain_frame(pipeline, rows.head(3))
    assert len(reasons) == 3 and "explained_class" in reasons.columns


@pytest.mark.parametrize(("model", "options", "message"), [
    ("default+lightgbm", {}, "cannot be trained as one model"),
    ("default+catboost+seed-mlp", {}, "cannot be trained as one model"),
    ("default+catboost", {"class_weight": {"bad": 2.0, "good": 1.0}}, "class_weight"),
])
def test_what_a_blend_cannot_honour_is_refused_before_any_fit(table, model, options,
                                                               message) -> None:
    X, y = table.drop(columns=["default"]), table["default"]
    with pytest.raises(ConfigError, match=message):
        TabularClassifier(model=model, verbose=0, **options).fit(X, y)


def test_the_command_line_trains_a_blend_and_refuses_what_it_cannot_do(table, tmp_path) -> None:
    data = tmp_path / "applications.csv"
    table.to_csv(data, index=False)
    result = run("train", data, "--target", "default", "--model", "default+catboost",
                 "--max-epochs", "3", "--out", tmp_path / "blend")
    assert result.exit_code == 0, result.output
    assert "blended half each with catboost fitted on the same" in result.stdout
    table.to_parquet(tmp_path / "applications.parquet")
    for extra in ([], ["--stream"]):  # in memory, and a row group at a time
        scored = run("predict", tmp_path / "blend", tmp_path / "applications.parquet",
                     *extra, "--out", tmp_path / f"scores{len(extra)}.csv")
        assert scored.exit_code == 0, scored.output
    loaded = findeep.load(tmp_path / "blend")
    expected = loaded.predict_proba(table.drop(columns=["default"]))[:, 0]
    for name in ("scores0.csv", "scores1.csv"):
        np.testing.assert_allclose(pd.read_csv(tmp_path / name)["probability_bad"], expected,
                                   atol=1e-6)
    exported = run("export", tmp_path / "blend", "--out", tmp_path / "m.onnx")  # the whole blend
    assert exported.exit_code == 0, exported.output
    regression = table.assign(default=np.arange(len(table), dtype=float))
    regression.to_csv(tmp_path / "amounts.csv", index=False)
    assert_one_line_error(run("train", tmp_path / "amounts.csv", "--target", "default",
                              "--model", "default+catboost", "--interval-method", "cqr",
                              "--out", tmp_path / "r"), "no CatBoost half")
    assert_one_line_error(run("train", data, "--target", "default", "--model",
                              "text-cnn+catboost", "--out", tmp_path / "t"),
                          "text models are not blended")
    assert_one_line_error(run("train", tmp_path / "applications.parquet", "--target", "default",
                              "--model", "default+catboost", "--stream", "--interval-method",
                              "cqr", "--task", "regression", "--out", tmp_path / "s"),
                          "no CatBoost half")
    assert not any((tmp_path / name).exists() for name in ("r", "t", "s"))


def test_without_catboost_a_blend_names_the_extra(monkeypatch, table) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "catboost" else real(name, *a))
    X, y = table.drop(columns=["default"]), table["default"]
    with pytest.raises(ConfigError, match=r"findeep\[baselines\]"):
        TabularClassifier(model="default+catboost", verbose=0).fit(X, y)


def test_a_monotone_benchmark_says_how_its_catboost_keeps_the_constraints(table) -> None:
    """Beside categorical columns CatBoost's constraints hold only with its category
    statistics one column at a time; the benchmark's monotone CatBoost uses them, says so in
    a note, and the monotone blend bundle's CatBoost half is that same model."""
    from findeep.benchmark import run_benchmark

    X = table.drop(columns=["applied_on"])
    result = run_benchmark(X, "default", models=["catboost"], n_folds=2, verbose=0,
                           monotone={"income": -1})
    assert any("one column at a time" in note for note in result.all_notes())
    partner = TabularClassifier(model="default+catboost", verbose=0, **FAST,
                                model_options={"monotone": {"income": "-"}}).fit(
        X.drop(columns=["default"]), X["default"]).pipeline_.partner
    params = partner.adapter.model.get_params()
    assert params["max_ctr_complexity"] == 1
    assert params["monotone_constraints"] == [1 if c == "income" else 0
                                              for c in partner.columns]  # P('good') rises


@pytest.mark.parametrize(("values", "fast"), [
    (["a", None, "b"], True), ([7, 3], True), ([7], True), ([2.5, 1.0], True),
    ([True, False], True), ([10**20], True), ([7, None], False), ([7, 2.5], False),
    ([float("nan")], False), ([True, 1], False), (["a", 7], False)])
def test_served_category_texts_are_the_tables_or_left_to_the_table(values, fast) -> None:
    """Whenever a served record's categorical field is read the fast way, its texts are the
    ones the table of the same records gives CatBoost; otherwise the table is built."""
    from findeep.evaluate.partner import _category_text, _record_texts

    texts = _record_texts(values)
    assert (texts is not None) == fast
    if texts is not None:
        table = _category_text(pd.DataFrame.from_records([{"c": v} for v in values])["c"])
        assert list(texts) == list(table)
