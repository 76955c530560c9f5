"""ONNX export of a ``default+catboost`` blend: one graph scores as the bundle does,
category columns included (CatBoost's own ONNX export refuses them)."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime
import pandas as pd
import pytest
from tests.blend_tables import applications
from tests.cli_helpers import run

import findeep
from findeep.data.schema import FindeepWarning
from findeep.errors import BundleError, ConfigError
from findeep.export import blend_onnx
from findeep.export.catboost_graph import (
    ML_DOMAIN,
    ML_OPSET,
    CatBoostGraphBuilder,
    catboost_part,
)
from findeep.export.onnx import export_onnx, onnx_inputs
from findeep.testing import make_credit_frame

catboost = pytest.importorskip("catboost")

FAST = {"max_epochs": 3, "bagging": 1, "verbose": 0}


def scored_by_onnx(path, pipeline, frame: pd.DataFrame) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (output,) = session.run(None, onnx_inputs(pipeline, frame))
    return output


def awkward_rows(frame: pd.DataFrame, category: str, number: str) -> pd.DataFrame:
    """Rows to score with a category never seen, a missing category and missing numbers."""
    rows = frame.copy()
    rows.loc[rows.index[:5], category] = "a value training never saw"
    rows.loc[rows.index[5:10], category] = None
    rows.loc[rows.index[10:15], number] = np.nan
    return rows


@pytest.fixture(scope="module")
def binary_blend() -> tuple[findeep.TabularClassifier, pd.DataFrame]:
    table = applications(650)
    X, y = table.drop(columns=["default"]), table["default"]
    model = findeep.TabularClassifier(model="default+catboost", special_values="late:98",
                                      numeric_columns=["late"], **FAST)
    return model.fit(X.iloc[:450], y.iloc[:450]), X.iloc[450:]


def test_a_blend_exports_whole_and_scores_as_the_bundle(binary_blend, tmp_path) -> None:
    """Event class first, a special code, a text date, and rows with a category never seen,
    a missing category and missing numbers: onnxruntime gives the bundle's probabilities."""
    model, rows = binary_blend
    assert model.pipeline_.target.event_index == 0
    summary = export_onnx(model.pipeline_, tmp_path / "blend.onnx")
    assert summary["inputs"] == ["x_num", "x_cat", "partner_numbers", "partner_texts"]
    assert summary["max_abs_diff"] <= 1e-5
    rows = awkward_rows(rows, "region", "income")
    with pytest.warns(FindeepWarning):
        expected = model.event_probability(rows)
    np.testing.assert_allclose(scored_by_onnx(tmp_path / "blend.onnx", model.pipeline_, rows),
                               expected, atol=1e-5, rtol=0)
    # the network alone would score otherwise: the graph holds CatBoost's half
    network_alone = model.pipeline_.partner
    try:
        model.pipeline_.partner = None
        with pytest.warns(FindeepWarning):
            assert np.abs(model.event_probability(rows) - expected).max() > 1e-3
    finally:
        model.pipeline_.partner = network_alone


def test_the_file_names_catboosts_inputs_for_a_client(binary_blend, tmp_path) -> None:
    model, rows = binary_blend
    export_onnx(model.pipeline_, tmp_path / "blend.onnx")
    metadata = {p.key: p.value for p in onnx.load(str(tmp_path / "blend.onnx")).metadata_props}
    partner = json.loads(metadata["findeep.partner"])
    assert partner["partner_texts"] == ["region"]
    assert {"income", "late", "applied_on__year", "late__special=98"} <= set(
        partner["partner_numbers"])
    assert partner["missing_text"] == "<missing>" and partner["special_values"] == {
        "late": [98.0]}
    assert partner["levels"] == {"region": ["east", "north", "south", "west"]}
    assert "catboost's trees" in metadata["findeep.inside_graph"]
    assert "partner_texts" in metadata["findeep.outside_graph"]
    numbers, texts = onnx_inputs(model.pipeline_, rows.head(3))["partner_numbers"], \
        onnx_inputs(model.pipeline_, rows.head(3))["partner_texts"]
    assert numbers.dtype == np.float32 and numbers.shape == (3, len(partner["partner_numbers"]))
    assert list(texts[:, 0]) == list(rows["region"].head(3))


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_multiclass_and_regression_blends_export_with_parity(task, tmp_path) -> None:
    frame = make_credit_frame(650, seed=3)
    default = frame.pop("default")
    if task == "multiclass":
        y = pd.Series(np.where(frame["utilization"] > 0.6, "high",
                               np.where(default == 1, "late", "fine")))
        model = findeep.TabularClassifier(model="default+catboost", **FAST)
    else:
        y = frame.pop("income").fillna(30_000) * (1 + default)
        model = findeep.TabularRegressor(model="default+catboost", max_epochs=3, verbose=0)
    model.fit(frame.iloc[:450], y.iloc[:450])
    summary = export_onnx(model.pipeline_, tmp_path / "blend.onnx")
    assert summary["max_abs_diff"] <= summary["tolerance"]
    rows = awkward_rows(frame.iloc[450:], "purpose", "debt_to_income")
    with pytest.warns(FindeepWarning):
        expected = model.predict_proba(rows) if task == "multiclass" else model.predict(rows)
    scored = scored_by_onnx(tmp_path / "blend.onnx", model.pipeline_, rows)
    assert scored.shape == expected.shape
    np.testing.assert_allclose(scored, expected, rtol=0, atol=summary["tolerance"])


def test_a_blend_without_its_category_texts_is_refused_and_nothing_written(binary_blend,
                                                                           tmp_path) -> None:
    """Bundles trained before the partner kept its texts cannot be exported exactly."""
    model, _ = binary_blend
    levels = model.pipeline_.partner.levels
    try:
        model.pipeline_.partner.levels = None
        with pytest.raises(ConfigError, match="train it again"):
            export_onnx(model.pipeline_, tmp_path / "old.onnx")
    finally:
        model.pipeline_.partner.levels = levels
    assert not (tmp_path / "old.onnx").exists()


def test_a_graph_that_scores_otherwise_is_refused(binary_blend, tmp_path, monkeypatch) -> None:
    """The parity check compares with CatBoost's own prediction, not with the graph."""
    model, _ = binary_blend
    real = blend_onnx.expected_blend
    monkeypatch.setattr(blend_onnx, "expected_blend",
                        lambda *a, **k: np.clip(real(*a, **k) + 1e-3, 0, 1))
    with pytest.raises(BundleError, match="disagrees"):
        export_onnx(model.pipeline_, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_the_command_line_exports_a_blend(binary_blend, tmp_path) -> None:
    model, rows = binary_blend
    bundle = model.save(tmp_path / "blend")
    result = run("export", bundle, "--out", tmp_path / "m.onnx")
    assert result.exit_code == 0, result.output
    assert "partner_numbers, partner_texts -> probability" in result.stdout
    loaded = findeep.load(bundle)  # the texts travel in the bundle
    np.testing.assert_allclose(scored_by_onnx(tmp_path / "m.onnx", loaded.pipeline_, rows),
                               model.event_probability(rows), atol=1e-5, rtol=0)


@pytest.mark.parametrize("nan_mode", ["Min", "Max"])
def test_catboosts_graph_matches_catboost_on_combinations_one_hots_and_unseen_texts(
        nan_mode) -> None:
    """The trees and category statistics, category combinations (with numeric splits in
    them) and one-hot columns included, equal CatBoost's raw output to the float32 the tree
    operator gives (~1e-7 of its size)."""
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame({
        "x": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "y": rng.normal(size=n),
        "a": rng.choice(list("abcdefgh"), n),
        "b": rng.choice(["u", "v", "w", "Zürich 東京", ""], n),
        "yes_no": rng.choice(["yes", "no"], n),
        "code": rng.choice([f"L{i}" for i in range(40)], n)})
    logit = (np.nan_to_num(frame["x"]) + frame["a"].isin(list("abc"))
             + 2 * (frame["b"] == "u") * (frame["a"] == "d") - (frame["yes_no"] == "yes")
             + 0.5 * (frame["code"].str.len() - 2) * (frame["y"] > 0))
    target = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    texts = ["a", "b", "yes_no", "code"]
    model = catboost.CatBoostClassifier(iterations=400, random_seed=0, verbose=False,
                                        thread_count=1, nan_mode=nan_mode)
    model.fit(frame, target, cat_features=texts)
    part = catboost_part(model, columns=list(frame.columns), categorical=texts,
                         levels={c: sorted(frame[c].unique()) for c in texts},
                         numbers="numbers", texts="texts")
    graph = onnx.helper.make_graph(
        part.nodes, "catboost",
        [onnx.helper.make_tensor_value_info("numbers", onnx.TensorProto.FLOAT, ["b", 2]),
         onnx.helper.make_tensor_value_info("texts", onnx.TensorProto.STRING, ["b", 4])],
        [onnx.helper.make_tensor_value_info(part.output, onnx.TensorProto.DOUBLE, ["b", 1])],
        part.initializers)
    graph_model = onnx.helper.make_model(graph, opset_imports=[
        onnx.helper.make_opsetid("", 17), onnx.helper.make_opsetid(ML_DOMAIN, ML_OPSET)])
    onnx.checker.check_model(graph_model)
    session = onnxruntime.InferenceSession(graph_model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    rows = frame.sample(1500, random_state=1).reset_index(drop=True)
    rows.loc[:40, "code"] = "never seen"
    rows.loc[41:80, "a"] = "zzz"
    rows.loc[81:120, "y"] = np.nan
    (raw,) = session.run(None, {"numbers": rows[["x", "y"]].to_numpy(np.float32),
                                "texts": rows[texts].to_numpy(dtype=object)})
    expected = model.predict(rows, prediction_type="RawFormulaVal")
    np.testing.assert_allclose(raw[:, 0], expected, rtol=0, atol=1e-6)
    # the model does use what the graph had to get right: numeric, one-hot and statistic
    # splits, and statistics of category pairs and of a category with a numeric split
    exported = _json_of(model)
    kinds = {split["split_type"] for tree in exported["oblivious_trees"]
             for split in tree.get("splits") or []}
    assert {"FloatFeature", "OneHotFeature", "OnlineCtr"} <= kinds
    combined = [{e["combination_element"] for e in ctr["elements"]}
                for ctr in exported["features_info"]["ctrs"] if len(ctr["elements"]) > 1]
    assert {"cat_feature_value", "float_feature", "cat_feature_exact_value"} <= set().union(
        *combined)


def _json_of(model) -> dict:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.json"
        model.save_model(str(path), format="json")
        return json.loads(path.read_text())


def test_a_client_following_the_documented_rules_gets_catboosts_inputs(binary_blend,
                                                                       tmp_path) -> None:
    """docs/serving.md, "A blend": the two extra inputs from the metadata and the raw rows."""
    model, rows = binary_blend
    export_onnx(model.pipeline_, tmp_path / "blend.onnx")
    metadata = {p.key: p.value for p in onnx.load(str(tmp_path / "blend.onnx")).metadata_props}
    spec = json.loads(metadata["findeep.partner"])
    rows = awkward_rows(rows, "region", "income")
    numbers = np.empty((len(rows), len(spec["partner_numbers"])))
    for j, name in enumerate(spec["partner_numbers"]):
        column, _, rest = name.partition("__")
        if rest.startswith("special="):
            numbers[:, j] = rows[column].to_numpy(float) == float(rest.split("=")[1])
        elif rest:
            stamps = pd.to_datetime(rows[column])
            numbers[:, j] = {"days": (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds()
                             / 86400, "year": stamps.dt.year, "month": stamps.dt.month,
                             "dayofweek": stamps.dt.dayofweek}[rest]
        else:
            values = rows[column].to_numpy(float)
            codes = spec["special_values"].get(column, [])
            numbers[:, j] = np.where(np.isin(values, codes), np.nan, values)
    texts = np.array([[spec["missing_text"] if pd.isna(value) else str(value)
                       for value in rows[name]] for name in spec["partner_texts"]],
                     dtype=object).T
    findeeps = onnx_inputs(model.pipeline_, rows)
    np.testing.assert_array_equal(numbers.astype(np.float32), findeeps["partner_numbers"])
    np.testing.assert_array_equal(texts, findeeps["partner_texts"])


@pytest.mark.parametrize("numeric", [True, False], ids=["a-number", "categories-only"])
def test_trees_without_splits_score_their_leaves_on_every_row(numeric) -> None:
    """CatBoost writes a tree that found no split as one leaf (``"splits": null``); a model
    of only such trees is its bias plus their leaves on every row, missing numbers too, and
    on a table of categories alone (the tree operator then reads a column of zeros: it
    refuses an input of no columns)."""
    info = ({"float_features": [{"feature_index": 0, "flat_feature_index": 0, "borders": [],
                                 "nan_value_treatment": "AsIs"}]} if numeric else
            {"categorical_features": [{"feature_index": 0, "flat_feature_index": 0}]})
    model_json = {
        "features_info": info,
        "oblivious_trees": [{"leaf_values": [0.25], "splits": None},
                            {"leaf_values": [-0.5], "splits": None}],
        "scale_and_bias": [2.0, [0.125]], "ctr_data": {}}
    columns = ["x"] if numeric else []
    part = CatBoostGraphBuilder(model_json, numbers="numbers", texts="texts",
                                number_columns=columns, text_columns=[] if numeric else ["c"],
                                columns=["x" if numeric else "c"]).build()
    graph = onnx.helper.make_graph(
        part.nodes, "catboost",
        [onnx.helper.make_tensor_value_info("numbers", onnx.TensorProto.FLOAT,
                                            ["b", len(columns)])],
        [onnx.helper.make_tensor_value_info(part.output, onnx.TensorProto.DOUBLE, ["b", 1])],
        part.initializers)
    session = onnxruntime.InferenceSession(onnx.helper.make_model(graph, opset_imports=[
        onnx.helper.make_opsetid("", 17), onnx.helper.make_opsetid(ML_DOMAIN, ML_OPSET)]
    ).SerializeToString(), providers=["CPUExecutionProvider"])
    numbers = np.array([[np.nan], [1.0], [5.0]], np.float32)[:, :len(columns)]
    (raw,) = session.run(None, {"numbers": numbers})
    np.testing.assert_allclose(raw[:, 0], 2.0 * (0.25 - 0.5) + 0.125)


def test_a_blends_network_half_keeps_its_log_odds_near_certainty(binary_blend) -> None:
    """The blend averages log-odds, so its network half is taken in float64: in float32 a
    probability of 1 - 8e-7 keeps 1 - p to a few percent, and the blend would carry that."""
    import torch

    pipeline = binary_blend[0].pipeline_
    logits = torch.full((3, 1, 1), 14.0 * pipeline.temperature)  # (rows, members, outputs)
    half = pipeline._prediction(logits)
    np.testing.assert_allclose(np.log(half / (1.0 - half)), 14.0, rtol=1e-6)
